"""Hypothesis strategies for scenarios: valid ones, and valid ones with one deliberate mistake.

These strategies are public so that anyone extending accesssim (a new policy, a new metric)
can property-test it against many small but varied territories::

    from hypothesis import given
    from accesssim.testing import valid_scenarios

    @given(valid_scenarios(max_population=2000, max_gps=4))
    def test_my_policy(scenario):
        ...

* :func:`valid_scenario_dicts` draws plain data (what a YAML file holds: dicts, lists,
  numbers, strings and ``datetime.date``), ready to be written as YAML;
* :func:`valid_scenarios` validates those dicts into frozen :class:`~accesssim.Scenario`
  objects;
* :func:`broken_scenario_dicts` draws ``(data, field_path)`` pairs: a valid dict with exactly
  one mistake, and the dotted path of the field the schema must blame for it. The kinds of
  mistake are listed in :data:`BROKEN_KINDS`;
* :func:`extreme_scenario_dicts` draws valid dicts whose numbers sit at the edges of what the
  schema accepts (its bounds, or huge values where it sets none, and extreme distributions):
  the simulation must run every one of them without an error (docs/reliability.md).

The drawn scenarios are small (a few thousand inhabitants, a handful of GPs, a horizon of a
few weeks or months) so that a simulation of one runs in well under a second. Zero GPs and
zero inhabitants are possible but rare. Most numbers are drawn with few decimals (``0.125``)
so that the files stay readable; shares that must sum to 1 are exact ratios (``1/3``).

This module needs ``hypothesis`` (the ``dev`` extra); the package itself does not import it.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from accesssim.model.policies import POLICIES
from accesssim.scenario.schema import (
    DATED_POLICY_BLOCKS,
    Calendar,
    Commune,
    Demand,
    GPPool,
    GPSpec,
    Policies,
    Population,
    Scenario,
    Territory,
)

__all__ = [
    "BROKEN_KINDS",
    "EXTREME_SIZE_FIELDS",
    "broken_scenario_dicts",
    "extreme_scenario_dicts",
    "valid_scenario_dicts",
    "valid_scenarios",
]

Data = dict[str, Any]

_AGE_KEYS = ("age_0_15", "age_16_59", "age_60_74", "age_75_plus")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PRACTICE_KINDS = ("solo", "group", "msp", "centre")

# Readable text: letters (some accented), spaces, hyphens and apostrophes, as in French
# commune names ("L'Haÿ-les-Roses"). YAML quoting of such text is part of what is tested.
_NAME_TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêàâçôîÿÉ -'",
    min_size=1,
    max_size=20,
)
_ID_TEXT = st.from_regex(r"\A[a-z][a-z0-9_-]{0,7}\Z")
_INSEE = st.from_regex(r"\A[0-9][0-9AB][0-9]{3}\Z")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _decimal(low: float, high: float, places: int = 3) -> st.SearchStrategy[float]:
    """Floats in [low, high] with at most ``places`` decimals."""
    scale = 10**places
    return st.integers(round(low * scale), round(high * scale)).map(lambda i: i / scale)


def _share(places: int = 3) -> st.SearchStrategy[float]:
    return _decimal(0.0, 1.0, places)


@st.composite
def _shares(draw: st.DrawFn, n: int) -> list[float]:
    """``n`` non-negative shares summing to 1 (up to rounding)."""
    weights = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    weights[draw(st.integers(0, n - 1))] += 1
    total = sum(weights)
    return [w / total for w in weights]


def _by_age(values: st.SearchStrategy[float]) -> st.SearchStrategy[Data]:
    return st.fixed_dictionaries(dict.fromkeys(_AGE_KEYS, values))


def _rare(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws.

    Hypothesis favours the bounds of a range (and shrinks towards the lower one), so the rare
    case is a value in the middle of the range: it stays rare while generating, and shrinking
    moves away from it unless the failure needs it.
    """
    return draw(st.integers(0, one_in - 1)) == one_in // 2


def _when(draw: st.DrawFn, start: dt.date, day: int) -> int | dt.date | str:
    """Day ``day`` written as a day number, a date, or an ISO date string."""
    form = draw(st.sampled_from(("day", "date", "iso")))
    if form == "day":
        return day
    date = start + dt.timedelta(days=day)
    return date if form == "date" else date.isoformat()


def _maybe_set(draw: st.DrawFn, target: Data, fields: dict[str, st.SearchStrategy[Any]]) -> None:
    """Set a random subset of ``fields`` (the rest keep their schema defaults)."""
    for key, strategy in fields.items():
        if draw(st.booleans()):
            target[key] = draw(strategy)


@st.composite
def _distribution(draw: st.DrawFn, low: float, high: float, places: int = 2) -> Any:
    """A distribution field with support inside [low, high] (low >= 0): number or mapping."""
    value = _decimal(low, high, places)
    kind = draw(st.sampled_from(("number", "fixed", "uniform", "triangular", "normal", "exp")))
    if kind == "number":
        return draw(value)
    if kind == "fixed":
        return {"kind": "fixed", "value": draw(value)}
    if kind == "uniform":
        a, b = sorted(draw(st.lists(value, min_size=2, max_size=2)))
        return {"kind": "uniform", "low": a, "high": b}
    if kind == "triangular":
        a, c, b = sorted(draw(st.lists(value, min_size=3, max_size=3)))
        return {"kind": "triangular", "low": a, "mode": c, "high": b}
    if kind == "normal":
        a, b = sorted(draw(st.lists(value, min_size=2, max_size=2)))
        out: Data = {"kind": "normal", "mu": draw(value), "sd": draw(_decimal(0, high - low, 2))}
        out["low"] = a  # an unclipped normal could go below 0: the schema wants a lower bound
        if draw(st.booleans()):
            out["high"] = b
        return out
    mean = draw(_decimal(max(low, 0.01), max(high, 0.01), places))
    return {"kind": "exponential", "mean": mean}


# ---------------------------------------------------------------------------------------------
# Sections of a valid scenario
# ---------------------------------------------------------------------------------------------


@st.composite
def _calendar(draw: st.DrawFn, max_horizon_days: int) -> Data:
    horizon = draw(st.integers(14, max_horizon_days))
    start = draw(st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)))
    cal: Data = {
        "start_date": start,
        "horizon_days": horizon,
        "warmup_days": draw(st.integers(0, horizon - 1)),
    }
    if draw(st.booleans()):
        sessions = {
            day: draw(st.sampled_from([[], ["am"], ["pm"], ["am", "pm"]])) for day in _WEEKDAYS
        }
        if not any(sessions.values()):
            sessions[draw(st.sampled_from(_WEEKDAYS))] = ["am"]
        cal["sessions"] = sessions
    if draw(st.booleans()):
        morning = draw(_decimal(6, 10, 1))
        cal["morning_start_hour"] = morning
        cal["afternoon_start_hour"] = draw(_decimal(morning + 1, 16, 1))
    if draw(st.booleans()):
        first = draw(_decimal(0, 12, 1))
        cal["request_start_hour"] = first
        cal["request_end_hour"] = draw(_decimal(first + 0.5, 24, 1))
    _maybe_set(
        draw,
        cal,
        {
            "public_holidays": st.sampled_from(("france", "none")),
            "closed_days": st.lists(
                st.integers(0, horizon - 1).map(lambda d: start + dt.timedelta(days=d)),
                max_size=3,
            ),
        },
    )
    return cal


@st.composite
def _territory_and_population(draw: st.DrawFn, max_population: int) -> tuple[Data, Data]:
    zero = _rare(draw, 20)
    territory: Data = {}
    population: Data = {}
    if draw(st.booleans()):
        territory["name"] = draw(_NAME_TEXT)
    if draw(st.booleans()):
        n = draw(st.integers(1, 4))
        codes = draw(st.lists(_INSEE, min_size=n, max_size=n, unique=True))
        lat0 = draw(_decimal(43.0, 49.5, 3))
        lon0 = draw(_decimal(-1.5, 7.0, 3))
        communes = []
        for code in codes:
            people = 0 if zero else draw(st.integers(0, max(max_population // n, 1)))
            communes.append(
                {
                    "insee": code,
                    "name": draw(_NAME_TEXT),
                    "population": people,
                    "lat": round(lat0 + draw(_decimal(-0.2, 0.2, 3)), 4),
                    "lon": round(lon0 + draw(_decimal(-0.2, 0.2, 3)), 4),
                }
            )
        if not zero and sum(c["population"] for c in communes) == 0:
            communes[0]["population"] = 1
        territory["communes"] = communes
        if draw(st.booleans()):
            population["size"] = sum(c["population"] for c in communes)
    else:
        population["size"] = 0 if zero else draw(st.integers(1, max_population))
    _maybe_set(
        draw,
        territory,
        {
            "distance_decay_km": _decimal(0.5, 50, 1),
            "candidate_gps": st.integers(1, 256),
        },
    )
    _maybe_set(
        draw,
        population,
        {
            "age_shares": _shares(4).map(lambda s: dict(zip(_AGE_KEYS, s, strict=True))),
            "female_share": _share(),
            "ald_share": _by_age(_share()),
            "without_mt_share": _share(),
            "without_mt_share_ald": _share(),
            "move_out_rate_per_year": _decimal(0, 0.3),
            "death_rate_per_year": _by_age(_decimal(0, 0.2, 4)),
        },
    )
    return territory, population


@st.composite
def _demand(draw: st.DrawFn) -> Data:
    demand: Data = {}

    @st.composite
    def weekday_profile(draw: st.DrawFn) -> Data:
        profile = {day: draw(_decimal(0, 2, 2)) for day in _WEEKDAYS}
        profile[draw(st.sampled_from(_WEEKDAYS))] += 0.5
        return profile

    epidemic = st.none() | st.fixed_dictionaries(
        {},
        optional={
            "attack_share": _share(),
            "duration_weeks": _decimal(0.5, 20, 1),
            "peak_day_of_year": st.integers(1, 366),
        },
    )
    _maybe_set(
        draw,
        demand,
        {
            "contacts_per_year": st.fixed_dictionaries(
                {},
                optional={
                    "non_ald": _by_age(_decimal(0, 12, 2)),
                    "ald": _by_age(_decimal(0, 15, 2)),
                },
            ),
            "unscheduled_share": _share(),
            "unscheduled_24h_share": _share(),
            "weekday_profile": weekday_profile(),
            "seasonal_amplitude": _decimal(0, 0.9),
            "epidemic": epidemic,
            "planned_asap_share": _share(),
            "planned_lead_days": _distribution(0, 60),
            "planned_patience_days": _distribution(0, 90),
            "home_visit_share_75_plus": _share(),
            "ed_share_unmet_24h": _share(),
            "ed_share_unmet_48h": _share(),
            "sore_throat_share": _decimal(0, 0.5),
            "cystitis_share": _decimal(0, 0.5),
            "enrol_share": _share(),
            "unscheduled_tries_other_gps": st.booleans(),
        },
    )
    return demand


@st.composite
def _gps(
    draw: st.DrawFn, max_gps: int, population: int, horizon: int, start: dt.date, codes: list[str]
) -> Data:
    gps: Data = {}
    mode = draw(st.sampled_from(("count", "roster", "both", "density")))
    if max_gps == 0 or _rare(draw, 10):
        mode = "zero"
    if mode == "zero":
        gps["count"] = 0
    elif mode == "count":
        gps["count"] = draw(st.integers(1, max_gps))
    elif mode == "density":
        target = draw(st.integers(1, max_gps))
        gps["density_per_100k"] = (
            target * 1e5 / population if population else draw(_decimal(0, 200, 1))
        )
    if mode in ("roster", "both"):
        n = draw(st.integers(1, max_gps))
        if mode == "both" and n < max_gps:
            gps["count"] = draw(st.integers(0, max_gps - n))
        ids = draw(st.lists(_ID_TEXT, min_size=n, max_size=n, unique=True))
        k = draw(st.integers(0, min(3, n)))
        practice_ids = draw(st.lists(_ID_TEXT, min_size=k, max_size=k, unique=True))
        practices = []
        for pid in practice_ids:
            practice: Data = {"id": pid}
            _maybe_set(
                draw,
                practice,
                {
                    "kind": st.sampled_from(_PRACTICE_KINDS),
                    "name": _NAME_TEXT,
                    **({"commune": st.sampled_from(codes)} if codes else {}),
                },
            )
            practices.append(practice)
        roster = []
        for gid in ids:
            gp: Data = {"id": gid}
            _maybe_set(
                draw,
                gp,
                {
                    "practice": st.sampled_from(practice_ids) if practice_ids else st.none(),
                    "fte": _decimal(0.1, 1.5, 2),
                    "list_capacity": st.integers(0, 2500),
                    "accepts_new_patients": st.booleans(),
                    "age": st.integers(25, 80),
                    **({"commune": st.sampled_from(codes)} if codes else {}),
                },
            )
            first = 0
            if draw(st.booleans()):
                first = draw(st.integers(0, horizon - 1))
                gp["start"] = _when(draw, start, first)
            if first < horizon - 1 and draw(st.booleans()):
                gp["leave"] = _when(draw, start, draw(st.integers(first + 1, horizon - 1)))
            roster.append(gp)
        gps["roster"] = roster
        if practices or draw(st.booleans()):
            gps["practices"] = practices
    _maybe_set(
        draw,
        gps,
        {
            "fte": _distribution(0.1, 1.5),
            "sessions_per_week": _decimal(1, 14, 1),
            "slots_per_session": _decimal(4, 20, 1),
            "initial_booked_share": _share(),
            "initial_booked_weeks": _decimal(0, 8, 1),
            "weeks_of_leave": _decimal(0, 10, 1),
            "list_capacity_per_fte": _distribution(400, 2500, 0),
            "accepts_new_patients_share": _share(),
            "open_list_initial_fill": _share(),
            "aged_60_plus_share": _share(),
            "departure_rate_60_plus": _decimal(0, 0.3),
            "departure_rate_under_60": _decimal(0, 0.1),
            "replacement_share": _share(),
            "replacement_delay_days": _decimal(0, 180, 0),
            "newcomer_list_capacity": st.integers(0, 2500),
            "practice_mix": st.tuples(_shares(4), st.integers(2, 8), st.integers(2, 8)).map(
                lambda t: {
                    **dict(zip(_PRACTICE_KINDS, t[0], strict=True)),
                    "group_size": t[1],
                    "msp_size": t[2],
                }
            ),
        },
    )
    return gps


@st.composite
def _policies(
    draw: st.DrawFn,
    horizon: int,
    start: dt.date,
    codes: list[str],
    gps: Data,
    max_arriving: int,
) -> Data:
    policies: Data = {}
    practice_ids = [p["id"] for p in gps.get("practices", [])]
    roster_ids = [g["id"] for g in gps.get("roster", [])]

    def day() -> int:
        return draw(st.integers(0, horizon - 1))

    def block(fields: dict[str, st.SearchStrategy[Any]]) -> Data:
        out: Data = {}
        if draw(st.booleans()):
            out["start"] = _when(draw, start, day())
        _maybe_set(draw, out, fields)
        return out

    def on() -> bool:
        return draw(st.integers(0, 2)) == 0

    if on():
        policies["unscheduled_slots"] = block(
            {
                "reserved_share": _decimal(0, 0.9),
                "release_time_hours": _decimal(0, 23.9, 1),
                "release_day": st.sampled_from(("previous", "same")),
                "unused": st.sampled_from(("return", "lose")),
                "shared_rota": st.booleans(),
                "rota_participation_share": _share(),
                "rota_cost_per_year_eur": _decimal(0, 500_000, 0),
            }
        )
    if on():
        policies["teleconsultation"] = block(
            {
                "gp_daily_capacity": _decimal(0, 50, 1),
                "platform_daily_capacity": _decimal(0, 50, 1),
                "minutes_per_act": _decimal(5, 30, 1),
                "consultation_minutes": _decimal(10, 40, 1),
                "eligible": st.fixed_dictionaries(
                    {},
                    optional={
                        "planned": _by_age(_share()),
                        "unscheduled_24h": _by_age(_share()),
                        "unscheduled_48h": _by_age(_share()),
                    },
                ),
                "open_days": st.sampled_from(("weekdays", "all")),
                "cost_per_act_eur": _decimal(0, 60, 2),
                "platform_fixed_cost_per_year_eur": _decimal(0, 100_000, 0),
            }
        )
    if on():
        assistants = block(
            {
                "fte_per_gp": _decimal(0.1, 2, 2),
                "acts_gain": _share(),
                "list_gain": _decimal(0, 2),
                "phase_in_years": _decimal(0, 6, 1),
                "cnam_aid_per_fte_eur": st.lists(_decimal(0, 40_000, 0), min_size=1, max_size=4),
                "employer_cost_per_fte_year_eur": _decimal(0, 60_000, 0),
            }
        )
        how = draw(st.sampled_from(("count", "all", "both")))
        if how in ("count", "both"):
            assistants["count_fte"] = draw(_decimal(0, 5, 1))
        if how in ("all", "both"):
            assistants["all_gps"] = True
        policies["medical_assistants"] = assistants
    if on():
        policies["nurses"] = block(
            {
                "fte": _decimal(0, 5, 1),
                "kind": st.sampled_from(("asalee", "ipa")),
                "gps_per_fte": _decimal(0.5, 10, 1),
                "ald_followup_share": _share(),
                "acts_per_fte_day": _decimal(1, 20, 1),
                "list_capacity_gain": _share(),
                "cost_per_fte_year_eur": _decimal(0, 90_000, 0),
            }
        )
    if on():
        pharmacists = block(
            {
                "handled_share": _share(),
                "sore_throat_min_age": st.integers(0, 99),
                "cost_per_act_eur": _decimal(0, 30, 2),
            }
        )
        if draw(st.booleans()):
            ages = sorted(draw(st.lists(st.integers(0, 99), min_size=2, max_size=2)))
            pharmacists["cystitis_min_age"], pharmacists["cystitis_max_age"] = ages
        policies["pharmacists"] = pharmacists
    if on():
        policies["mt_access"] = block(
            {
                "monthly_capacity": st.integers(0, 500),
                "ald_priority": st.booleans(),
                "include_closed_lists": st.booleans(),
                "cost_per_year_eur": _decimal(0, 200_000, 0),
                "cost_per_match_eur": _decimal(0, 200, 2),
            }
        )
    budget = max_arriving
    if budget > 0 and on():
        installations = []
        for _ in range(draw(st.integers(1, min(2, budget)))):
            inst: Data = {"date": _when(draw, start, day())}
            _maybe_set(
                draw,
                inst,
                {
                    "count": st.integers(1, min(2, budget)),
                    "practice_kind": st.sampled_from(_PRACTICE_KINDS),
                    "fte": _decimal(0.1, 1.5, 2),
                    "list_capacity": st.integers(0, 2500),
                    "accepts_new_patients": st.booleans(),
                    "incentive_cost_eur": _decimal(0, 50_000, 0),
                    "cost_per_year_eur": _decimal(0, 50_000, 0),
                    **({"commune": st.sampled_from(codes)} if codes else {}),
                    **({"practice": st.sampled_from(practice_ids)} if practice_ids else {}),
                },
            )
            budget -= inst.get("count", 1)
            installations.append(inst)
            if budget <= 0:
                break
        policies["installations"] = installations
    if on():
        retirements = []
        for _ in range(draw(st.integers(1, 2))):
            ret: Data = {"date": _when(draw, start, day())}
            if roster_ids and draw(st.booleans()):
                ret["gp_ids"] = draw(st.lists(st.sampled_from(roster_ids), min_size=1, max_size=2))
                _maybe_set(draw, ret, {"count": st.integers(0, 2)})
            else:
                ret["count"] = draw(st.integers(1, 2))
            retirements.append(ret)
        policies["retirements"] = retirements
    # A policy without a strategy of its own above is drawn as its module's example, with a
    # random start: every policy of the model reaches the property tests.
    for policy in POLICIES:
        if policy.key in _DRAWN_ABOVE or not on():
            continue
        if policy.entry:
            entries = [dict(e) for e in policy.example]
            for e in entries:
                e.setdefault("date", _when(draw, start, day()))
            policies[policy.key] = entries
        else:
            policies[policy.key] = {**policy.example, "start": _when(draw, start, day())}
    return policies


_DRAWN_ABOVE = frozenset(
    (
        "unscheduled_slots",
        "teleconsultation",
        "medical_assistants",
        "nurses",
        "pharmacists",
        "mt_access",
        "installations",
        "retirements",
    )
)


# ---------------------------------------------------------------------------------------------
# Public strategies: valid scenarios
# ---------------------------------------------------------------------------------------------


def _gp_count(gps: Data, population: int) -> int:
    """GPs listed or generated by a drawn ``gps`` section (``Scenario.gp_count`` without
    installations)."""
    roster = len(gps.get("roster", []))
    if "count" in gps:
        return roster + gps["count"]
    if roster:
        return roster
    return round(population * gps.get("density_per_100k", 78.0) / 1e5)


@st.composite
def _scenario_dict(
    draw: st.DrawFn, max_population: int, max_gps: int, max_horizon_days: int, policies: bool
) -> Data:
    calendar = draw(_calendar(max_horizon_days))
    territory, population = draw(_territory_and_population(max_population))
    codes = [c["insee"] for c in territory.get("communes", [])]
    people = population.get("size", sum(c["population"] for c in territory.get("communes", [])))
    horizon, start = calendar["horizon_days"], calendar["start_date"]
    gps = draw(_gps(max_gps, people, horizon, start, codes))
    data: Data = {"name": draw(_NAME_TEXT)}
    _maybe_set(
        draw,
        data,
        {
            "description": _NAME_TEXT,
            "sources": st.lists(_NAME_TEXT, max_size=2),
        },
    )
    data.update(calendar=calendar, population=population)
    if territory or draw(st.booleans()):
        data["territory"] = territory
    demand = draw(_demand())
    if demand or draw(st.booleans()):
        data["demand"] = demand
    data["gps"] = gps
    if policies:
        present = _gp_count(gps, people)
        mix = draw(_policies(horizon, start, codes, gps, max_gps - present))
        if mix or draw(st.booleans()):
            data["policies"] = mix
    return data


def _check_sizes(max_population: int, max_gps: int, max_horizon_days: int) -> None:
    if max_population < 0 or max_gps < 0:
        raise ValueError("max_population and max_gps must be >= 0")
    if not 14 <= max_horizon_days <= 3650:
        raise ValueError("max_horizon_days must be in 14..3650")


def valid_scenario_dicts(
    max_population: int = 5000,
    max_gps: int = 6,
    max_horizon_days: int = 120,
    policies: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Plain data of small, varied, valid scenarios (what a YAML scenario file holds).

    Parameters
    ----------
    max_population
        Upper bound on inhabitants (people): ``population.size`` or the sum of 1-4 communes,
        whose town halls then lie within about 50 km of each other.
    max_gps
        Upper bound on GPs (``Scenario.gp_count``: roster, generated and arriving through
        ``policies.installations``).
    max_horizon_days
        Upper bound on ``calendar.horizon_days`` (days); the horizon is at least 14 days and
        the warm-up is shorter than the horizon.
    policies
        Whether to draw policy blocks (each present about one time in three, with random
        fields and dates inside the horizon).

    Returns
    -------
    hypothesis.strategies.SearchStrategy[dict]
        Dicts that ``Scenario.model_validate`` accepts. Dates are ``datetime.date`` objects,
        day numbers or ISO date strings; every other value is a YAML scalar, list or mapping.
    """
    _check_sizes(max_population, max_gps, max_horizon_days)
    return _scenario_dict(max_population, max_gps, max_horizon_days, policies)


def valid_scenarios(
    max_population: int = 5000,
    max_gps: int = 6,
    max_horizon_days: int = 120,
    policies: bool = True,
) -> st.SearchStrategy[Scenario]:
    """Small, varied, valid :class:`~accesssim.Scenario` objects.

    The dicts of :func:`valid_scenario_dicts` (same parameters), validated.
    """
    return valid_scenario_dicts(max_population, max_gps, max_horizon_days, policies).map(
        Scenario.model_validate
    )


# ---------------------------------------------------------------------------------------------
# Public strategies: scenarios with one mistake
# ---------------------------------------------------------------------------------------------

Mistake = Callable[[st.DrawFn, Data], str]
_MISTAKES: dict[str, Mistake] = {}


def _mistake(name: str) -> Callable[[Mistake], Mistake]:
    def register(func: Mistake) -> Mistake:
        _MISTAKES[name] = func
        return func

    return register


def _section(data: Data, *keys: str) -> Data:
    """The mapping at ``keys`` (created empty where absent or null)."""
    target = data
    for key in keys:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    return target


def _list(data: Data, *keys: str) -> list[Any]:
    parent = _section(data, *keys[:-1])
    if not isinstance(parent.get(keys[-1]), list):
        parent[keys[-1]] = []
    return parent[keys[-1]]


def _fresh_id(draw: st.DrawFn, taken: Sequence[str]) -> str:
    return draw(_ID_TEXT.filter(lambda s: s not in taken))


def _horizon(data: Data) -> tuple[int, dt.date]:
    cal = data["calendar"]
    return cal["horizon_days"], cal["start_date"]


@_mistake("negative_population")
def _negative_population(draw: st.DrawFn, data: Data) -> str:
    _section(data, "population")["size"] = -draw(st.integers(1, 10_000))
    return "population.size"


@_mistake("age_shares_sum")
def _age_shares_sum(draw: st.DrawFn, data: Data) -> str:
    shares = dict(zip(_AGE_KEYS, draw(_shares(4)), strict=True))
    key = draw(st.sampled_from(_AGE_KEYS))
    if draw(st.booleans()) or shares[key] < 0.02:
        shares[key] += draw(_decimal(0.01, 0.5))
    else:
        shares[key] -= draw(_decimal(0.01, math.floor(shares[key] * 100) / 100, 2))
    _section(data, "population")["age_shares"] = shares
    return "population.age_shares"


_UNKNOWN_FIELD_PLACES: tuple[tuple[tuple[str, ...], type[BaseModel]], ...] = (
    ((), Scenario),
    (("calendar",), Calendar),
    (("territory",), Territory),
    (("population",), Population),
    (("demand",), Demand),
    (("gps",), GPPool),
    (("policies",), Policies),
)


@_mistake("unknown_field")
def _unknown_field(draw: st.DrawFn, data: Data) -> str:
    places: list[tuple[tuple[str | int, ...], Data, type[BaseModel]]] = [
        (keys, _section(data, *keys) if keys else data, model)
        for keys, model in _UNKNOWN_FIELD_PLACES
    ]
    for i, gp in enumerate(data["gps"].get("roster", [])):
        places.append((("gps", "roster", i), gp, GPSpec))
    for i, commune in enumerate(data.get("territory", {}).get("communes", [])):
        places.append((("territory", "communes", i), commune, Commune))
    loc, target, model = draw(st.sampled_from(places))
    allowed = {*model.model_fields, "extends", "kind"}
    name = draw(st.from_regex(r"\A[a-z]{2,8}_[a-z]{2,8}\Z").filter(lambda s: s not in allowed))
    target[name] = draw(st.integers(0, 9) | _NAME_TEXT)
    return ".".join(str(p) for p in (*loc, name))


_WRONG_TYPES: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("calendar", "horizon_days"), "thirty"),
    (("calendar", "horizon_days"), 30.5),
    (("calendar", "start_date"), "the first of March"),
    (("population", "female_share"), "half"),
    (("gps", "count"), 2.5),
    (("gps", "count"), [2]),
    (("demand", "epidemic"), 7),
    (("demand", "unscheduled_tries_other_gps"), "maybe"),
    (("territory", "communes"), "Lyon"),
    (("policies", "nurses"), [1, 2]),
    (("name",), ["a", "list"]),
)


@_mistake("wrong_type")
def _wrong_type(draw: st.DrawFn, data: Data) -> str:
    keys, value = draw(st.sampled_from(_WRONG_TYPES))
    _section(data, *keys[:-1])[keys[-1]] = value
    return ".".join(keys)


@_mistake("share_above_one")
def _share_above_one(draw: st.DrawFn, data: Data) -> str:
    value = 1 + draw(_decimal(0.001, 2))
    where = draw(
        st.sampled_from(
            (
                ("population", "female_share"),
                ("population", "without_mt_share"),
                ("demand", "unscheduled_share"),
                ("gps", "accepts_new_patients_share"),
                ("population", "ald_share"),
            )
        )
    )
    if where[-1] == "ald_share":
        band = draw(st.sampled_from(_AGE_KEYS))
        shares = draw(_by_age(_share()))
        shares[band] = value
        _section(data, *where[:-1])[where[-1]] = shares
        return ".".join((*where, band))
    _section(data, *where[:-1])[where[-1]] = value
    return ".".join(where)


@_mistake("warmup_not_shorter")
def _warmup_not_shorter(draw: st.DrawFn, data: Data) -> str:
    horizon, _ = _horizon(data)
    data["calendar"]["warmup_days"] = horizon + draw(st.integers(0, 30))
    return "calendar.warmup_days"


@_mistake("date_outside_horizon")
def _date_outside_horizon(draw: st.DrawFn, data: Data) -> str:
    horizon, start = _horizon(data)
    if draw(st.booleans()):
        day = horizon + draw(st.integers(0, 400))
        when: Any = _when(draw, start, day)
    else:
        when = _when(draw, start, -draw(st.integers(1, 400)))
        if isinstance(when, int):
            when = (start + dt.timedelta(days=when)).isoformat()
    kind = draw(st.sampled_from(("block", "installation", "retirement")))
    if kind == "block":
        name = draw(st.sampled_from(DATED_POLICY_BLOCKS))
        block = _section(data, "policies", name)
        if name == "medical_assistants" and "count_fte" not in block and not block.get("all_gps"):
            block["count_fte"] = 1.0
        block["start"] = when
        return f"policies.{name}.start"
    if kind == "installation":
        items = _list(data, "policies", "installations")
        items.append({"date": when})
        return f"policies.installations.{len(items) - 1}.date"
    items = _list(data, "policies", "retirements")
    items.append({"date": when, "count": 1})
    return f"policies.retirements.{len(items) - 1}.date"


@_mistake("unknown_practice")
def _unknown_practice(draw: st.DrawFn, data: Data) -> str:
    gps = data["gps"]
    known = [p["id"] for p in gps.get("practices", [])]
    roster = _list(data, "gps", "roster")
    bad = _fresh_id(draw, known)
    if roster and draw(st.booleans()):
        i = draw(st.integers(0, len(roster) - 1))
        roster[i]["practice"] = bad
    else:
        roster.append({"id": _fresh_id(draw, [g["id"] for g in roster]), "practice": bad})
        i = len(roster) - 1
    return f"gps.roster.{i}.practice"


@_mistake("installation_unknown_practice")
def _installation_unknown_practice(draw: st.DrawFn, data: Data) -> str:
    known = [p["id"] for p in data["gps"].get("practices", [])]
    items = _list(data, "policies", "installations")
    items.append({"date": 0, "practice": _fresh_id(draw, known)})
    return f"policies.installations.{len(items) - 1}.practice"


@_mistake("duplicate_insee")
def _duplicate_insee(draw: st.DrawFn, data: Data) -> str:
    communes = _list(data, "territory", "communes")
    if not communes:
        communes.append({"insee": draw(_INSEE), "name": draw(_NAME_TEXT), "population": 10})
        data["population"].pop("size", None)
    copy_of = draw(st.sampled_from(communes))
    communes.append({**copy_of, "name": draw(_NAME_TEXT)})
    return f"territory.communes.{len(communes) - 1}.insee"


@_mistake("bad_insee")
def _bad_insee(draw: st.DrawFn, data: Data) -> str:
    communes = _list(data, "territory", "communes")
    code = draw(st.sampled_from(("6938", "693881", "A9381", "69 38", "2C004", "")))
    if communes:
        i = draw(st.integers(0, len(communes) - 1))
        communes[i]["insee"] = code
    else:
        communes.append({"insee": code, "name": "Bad", "population": 1})
        data["population"].pop("size", None)
        i = 0
    return f"territory.communes.{i}.insee"


@_mistake("duplicate_gp_id")
def _duplicate_gp_id(draw: st.DrawFn, data: Data) -> str:
    roster = _list(data, "gps", "roster")
    if not roster:
        roster.append({"id": draw(_ID_TEXT)})
    twin = copy.deepcopy(draw(st.sampled_from(roster)))
    roster.append(twin)
    return f"gps.roster.{len(roster) - 1}.id"


@_mistake("leave_before_start")
def _leave_before_start(draw: st.DrawFn, data: Data) -> str:
    horizon, start = _horizon(data)
    roster = _list(data, "gps", "roster")
    first = draw(st.integers(0, horizon - 1))
    gp = {
        "id": _fresh_id(draw, [g["id"] for g in roster]),
        "start": _when(draw, start, first),
        "leave": _when(draw, start, draw(st.integers(0, first))),
    }
    roster.append(gp)
    return f"gps.roster.{len(roster) - 1}.leave"


@_mistake("unknown_retiring_gp")
def _unknown_retiring_gp(draw: st.DrawFn, data: Data) -> str:
    known = [g["id"] for g in data["gps"].get("roster", [])]
    items = _list(data, "policies", "retirements")
    items.append({"date": 0, "gp_ids": [_fresh_id(draw, known)]})
    return f"policies.retirements.{len(items) - 1}.gp_ids.0"


@_mistake("empty_retirement")
def _empty_retirement(draw: st.DrawFn, data: Data) -> str:
    items = _list(data, "policies", "retirements")
    items.append({"date": 0, **draw(st.sampled_from(({}, {"count": 0}, {"gp_ids": []})))})
    return f"policies.retirements.{len(items) - 1}"


@_mistake("assistants_without_count")
def _assistants_without_count(draw: st.DrawFn, data: Data) -> str:
    block = _section(data, "policies", "medical_assistants")
    block.pop("count_fte", None)
    if draw(st.booleans()):
        block["all_gps"] = False
    else:
        block.pop("all_gps", None)
    return "policies.medical_assistants.count_fte"


@_mistake("size_differs_from_communes")
def _size_differs_from_communes(draw: st.DrawFn, data: Data) -> str:
    communes = _list(data, "territory", "communes")
    if not communes:
        communes.append({"insee": draw(_INSEE), "name": draw(_NAME_TEXT), "population": 100})
    total = sum(c["population"] for c in communes)
    data["population"]["size"] = total + draw(st.integers(1, 1000))
    return "population.size"


@_mistake("practice_mix_sum")
def _practice_mix_sum(draw: st.DrawFn, data: Data) -> str:
    shares = draw(
        st.lists(_decimal(0, 0.6, 2), min_size=4, max_size=4).filter(
            lambda s: abs(sum(s) - 1) > 0.005
        )
    )
    _section(data, "gps")["practice_mix"] = dict(zip(_PRACTICE_KINDS, shares, strict=True))
    return "gps.practice_mix"


@_mistake("bad_distribution")
def _bad_distribution(draw: st.DrawFn, data: Data) -> str:
    field = draw(
        st.sampled_from(
            (
                ("demand", "planned_lead_days"),
                ("demand", "planned_patience_days"),
                ("gps", "fte"),
            )
        )
    )
    bad = draw(
        st.sampled_from(
            (
                {"kind": "triangular", "low": 5, "mode": 1, "high": 9},
                {"kind": "uniform", "low": 3, "high": 1},
                {"kind": "normal", "mu": 1, "sd": -1, "low": 0},
                {"kind": "exponential", "mean": 0},
                {"kind": "gamma", "shape": 2},
                {"kind": "uniform", "low": -1, "high": 1},
                -2,
            )
        )
    )
    _section(data, field[0])[field[1]] = copy.deepcopy(bad)
    return ".".join(field)


@_mistake("no_open_session")
def _no_open_session(draw: st.DrawFn, data: Data) -> str:
    data["calendar"]["sessions"] = {day: [] for day in _WEEKDAYS}
    return "calendar.sessions"


@_mistake("horizon_out_of_range")
def _horizon_out_of_range(draw: st.DrawFn, data: Data) -> str:
    data["calendar"]["horizon_days"] = draw(st.sampled_from((0, -7, 3651, 10_000)))
    return "calendar.horizon_days"


@_mistake("pharmacist_ages")
def _pharmacist_ages(draw: st.DrawFn, data: Data) -> str:
    low = draw(st.integers(1, 99))
    block = _section(data, "policies", "pharmacists")
    block["cystitis_min_age"] = low
    block["cystitis_max_age"] = draw(st.integers(0, low - 1))
    return "policies.pharmacists"


@_mistake("empty_name")
def _empty_name(draw: st.DrawFn, data: Data) -> str:
    data["name"] = ""
    return "name"


BROKEN_KINDS: tuple[str, ...] = tuple(_MISTAKES)
"""Names of the kinds of mistake :func:`broken_scenario_dicts` makes."""


@st.composite
def _broken(draw: st.DrawFn, kinds: tuple[str, ...]) -> tuple[Data, str]:
    kind = draw(st.sampled_from(kinds))
    data = copy.deepcopy(
        draw(valid_scenario_dicts(max_population=3000, max_gps=4, policies=draw(st.booleans())))
    )
    path = _MISTAKES[kind](draw, data)
    return data, path


def broken_scenario_dicts(
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """Valid scenario dicts with exactly one deliberate mistake, and the field to blame.

    Parameters
    ----------
    kinds
        Restrict to these kinds of mistake (names from :data:`BROKEN_KINDS`); default all:
        a negative population, age shares not summing to 1, an unknown field, a value of the
        wrong type, a share above 1, a warm-up not shorter than the horizon, a policy date
        outside the horizon, an unknown practice (roster or installation), duplicate or
        malformed INSEE codes, a duplicate GP id, a GP leaving before it starts, an unknown
        retiring GP, an empty retirement, medical assistants without a count, a population
        size that differs from its communes, practice shares not summing to 1, a malformed
        distribution, no open session, a horizon out of range, inverted pharmacist ages, an
        empty name.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[tuple[dict, str]]
        ``(data, path)``: the schema refuses ``data`` and at least one of its errors has a
        dotted field path equal to ``path`` or below it (``path.something``).
    """
    chosen = tuple(kinds) if kinds is not None else BROKEN_KINDS
    unknown = [k for k in chosen if k not in _MISTAKES]
    if unknown or not chosen:
        raise ValueError(f"unknown kinds of mistake {unknown}; known: {', '.join(BROKEN_KINDS)}")
    return _broken(chosen)


# ---------------------------------------------------------------------------------------------
# Public strategies: valid scenarios at the edges of the schema
# ---------------------------------------------------------------------------------------------

#: Fields that set the size of a run (people, GPs, days): :func:`extreme_scenario_dicts` leaves
#: them as :func:`valid_scenario_dicts` drew them (small), so that a run stays short; their own
#: upper limits are checked by the schema (docs/reliability.md).
EXTREME_SIZE_FIELDS: frozenset[str] = frozenset(
    {
        "population.size",
        "territory.communes.*.population",
        "gps.count",
        "gps.density_per_100k",
        "policies.installations.*.count",
        "calendar.horizon_days",
        "calendar.warmup_days",
        "territory.candidate_gps",
    }
)

# Values tried where the schema sets no upper bound: large, huge, and the largest finite.
_HUGE_FLOATS = (1e6, 1e9, 1e12, 1e18, 1e100, 1e300, 1.7976931348623157e308)
_HUGE_INTS = (10**6, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**64, 10**40)
_TINY_FLOATS = (5e-324, 1e-300, 1e-9)


def _bounds(info: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for meta in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(meta, name, None)
            if value is not None:
                out[name] = value
    return out


def _numeric_kind(annotation: Any) -> str | None:
    """'int', 'float', 'dist' (a Distribution) or None, for a field's annotation."""
    import typing

    from accesssim.scenario.distributions import Fixed

    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    for a in args:
        inner = typing.get_args(a)
        if Fixed in inner or a is Fixed:
            return "dist"
    for a in args:
        if typing.get_origin(a) is typing.Annotated:
            a = typing.get_args(a)[0]
        if a is bool:
            return None
        if a is int:
            return "int"
        if a is float:
            return "float"
    return None


def _numeric_leaves(model: type[BaseModel], data: Data, prefix: tuple[Any, ...]) -> list[Any]:
    """(path, kind, bounds) of every numeric field of ``data``'s blocks (present or not)."""
    import typing

    out: list[Any] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        path = (*prefix, key)
        kind = _numeric_kind(info.annotation)
        if kind is not None:
            out.append((path, kind, _bounds(info)))
            continue
        sub = data.get(key) if isinstance(data, dict) else None
        args = [a for a in typing.get_args(info.annotation) if a is not type(None)]
        args = args or [info.annotation]
        for a in args:
            if isinstance(a, type) and issubclass(a, BaseModel):
                if isinstance(sub, dict):
                    out.extend(_numeric_leaves(a, sub, path))
            elif typing.get_origin(a) is list and isinstance(sub, list):
                (item,) = typing.get_args(a)
                if isinstance(item, type) and issubclass(item, BaseModel):
                    for i, element in enumerate(sub):
                        if isinstance(element, dict):
                            out.extend(_numeric_leaves(item, element, (*path, i)))
    return out


def _pattern(path: tuple[Any, ...]) -> str:
    return ".".join("*" if isinstance(p, int) else str(p) for p in path)


@st.composite
def _extreme_number(draw: st.DrawFn, kind: str, bounds: dict[str, float]) -> Any:
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    choices: list[Any] = []
    if kind == "int":
        if "ge" in bounds:
            choices.append(int(bounds["ge"]))
        if "gt" in bounds:
            choices.append(int(bounds["gt"]) + 1)
        if "le" in bounds:
            choices.append(int(bounds["le"]))
        if "lt" in bounds:
            choices.append(int(bounds["lt"]) - 1)
        if high is None:
            choices.extend(_HUGE_INTS)
        return draw(st.sampled_from(choices or [0]))
    if "ge" in bounds:
        choices.append(float(bounds["ge"]))
    if "gt" in bounds:
        choices.extend(float(bounds["gt"]) + t for t in _TINY_FLOATS)
    if "le" in bounds:
        choices.append(float(bounds["le"]))
    if "lt" in bounds:
        choices.append(math.nextafter(float(bounds["lt"]), -math.inf))
    if high is None:
        choices.extend(_HUGE_FLOATS)
    if low is None:
        choices.extend(-h for h in _HUGE_FLOATS)
    return draw(st.sampled_from(choices or [0.0]))


@st.composite
def _extreme_distribution(draw: st.DrawFn) -> Any:
    huge = st.sampled_from(_HUGE_FLOATS)
    tiny = st.sampled_from((0.0, *_TINY_FLOATS))
    kind = draw(st.sampled_from(("fixed", "uniform", "triangular", "normal", "exponential")))
    if kind == "fixed":
        return draw(st.one_of(huge, tiny))
    if kind == "uniform":
        return {"kind": "uniform", "low": draw(tiny), "high": draw(huge)}
    if kind == "triangular":
        a, c, b = sorted((draw(tiny), draw(st.one_of(tiny, huge)), draw(huge)))
        return {"kind": "triangular", "low": a, "mode": c, "high": b}
    if kind == "normal":
        out: Data = {"kind": "normal", "mu": draw(st.one_of(huge, tiny)), "sd": draw(huge)}
        out["low"] = draw(tiny)
        if draw(st.booleans()):
            out["high"] = draw(huge)
        return out
    return {"kind": "exponential", "mean": draw(st.one_of(huge, st.sampled_from(_TINY_FLOATS)))}


def _set_path(data: Data, path: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for key in path[:-1]:
        if isinstance(key, int):
            target = target[key]
        else:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
    target[path[-1]] = value


@st.composite
def _extreme(draw: st.DrawFn, base: st.SearchStrategy[Data], changes: int) -> Data:
    data = copy.deepcopy(draw(base))
    leaves = [
        leaf
        for leaf in _numeric_leaves(Scenario, data, ())
        if _pattern(leaf[0]) not in EXTREME_SIZE_FIELDS
    ]
    for _ in range(draw(st.integers(1, changes))):
        path, kind, bounds = draw(st.sampled_from(leaves))
        value = draw(_extreme_distribution() if kind == "dist" else _extreme_number(kind, bounds))
        trial = copy.deepcopy(data)
        _set_path(trial, path, value)
        try:  # keep the change only when the schema accepts it (a cross-field rule may not)
            Scenario.model_validate(trial)
        except ValueError:
            continue
        data = trial
    return data


def extreme_scenario_dicts(
    max_population: int = 2000,
    max_gps: int = 4,
    max_horizon_days: int = 60,
    changes: int = 4,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid scenario dicts with numbers at the edges of what the schema accepts.

    A scenario of :func:`valid_scenario_dicts` (same size parameters) gets 1 to ``changes``
    numeric fields set to an extreme: a bound of the field (``ge``, ``le``, just above a
    ``gt``, just below a ``lt``), a huge value where the schema sets no upper bound (up to the
    largest finite float, integers past 2**63), a tiny positive one, or an extreme
    distribution (huge spread or mean, zero or subnormal bounds). Changes that the schema
    refuses (a cross-field rule) are dropped, so every dict drawn is valid. Fields that set
    the size of a run (:data:`EXTREME_SIZE_FIELDS`) are left small.
    """
    _check_sizes(max_population, max_gps, max_horizon_days)
    base = valid_scenario_dicts(max_population, max_gps, max_horizon_days, policies=True)
    return _extreme(base, changes)
