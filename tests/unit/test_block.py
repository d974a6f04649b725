"""A block of days booked in one compiled call gives the numbers of booking them a day at a time.

The compiled call (:mod:`accesssim.model.block`) replaces the engine's loop over the days of a
block: the carried rows' quantiles are computed by compiled formulas, which must be those of the
distributions' ``ppf`` bit for bit, a day's carried rows must become the requests the demand
generator makes of them, and the whole run must be the same record either way (every metric,
count, cost and weekly series), buffers and the pending record growing in the middle of blocks
included (they start empty).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import block, engine
from accesssim.model.demand import DemandGenerator
from accesssim.model.records import Requests
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


@settings(max_examples=100, deadline=None)
@given(
    lead=distributions(),
    patience=distributions(),
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1), st.floats(0.0, 1.0, exclude_max=True)),
        max_size=12,
    ),
)
def test_carried_rows_become_the_requests_the_generator_makes(
    lead: Fixed | Uniform | Triangular,
    patience: Fixed | Uniform | Triangular,
    rows: list[tuple[int, int, float]],
) -> None:
    """Rows of every kind, planned ones booked ahead or as soon as possible: the compiled
    requests equal :meth:`DemandGenerator._requests`' column for column, byte for byte."""

    class Gen:
        class demand:
            planned_lead_days = lead
            planned_patience_days = patience

    n = len(rows)
    kind = np.array([k for k, _, _ in rows], dtype=np.uint8)
    asap = np.array([a for _, a, _ in rows], dtype=np.uint8)
    u = np.array([x for _, _, x in rows], dtype=np.float64)

    def columns() -> tuple[np.ndarray, ...]:  # fresh arrays: both write ``desired``
        t = np.linspace(3.0, 3.9, n)
        return (
            t, t - 0.5, np.arange(n, dtype=np.uint64), np.ones(n, np.uint8), np.zeros(n, np.uint8),
            np.arange(n, dtype=np.int32), kind.copy(), np.zeros(n, np.uint8), np.zeros(n, np.uint8),
            asap.copy(), np.full(n, 3, np.int32), u.copy(), u[::-1].copy(),
        )  # fmt: skip

    expected = DemandGenerator._requests(Gen, columns())
    got = block._carried_requests(columns(), block.compiled_quantiles(Gen), block._EMPTY)
    for name, a, b in zip(Requests._fields, expected, got, strict=True):
        assert a.dtype == b.dtype, name
        assert a.tobytes() == b.tobytes(), name


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
        why, day, rows = real(*args)
        calls["room"] += why == block.ROOM
        calls["park"] += why == block.PARK
        return why, day, rows

    monkeypatch.setattr(block, "_book_days", counting)
    in_blocks = _record(case)
    assert calls["room"] > 0  # in blocks, growing both ways
    assert calls["park"] > 0
    _day_at_a_time(monkeypatch)
    assert TOOL.same(in_blocks, _record(case))
