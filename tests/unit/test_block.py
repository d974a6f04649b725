"""A block of days booked in one compiled call gives the numbers of booking them a day at a time.

The compiled call (:mod:`accesssim.model.block`) replaces the engine's loop over the days of a
block: the carried rows' quantiles are computed by compiled formulas, which must be those of the
distributions' ``ppf`` bit for bit, and the whole run must be the same record either way (every
metric, count, cost, weekly series and the requests' digest), buffers and the pending record
growing in the middle of blocks included (they start empty).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import block, engine
from accesssim.scenario.distributions import Exponential, Fixed, Normal, Triangular, Uniform
from helpers import load_tool

TOOL = load_tool("refresh_golden")

bounds = st.floats(-50.0, 400.0, allow_nan=False, allow_infinity=False)
units = st.one_of(
    st.floats(0.0, 1.0, exclude_max=True), st.sampled_from([0.0, 0.5, np.nextafter(1.0, 0.0)])
)


@st.composite
def distributions(draw: st.DrawFn) -> Fixed | Uniform | Triangular:
    a, b, c = sorted(draw(st.lists(bounds, min_size=3, max_size=3)))
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "flat"]))
    if kind == "fixed":
        return Fixed(value=b)
    if kind == "uniform":
        return Uniform(low=a, high=c)
    if kind == "flat":  # low == mode == high: ppf's own branch
        return Triangular(low=b, mode=b, high=b)
    return Triangular(low=a, mode=draw(st.sampled_from([a, b, c])), high=c)


@settings(max_examples=300, deadline=None)
@given(lead=distributions(), patience=distributions(), u=st.lists(units, min_size=1, max_size=8))
def test_compiled_quantiles_are_the_ppf_bit_for_bit(
    lead: Fixed | Uniform | Triangular, patience: Fixed | Uniform | Triangular, u: list[float]
) -> None:
    class Gen:  # what compiled_quantiles reads of a demand generator
        class demand:
            planned_lead_days = lead
            planned_patience_days = patience

    q = block.compiled_quantiles(Gen)
    assert q is not None
    for row, dist in zip(q, (lead, patience), strict=True):
        expected = dist.ppf(np.array(u))
        got = np.array([block._quantile(row, x) for x in u])
        assert got.tobytes() == expected.astype(np.float64).tobytes()


@pytest.mark.parametrize("dist", [Normal(mu=5, sd=2, low=0), Exponential(mean=4)])
def test_other_distributions_are_booked_a_day_at_a_time(dist: Normal | Exponential) -> None:
    class Gen:
        class demand:
            planned_lead_days = dist
            planned_patience_days = Triangular(low=7, mode=21, high=60)

    assert block.compiled_quantiles(Gen) is None


def _day_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "compiled_quantiles", lambda gen: None)


def _record(case: dict) -> dict:
    from accesssim.model import simulate

    res = simulate(TOOL.build_scenario(case), seed=case["seed"], replication=case["replication"])
    return TOOL._plain(
        {
            "generated": res.requests_generated,
            "carried": res.requests_carried,
            "by_weekday": res.outcomes_by_weekday,
            "by_hour": res.outcomes_by_hour,
            "metrics": res.metrics,
            "outcomes_all": res.outcomes_all,
            "wait_histogram": res.wait_histogram,
            "cost_lines": res.cost_lines,
            "yearly": res.yearly,
            "weekly": res.weekly,
            "counters": res.diagnostics["counters"],
        }
    )


@pytest.mark.parametrize("name", ["all-policies-20k", "monts-contract-shocks"])
def test_a_block_in_one_call_books_as_a_day_at_a_time(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = TOOL.CASES[name]
    calls = {"room": 0, "park": 0}
    real = block._book_days

    def counting(*args):  # the same function, counting why it stopped
        why, day = real(*args)
        calls["room"] += why == block.ROOM
        calls["park"] += why == block.PARK
        return why, day

    monkeypatch.setattr(block, "_book_days", counting)
    in_blocks = _record(case)
    assert calls["room"] > 0  # in blocks, growing both ways
    assert calls["park"] > 0
    _day_at_a_time(monkeypatch)
    assert TOOL.same(in_blocks, _record(case))
