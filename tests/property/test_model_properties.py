"""Invariants of ``simulate`` over many small random scenarios (hypothesis).

For every valid scenario drawn by :func:`accesssim.testing.valid_scenarios` and every seed
(drawn by hypothesis and passed in, STYLE.md habit 8), one replication must satisfy:

* conservation: every request ends in exactly one outcome (the per-request log agrees with
  ``outcomes_all`` and the measurement-window counts ``outcomes``, a part of them); every need
  generated has exactly one first request in the log (a need that waits for practices to
  open is logged once, when it is booked; needs asked again and in-person follow-ups are
  requests of their own);
* no overbooking: no agenda cell (regular or reserved free slots) is below 0;
* no list over capacity: ``list_size <= capacity`` for every active GP;
* lists match people: adults with a valid MT, counted person by person, equal the sum of the
  active GPs' list sizes;
* waits are non-negative: the wait histogram, every metric in days, and in the log every
  appointment is at or after its request's arrival (GP appointments strictly after, in a
  session that starts after the arrival);
* shares are shares: every metric whose unit is "share" is in [0, 1] or NaN;
* reproducibility: the same (scenario, seed, replication) gives identical results;
* the scenario is data: ``simulate`` does not modify the scenario it is given (STYLE.md
  habit 2).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import METRICS, RunResult, simulate
from accesssim.model.engine import build_run
from accesssim.scenario import Scenario
from accesssim.testing import valid_scenarios
from accesssim.vocabulary import Kind, Outcome

SCENARIOS = valid_scenarios(max_population=3000, max_gps=5, max_horizon_days=90)
SEEDS = st.integers(0, 2**32 - 1)
GP_OUTCOMES = (Outcome.OWN_MT, Outcome.OTHER_GP)
UNSEEN = (Outcome.ED, Outcome.FORGONE, Outcome.ED_DIRECT, Outcome.RETRY)
"""Outcomes without an appointment (a pending request may have one, after the horizon, or
none: it asks again, or practices open, after the horizon)."""


def _same_float(a: float, b: float) -> bool:
    """Equal, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def _assert_identical(a: RunResult, b: RunResult) -> None:
    assert set(a.metrics) == set(b.metrics)
    different = {
        name: (a.metrics[name], b.metrics[name])
        for name in a.metrics
        if not _same_float(a.metrics[name], b.metrics[name])
    }
    assert not different
    np.testing.assert_array_equal(a.outcomes, b.outcomes)
    np.testing.assert_array_equal(a.outcomes_all, b.outcomes_all)
    np.testing.assert_array_equal(a.requests_generated, b.requests_generated)
    np.testing.assert_array_equal(a.wait_histogram, b.wait_histogram)
    assert a.weekly.keys() == b.weekly.keys()
    for name in a.weekly:
        np.testing.assert_array_equal(a.weekly[name], b.weekly[name])
    assert a.costs == b.costs
    assert a.requests is not None
    assert b.requests is not None
    assert a.requests.keys() == b.requests.keys()
    for name in a.requests:
        np.testing.assert_array_equal(a.requests[name], b.requests[name])


@settings(max_examples=25, deadline=None)
@given(scenario=SCENARIOS, seed=SEEDS)
def test_run_invariants(scenario: Scenario, seed: int) -> None:
    result = simulate(scenario, seed, record_requests=True)
    diag = result.diagnostics
    cal = scenario.calendar

    # -- every request has exactly one outcome ------------------------------------------------
    generated = result.requests_generated
    assert result.outcomes_all.shape == result.outcomes.shape == (len(Kind), len(Outcome))
    assert (result.outcomes >= 0).all()
    assert (result.outcomes <= result.outcomes_all).all()
    log = result.requests
    assert log is not None
    n = int(result.outcomes_all.sum())
    assert all(len(column) == n for column in log.values())
    first = (log["attempt"] == 0) & ((log["origin"] & 1) == 0)
    np.testing.assert_array_equal(np.bincount(log["kind"][first], minlength=len(Kind)), generated)
    assert (log["t0"] <= log["t"]).all()
    outcome = log["outcome"].astype(np.int64)
    kind = log["kind"].astype(np.int64)
    assert ((outcome >= 0) & (outcome < len(Outcome))).all()
    table = np.zeros((len(Kind), len(Outcome)), dtype=np.int64)
    np.add.at(table, (kind, outcome), 1)
    np.testing.assert_array_equal(table, result.outcomes_all)
    day = np.floor(log["t"]).astype(np.int64)
    measured = (day >= cal.warmup_days) & (day < cal.horizon_days)
    table[:] = 0
    np.add.at(table, (kind[measured], outcome[measured]), 1)
    np.testing.assert_array_equal(table, result.outcomes)

    # -- no agenda cell below 0, no list over capacity, lists match people -------------------
    assert diag["min_free"] >= 0
    assert diag["min_reserved"] >= 0
    assert diag["list_excess"] <= 0
    assert diag["covered_adults_by_person"] == diag["covered_adults_by_lists"]

    # -- waits are non-negative -----------------------------------------------------------------
    assert (result.wait_histogram >= 0).all()
    for name, (unit, _) in METRICS.items():
        value = result.metrics[name]
        if unit == "days":
            assert math.isnan(value) or value >= 0, (name, value)
    t, appt, gp = log["t"], log["appointment"], log["gp"]
    seen = appt >= 0
    assert (appt[seen] >= t[seen]).all()
    assert (appt[~seen] == -1).all()
    # Only the ED, forgone care, asking again later and pending leave a request without an
    # appointment.
    assert np.isin(outcome[~seen], (*UNSEEN, Outcome.PENDING)).all()
    assert not np.isin(outcome[seen], UNSEEN).any()
    # A GP appointment is the start of a session that starts strictly after the arrival.
    by_gp = gp >= 0
    assert np.isin(outcome[by_gp], (*GP_OUTCOMES, Outcome.PENDING)).all()
    assert (gp[np.isin(outcome, GP_OUTCOMES)] >= 0).all()
    assert (appt[by_gp] > t[by_gp]).all()
    am, pm = cal.morning_start_hour / 24, cal.afternoon_start_hour / 24
    frac = appt[by_gp] - np.floor(appt[by_gp])
    assert (np.isclose(frac, am, atol=1e-9) | np.isclose(frac, pm, atol=1e-9)).all()
    # Pending means seen after the horizon.
    pending = outcome == Outcome.PENDING
    assert (appt[pending & seen] >= cal.horizon_days).all()
    assert (appt[seen & ~pending] < cal.horizon_days).all()

    # -- shares are shares ----------------------------------------------------------------------
    for name, (unit, _) in METRICS.items():
        value = result.metrics[name]
        if name == "ed_monday_excess":  # a relative difference (in %): from -100 % up
            assert math.isnan(value) or value >= -1.0, (name, value)
        elif unit == "share":
            assert math.isnan(value) or 0.0 <= value <= 1.0, (name, value)

    # -- the metrics agree with the request log -------------------------------------------------
    _assert_metrics_match_log(result, scenario, seed)


def _quantile(x: np.ndarray, q: float) -> float:
    """Lower quantile (smallest value whose empirical CDF reaches q); NaN when empty."""
    return float(np.quantile(x, q, method="inverted_cdf")) if x.size else math.nan


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else math.nan


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _assert_metrics_match_log(result: RunResult, scenario: Scenario, seed: int) -> None:
    """Wait and outcome metrics recomputed from the per-request log."""
    log = result.requests
    assert log is not None
    cal = scenario.calendar
    m = result.metrics
    t, appt, kind, outcome = log["t"], log["appointment"], log["kind"], log["outcome"]
    day = np.floor(t).astype(np.int64)
    in_window = (day >= cal.warmup_days) & (day < cal.horizon_days)
    # Requests for GP care (emergencies apart); a request asked again later is not a need's end.
    measured = in_window & (kind != Kind.EMERGENCY)
    ends = measured & (outcome != Outcome.RETRY)
    # Waits in whole days (appointment day - day the request was asked), requests with an
    # appointment other than a pharmacist's or the out-of-hours service's; the histogram's
    # last bin holds waits of 400 days and more.
    waited = (
        measured & (appt >= 0) & (outcome != Outcome.PHARMACIST) & (outcome != Outcome.OUT_OF_HOURS)
    )
    days = np.minimum(np.floor(appt).astype(np.int64) - day, result.wait_histogram.shape[1] - 1)
    planned = days[waited & (kind == Kind.PLANNED)]
    unscheduled = days[waited & (kind != Kind.PLANNED)]
    expected = {
        "wait_planned_mean_days": _mean(planned),
        "wait_planned_median_days": _quantile(planned, 0.5),
        "wait_planned_p90_days": _quantile(planned, 0.9),
        "wait_all_mean_days": _mean(days[waited]),
        "wait_all_median_days": _quantile(days[waited], 0.5),
        "wait_all_within_1day_share": _mean((days[waited] <= 1).astype(float)),
        "wait_unscheduled_median_days": _quantile(unscheduled, 0.5),
    }
    excess = np.floor(appt) - log["desired"]
    expected["excess_wait_planned_mean_days"] = _mean(
        np.maximum(excess[waited & (kind == Kind.PLANNED)], 0)
    )
    n_measured = int(ends.sum())
    expected["forgone_care_share"] = (
        float((outcome[ends] == Outcome.FORGONE).sum()) / n_measured if n_measured else math.nan
    )
    # Unscheduled needs met within 24 h / 48 h of their onset (a pharmacist and the
    # out-of-hours service count; a nurse never sees them).
    unsched = ends & (kind != Kind.PLANNED)
    n_unsched = int(unsched.sum())
    delay = (appt - log["t0"])[unsched & (appt >= 0)]
    for hours, name in ((1.0, "24h"), (2.0, "48h")):
        expected[f"unscheduled_within_{name}_share"] = (
            float((delay <= hours).sum()) / n_unsched if n_unsched else math.nan
        )
    # Rates per inhabitant are per year lived in the territory over the window (people arrive
    # and leave during a run): the days each person is present, from their life events.
    run = build_run(scenario, seed, 0)
    run.ahead.shutdown(wait=True)
    lives = run.pop.lives
    present = np.minimum(lives.exit, cal.horizon_days).astype(np.int64) - np.maximum(
        lives.entry, cal.warmup_days
    )
    person_years = float(np.maximum(present, 0).sum()) / 365
    to_ed = np.isin(outcome, (Outcome.ED, Outcome.ED_DIRECT))
    if person_years > 0:
        expected["ed_visits_per_1000"] = (to_ed & measured).sum() * 1000 / person_years
        expected["ed_visits_total_per_1000"] = (to_ed & in_window).sum() * 1000 / person_years
        expected["requests_per_inhabitant"] = n_measured / person_years
        expected["asked_again_per_1000"] = (
            (measured & (outcome == Outcome.RETRY)).sum() * 1000 / person_years
        )
    n_ed = int((to_ed & in_window).sum())
    expected["ed_avoidable_share"] = float((to_ed & measured).sum()) / n_ed if n_ed else math.nan
    expected["ed_after_search_share"] = (
        float((in_window & (outcome == Outcome.ED)).sum()) / n_ed if n_ed else math.nan
    )
    # An unscheduled need given an appointment after the horizon by a teleconsultation (a
    # wait) or by the out-of-hours service (not a GP wait) is logged as pending in both cases:
    # the waits of unscheduled needs cannot be recomputed from the log then.
    unsure = (
        measured
        & (outcome == Outcome.PENDING)
        & (appt >= 0)
        & (log["gp"] < 0)
        & (kind != Kind.PLANNED)
    ).any()
    if unsure:
        for name in ("wait_all_mean_days", "wait_all_median_days", "wait_all_within_1day_share"):
            del expected[name]
        del expected["wait_unscheduled_median_days"]
    wrong = {
        name: (m[name], value) for name, value in expected.items() if not _close(m[name], value)
    }
    assert not wrong
    # The exact waits (days, fractional) summed per kind.
    sums = np.bincount(kind[waited], weights=(appt - t)[waited], minlength=3)
    checked = slice(0, 1) if unsure else slice(0, 3)
    np.testing.assert_allclose(
        result.diagnostics["wait_sum_days"][checked], sums[checked], rtol=1e-9, atol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(scenario=SCENARIOS, seed=SEEDS)
def test_same_seed_same_results_and_scenario_unchanged(scenario: Scenario, seed: int) -> None:
    before_dump = scenario.model_dump()
    before = scenario.model_copy(deep=True)
    first = simulate(scenario, seed, record_requests=True)
    assert scenario.model_dump() == before_dump
    assert scenario == before
    second = simulate(scenario, seed, record_requests=True)
    assert scenario.model_dump() == before_dump
    assert scenario == before
    _assert_identical(first, second)
    # Recording the request log does not change what is simulated.
    third = simulate(scenario, seed)
    assert third.requests is None
    assert all(_same_float(first.metrics[m], third.metrics[m]) for m in first.metrics)
    np.testing.assert_array_equal(first.outcomes_all, third.outcomes_all)
