"""Booking several days at once gives exactly the numbers of booking them one by one.

The engine books the requests of all the days until the next midnight at which something else
happens (GP changes, turnover, a policy's process, a snapshot) in one call of the kernel
(``engine.booking_blocks``). Nothing the kernel reads changes inside such a range, so the
result must be bit for bit that of one call a day; checked here on scenarios with every policy.
"""

from __future__ import annotations

import numpy as np
import pytest

from accesssim.model import engine, simulate
from accesssim.model.policies import POLICIES
from accesssim.scenario import Scenario

SCENARIO = {
    "calendar": {"horizon_days": 120, "warmup_days": 20},
    "population": {"size": 4000},
    "gps": {"count": 4},
    # Every policy whose list capacities do not change every day (the nurses' do: one day at
    # a time then), so that ranges of several days are booked at once.
    "policies": {p.key: p.example for p in POLICIES if p.key != "nurses"},
}


@pytest.mark.parametrize("policies", [False, True])
def test_blocks_give_the_numbers_of_single_days(monkeypatch, policies: bool) -> None:
    data = dict(SCENARIO)
    if not policies:
        data = {k: v for k, v in data.items() if k != "policies"}
    scenario = Scenario.model_validate(data)
    blocks = engine.booking_blocks
    together = simulate(scenario, seed=3)

    def single_days(run: engine.Run) -> list[tuple[int, int]]:
        out = [(d, d + 1) for first, end in blocks(run) for d in range(first, end)]
        assert len(out) == run.cal.horizon_days
        return out

    monkeypatch.setattr(engine, "booking_blocks", single_days)
    apart = simulate(scenario, seed=3)
    assert len(blocks(engine.build_run(scenario, 3))) < scenario.calendar.horizon_days
    assert together.metrics == apart.metrics or all(
        a == b or (np.isnan(a) and np.isnan(b))
        for a, b in zip(together.metrics.values(), apart.metrics.values(), strict=True)
    )
    np.testing.assert_array_equal(together.outcomes_all, apart.outcomes_all)
    np.testing.assert_array_equal(together.wait_histogram, apart.wait_histogram)
    for name, col in together.weekly.items():
        np.testing.assert_array_equal(col, apart.weekly[name], err_msg=name)
