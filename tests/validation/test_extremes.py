"""Validation (b): extreme values, whose results are known without simulation.

Extreme-condition tests are a standard verification technique (R. G. Sargent, "Verification
and validation of simulation models", Journal of Simulation 7(1), 2013, §5: "extreme
condition tests"; also the "extreme values" and "deterministic pathways" of the verification
plan in Monks' treat-sim ``tests/test_model.py``):

* **zero demand** (every contact rate 0, no epidemic): no request, no outcome, nothing booked;
  every wait and every ratio over requests is undefined (NaN), never a made-up 0;
* **zero GPs** (``gps.count: 0``, no roster): nobody is seen by a GP; every request ends in
  teleconsultation, pharmacist, ED or forgone care (nurses work with GPs, so none either).
  With the ED shares at 1 (or 0) every unscheduled need goes to the ED (or is forgone) and
  every planned request is forgone; with unlimited, universally eligible teleconsultation
  every request is a teleconsultation;
* **unlimited capacity** (one GP working every half-day with 3,000 slots, no leave, no
  holiday, nothing reserved or pre-booked): nobody waits for a slot, so every request is seen
  in the first session its constraints allow. The rule, from ``kernel.book_day``: a planned
  request arriving at ``t`` and wanting day ``desired`` is seen in session
  ``max(first session starting strictly after t, morning session of desired)``; an
  unscheduled need in the first session starting strictly after ``t`` (``t``: when the
  request is asked; a need that arose when practices were closed is asked when they open).
  The expected session is computed here independently from the calendar hours (a search
  over session start times), not with the kernel's ``first_session_after``;
* **everyone straight to the ED** (direct ED shares at 1): every unscheduled need ends at the
  ED without a search for care, and so does every emergency.

The access pathways (docs/model.md, section 2.12: emergencies, direct ED visits, out-of-hours
care, needs asked again, follow-ups, teleconsultation first) are switched off in these
scenarios unless a test turns one on, so that the pathways above are the cascade's alone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from accesssim.model import METRICS, simulate
from accesssim.scenario import Scenario
from accesssim.vocabulary import Kind, Outcome

_BANDS = ("age_0_15", "age_16_59", "age_60_74", "age_75_plus")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_ONE = dict.fromkeys(_BANDS, 1.0)
WAIT_METRICS = tuple(name for name, (unit, _) in METRICS.items() if unit == "days")
PER_REQUEST_SHARES = (
    "unscheduled_within_24h_share",
    "unscheduled_within_48h_share",
    "forgone_care_share",
    "teleconsultation_share",
    "wait_all_within_1day_share",
)


PATHWAYS_OFF = {
    "emergencies_per_year": dict.fromkeys(_BANDS, 0.0),
    "ed_direct_share_24h": 0.0,
    "ed_direct_share_48h": 0.0,
    "repeat_share": 0.0,
}
"""Demand without the access pathways: no emergency, no direct ED visit, nobody asks again."""


def _scenario(**sections: Any) -> Scenario:
    """A small territory: 2,000 inhabitants, 3 GPs, 70 days of which 14 of warm-up; no
    out-of-hours care, the other access pathways off (PATHWAYS_OFF, no follow-up, nobody
    tries a teleconsultation first)."""
    data: dict[str, Any] = {
        "name": "extreme",
        "calendar": {"horizon_days": 70, "warmup_days": 14, "start_date": "2025-03-03"},
        "population": {"size": 2000},
        "gps": {"count": 3},
        "demand": dict(PATHWAYS_OFF),
        "out_of_hours": None,
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    policies = {key: dict(block) for key, block in data.get("policies", {}).items()}
    if "teleconsultation" in policies:
        policies["teleconsultation"].setdefault("first_choice_share", dict.fromkeys(_BANDS, 0.0))
        policies["teleconsultation"].setdefault("followup_share", 0.0)
    if "pharmacists" in policies:
        policies["pharmacists"].setdefault("followup_share", 0.0)
    if policies:
        data["policies"] = policies
    return Scenario.model_validate(data)


def _is_nan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)


# ---------------------------------------------------------------------------------------------
# Zero demand
# ---------------------------------------------------------------------------------------------

ZERO_DEMAND = {
    "contacts_per_year": {
        "non_ald": dict.fromkeys(_BANDS, 0),
        "ald": dict.fromkeys(_BANDS, 0),
    },
    "epidemic": None,
}


@pytest.mark.parametrize(
    "policies",
    [{}, {"teleconsultation": {"platform_daily_capacity": 50}, "pharmacists": {}}],
    ids=["no-policy", "tele-pharmacists"],
)
def test_zero_demand_gives_no_request(policies: dict[str, Any]) -> None:
    scenario = _scenario(
        demand=ZERO_DEMAND, gps={"count": 3, "initial_booked_share": 0}, policies=policies
    )
    result = simulate(scenario, seed=5, record_requests=True)
    assert result.requests_generated.sum() == 0
    assert result.outcomes_all.sum() == 0
    assert result.outcomes.sum() == 0
    assert result.wait_histogram.sum() == 0
    assert result.requests is not None
    assert result.requests["t"].size == 0
    m = result.metrics
    for name in WAIT_METRICS:
        if name != "third_next_available_days":  # an agenda property: defined without demand
            assert _is_nan(m[name]), (name, m[name])
    for name in PER_REQUEST_SHARES:
        assert _is_nan(m[name]), (name, m[name])
    assert m["ed_visits_per_1000"] == 0
    assert m["requests_per_inhabitant"] == 0
    assert m["gp_acts_per_inhabitant"] == 0
    assert m["gp_utilisation"] == 0  # slots offered, none booked
    assert m["pharmacist_acts_per_1000"] == 0
    assert m["third_next_available_days"] >= 0
    assert result.diagnostics["min_free"] >= 0


def test_zero_inhabitants() -> None:
    """Nobody lives there: no request; every rate per inhabitant or per adult is undefined."""
    result = simulate(_scenario(population={"size": 0}), seed=1)
    assert result.requests_generated.sum() == 0
    assert result.outcomes_all.sum() == 0
    m = result.metrics
    for name in (
        "ed_visits_per_1000",
        "requests_per_inhabitant",
        "gp_acts_per_inhabitant",
        "mt_coverage_start",
        "mt_coverage_end",
        "mt_coverage_ald_end",
        *PER_REQUEST_SHARES,
    ):
        assert _is_nan(m[name]), (name, m[name])
    assert m["patients_without_mt_end"] == 0
    assert result.diagnostics["covered_adults_by_lists"] == 0


# ---------------------------------------------------------------------------------------------
# Zero GPs
# ---------------------------------------------------------------------------------------------

NO_GPS = {"count": 0}
NOT_BY_A_GP = (Outcome.TELE, Outcome.PHARMACIST, Outcome.ED, Outcome.FORGONE, Outcome.PENDING)


def _no_gp_checks(result: Any, horizon: int) -> None:
    out = result.outcomes_all
    assert result.diagnostics["n_gps"] == 0
    assert out[:, Outcome.OWN_MT].sum() == 0
    assert out[:, Outcome.OTHER_GP].sum() == 0
    assert out[:, Outcome.NURSE].sum() == 0
    np.testing.assert_array_equal(out.sum(axis=1), result.requests_generated)
    log = result.requests
    assert (log["gp"] == -1).all()
    assert np.isin(log["outcome"], NOT_BY_A_GP).all()
    # Pending: a teleconsultation booked after the horizon, or a need that arose when
    # practices were closed and waits for them to open after the horizon.
    pending = log["outcome"] == Outcome.PENDING
    booked = log["appointment"] >= 0
    assert (log["appointment"][pending & booked] >= horizon).all()
    waits = pending & ~booked
    assert (log["kind"][waits] != Kind.PLANNED).all()
    assert (log["t"][waits] >= horizon - 3).all()  # at most a long weekend before the end
    m = result.metrics
    assert m["mt_coverage_end"] == 0
    assert _is_nan(m["gp_utilisation"])  # nothing offered
    assert _is_nan(m["third_next_available_days"])


@pytest.mark.parametrize(
    "policies",
    [
        {},
        {"teleconsultation": {"platform_daily_capacity": 5, "gp_daily_capacity": 5}},
        {"pharmacists": {"handled_share": 1.0}},
        {"teleconsultation": {"platform_daily_capacity": 3}, "pharmacists": {}, "nurses": {}},
    ],
    ids=["no-policy", "teleconsultation", "pharmacists", "tele-pharmacists-nurses"],
)
def test_zero_gps_nobody_sees_a_gp(policies: dict[str, Any]) -> None:
    scenario = _scenario(gps=NO_GPS, policies=policies)
    result = simulate(scenario, seed=3, record_requests=True)
    assert result.requests_generated.sum() > 1000
    _no_gp_checks(result, scenario.calendar.horizon_days)
    out = result.outcomes_all
    if "teleconsultation" not in policies:
        assert out[:, Outcome.TELE].sum() == 0
        pending = result.requests["outcome"] == Outcome.PENDING
        assert (result.requests["appointment"][pending] == -1).all()
        assert out[Kind.PLANNED, Outcome.FORGONE] == result.requests_generated[Kind.PLANNED]
    else:
        assert out[:, Outcome.TELE].sum() > 0
    if "pharmacists" in policies:
        assert out[1:, Outcome.PHARMACIST].sum() > 0
    else:
        assert out[:, Outcome.PHARMACIST].sum() == 0
    assert out[Kind.PLANNED, Outcome.PHARMACIST] == 0  # pharmacists take unscheduled needs only


@pytest.mark.parametrize("ed_share", [0.0, 1.0])
def test_zero_gps_deterministic_pathway(ed_share: float) -> None:
    """Without GPs or policies: planned -> forgone; unscheduled -> ED (share 1) or forgone."""
    scenario = _scenario(
        gps=NO_GPS, demand={"ed_share_unmet_24h": ed_share, "ed_share_unmet_48h": ed_share}
    )
    result = simulate(scenario, seed=8, record_requests=True)
    gen = result.requests_generated
    out = result.outcomes_all
    assert out[Kind.PLANNED, Outcome.FORGONE] == gen[Kind.PLANNED]
    # Needs that arose when practices were closed and wait for them to open after the
    # horizon are pending.
    unscheduled = gen[1:].sum() - out[1:, Outcome.PENDING].sum()
    assert unscheduled > 100
    if ed_share == 1.0:
        assert out[1:, Outcome.ED].sum() == unscheduled
        assert result.metrics["forgone_care_share"] == pytest.approx(
            result.outcomes[Kind.PLANNED].sum() / result.outcomes.sum()
        )
    else:
        assert out[1:, Outcome.FORGONE].sum() == unscheduled
        # Every need ends forgone, but those pending at the horizon.
        measured = result.outcomes
        assert result.metrics["forgone_care_share"] == pytest.approx(
            measured[:, Outcome.FORGONE].sum() / measured.sum()
        )
        assert measured[:, Outcome.FORGONE].sum() + measured[:, Outcome.PENDING].sum() == (
            measured.sum()
        )
        assert result.metrics["ed_visits_per_1000"] == 0
    assert result.metrics["unscheduled_within_48h_share"] == 0
    assert _is_nan(result.metrics["wait_all_mean_days"])


def test_everyone_straight_to_the_ed() -> None:
    """Direct ED shares at 1, every age and hour factor at 1: every unscheduled need and every
    emergency ends at the ED without a search; planned requests are untouched."""
    scenario = _scenario(
        demand={
            "ed_direct_share_24h": 1.0,
            "ed_direct_share_48h": 1.0,
            "ed_direct_age_factor": ALL_ONE,
            "ed_direct_hour_factor": {"night": 1, "morning": 1, "afternoon": 1, "evening": 1},
            "emergencies_per_year": dict.fromkeys(_BANDS, 0.2),
        },
        out_of_hours={},
    )
    result = simulate(scenario, seed=6, record_requests=True)
    gen = result.requests_generated
    out = result.outcomes_all
    assert gen[1:].sum() > 100
    assert gen[Kind.EMERGENCY] > 0
    np.testing.assert_array_equal(out[1:, Outcome.ED_DIRECT], gen[1:])
    assert out[1:].sum() == gen[1:].sum()
    assert out[Kind.PLANNED, Outcome.ED_DIRECT] == 0
    assert out[Kind.PLANNED].sum() == gen[Kind.PLANNED]
    m = result.metrics
    assert m["ed_after_search_share"] == 0.0
    assert m["ed_avoidable_share"] > 0
    assert m["unscheduled_within_48h_share"] == 0.0


def test_zero_gps_unlimited_teleconsultation_serves_everyone() -> None:
    scenario = _scenario(
        gps=NO_GPS,
        demand={"home_visit_share_75_plus": 0},  # home visits cannot be remote
        policies={
            "teleconsultation": {
                "platform_daily_capacity": 100_000,
                "open_days": "all",
                "eligible": {
                    "planned": ALL_ONE,
                    "unscheduled_24h": ALL_ONE,
                    "unscheduled_48h": ALL_ONE,
                },
            }
        },
    )
    result = simulate(scenario, seed=4, record_requests=True)
    _no_gp_checks(result, scenario.calendar.horizon_days)
    log = result.requests
    assert np.isin(log["outcome"], (Outcome.TELE, Outcome.PENDING)).all()
    assert result.outcomes[:, Outcome.PENDING].sum() > 0  # planned requests booked past the horizon
    assert result.metrics["teleconsultation_share"] == 1.0
    # A need asked at its onset is met within 24 h; one that arose when practices were closed
    # (no out-of-hours care here) waits for them to open, possibly past 24 h (a weekend).
    at_onset = (log["kind"] != Kind.PLANNED) & (log["t"] == log["t0"])
    assert at_onset.sum() > 100
    assert (log["appointment"][at_onset] - log["t0"][at_onset] <= 1.0).all()
    assert result.metrics["unscheduled_within_24h_share"] > 0.5
    assert result.metrics["forgone_care_share"] == 0.0


# ---------------------------------------------------------------------------------------------
# Unlimited capacity
# ---------------------------------------------------------------------------------------------


def _unlimited(without_mt_share: float) -> Scenario:
    return _scenario(
        calendar={
            "horizon_days": 200,
            "warmup_days": 14,
            "start_date": "2025-03-03",
            "sessions": {day: ["am", "pm"] for day in _DAYS},
            "public_holidays": "none",
            "morning_start_hour": 8.5,
            "afternoon_start_hour": 14,
            "request_start_hour": 6,
            "request_end_hour": 21,
        },
        population={
            "size": 2500,
            "without_mt_share": without_mt_share,
            "without_mt_share_ald": without_mt_share,
            # Without turnover, nobody loses an MT by moving in (newcomers have none).
            "death_probability_by_age": {0: 0.0},
            "fertility_by_age": {16: 0.0},
            "out_migration_by_age": {0: 0.0},
            "in_migration_per_year": 0.0,
        },
        gps={
            "count": 0,
            "roster": [
                {"id": "g", "fte": 1.0, "accepts_new_patients": True, "list_capacity": 100_000}
            ],
            "sessions_per_week": 14,
            "slots_per_session": 3000,
            "weeks_of_leave": 0,
            "initial_booked_share": 0,
            "retirement_by_age": {0: 0.0},
            "other_departure_rate": 0,
            "installations_per_100k": 0,
        },
    )


@pytest.mark.parametrize("without_mt_share", [0.0, 0.3])
def test_unlimited_capacity_first_allowed_session(without_mt_share: float) -> None:
    scenario = _unlimited(without_mt_share)
    cal = scenario.calendar
    result = simulate(scenario, seed=21, record_requests=True)
    log = result.requests
    assert log["t"].size > 3000
    # Every request is seen by the GP (or after the horizon): nobody forgoes, nobody goes to
    # the ED, nobody waits past a full session.
    assert np.isin(log["outcome"], (Outcome.OWN_MT, Outcome.OTHER_GP, Outcome.PENDING)).all()
    # (Needs that arose when practices were closed and wait past the horizon for them to
    # open are pending without an appointment: left out below.)
    booked = log["appointment"] >= 0
    assert (~booked).sum() < 50
    assert (log["kind"][~booked] != Kind.PLANNED).all()
    log = {name: col[booked] for name, col in log.items()}
    assert (log["gp"] == 0).all()
    if without_mt_share == 0:
        assert np.isin(log["outcome"], (Outcome.OWN_MT, Outcome.PENDING)).all()
    else:
        assert (log["outcome"] == Outcome.OTHER_GP).any()
    # Session starts of the agenda, from the calendar hours (independent of the kernel).
    days = np.arange(cal.horizon_days + 800)
    starts = np.sort(
        np.concatenate([days + cal.morning_start_hour / 24, days + cal.afternoon_start_hour / 24])
    )
    t, kind, desired = log["t"], log["kind"], log["desired"]
    first_after = np.searchsorted(starts, t, side="right")  # starts[i] > t
    assert (starts[first_after] > t).all()
    morning_of_desired = 2 * desired.astype(np.int64)
    np.testing.assert_allclose(starts[morning_of_desired], desired + cal.morning_start_hour / 24)
    expected_session = np.where(
        kind == Kind.PLANNED, np.maximum(first_after, morning_of_desired), first_after
    )
    np.testing.assert_allclose(log["appointment"], starts[expected_session], rtol=0, atol=1e-9)
    # Some planned requests were booked ahead (desired day after the arrival day).
    ahead = (kind == Kind.PLANNED) & (desired > np.floor(t))
    assert ahead.sum() > 100
    m = result.metrics
    # Every need asked at its onset is seen within 24 h; a need that arose when practices were
    # closed (PDSA hours, here without out-of-hours care) is asked when they open, possibly
    # more than 24 h later (a weekend), and seen in the first session then.
    at_onset = (kind != Kind.PLANNED) & (t == log["t0"])
    assert (log["appointment"][at_onset] - t[at_onset] <= 1.0).all()
    assert 0.5 < m["unscheduled_within_24h_share"] <= m["unscheduled_within_48h_share"] <= 1.0
    assert m["forgone_care_share"] == 0.0
    assert m["ed_visits_per_1000"] == 0.0
    assert m["excess_wait_planned_mean_days"] < 1.0  # only a day's afternoon spill-over
    assert result.diagnostics["min_free"] >= 0
