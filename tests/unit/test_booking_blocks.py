"""Booking several days at once gives exactly the numbers of booking them one by one.

The engine draws the requests of all the days until the next midnight at which something else
happens (GP changes, turnover, a policy's process, a snapshot) at once and books them without
a midnight event between them (``engine.booking_blocks``; the kernel takes them a day at a
time, with the requests earlier days carried to each day). Nothing the kernel reads changes
inside such a range, so the result must be bit for bit that of one range a day; checked here
on scenarios with every policy.
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


@pytest.mark.parametrize("horizon", [120, 400])
def test_demand_drawn_ahead_on_the_second_thread_gives_the_same_numbers(
    monkeypatch, horizon: int
) -> None:
    # A large territory draws its requests on the second thread, a range of days ahead (the
    # first range while the run is built); a small one draws them in the main thread. Both
    # give the same numbers: here a small territory both ways, over one and two years of
    # demand (a range never crosses a year).
    data = {**SCENARIO, "calendar": {"horizon_days": horizon, "warmup_days": 20}}
    scenario = Scenario.model_validate(data)
    here = simulate(scenario, seed=5)
    monkeypatch.setattr(engine, "THREAD_MIN_PEOPLE", 0)
    run = engine.build_run(scenario, 5)
    assert run.first_range is not None
    assert run.first_range[0] == (0, 28)
    run.ahead.shutdown()
    ahead = simulate(scenario, seed=5)
    assert list(here.metrics) == list(ahead.metrics)
    for name, a in here.metrics.items():
        b = ahead.metrics[name]
        assert a == b or (np.isnan(a) and np.isnan(b)), name
    np.testing.assert_array_equal(here.outcomes_all, ahead.outcomes_all)
    for name, col in here.weekly.items():
        np.testing.assert_array_equal(col, ahead.weekly[name], err_msg=name)
