"""Common random numbers by construction, keyed by entity (STYLE.md habits 3 and 4).

Two scenarios run with the same seed must face the same patients with the same needs, and one
more inhabitant or GP must change only what it touches (the gold standard is Starsim's
``tests/test_randomness.py``: one more agent changes exactly what that agent touches). Checked
with seeds drawn by hypothesis:

* one more inhabitant appends one person (and the people its own keyed draws bring: its
  arrivals, its children): every other person keeps their attributes (age, birthday, sex,
  ALD, commune, arrival and departure days) and every one of their requests (time, kind,
  desired day);
* one more GP (``gps.count`` n -> n + 1, a roster GP or an installation) leaves every other GP
  identical (working time, list capacity, practice, commune, flags, weekly pattern, leave) and
  the demand identical;
* switching a policy block on leaves the demand identical;
* a different replication index (or root seed) gives a different demand.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import simulate
from accesssim.model.calendar import build_calendar
from accesssim.model.params import compile_scenario
from accesssim.model.policies import POLICIES
from accesssim.model.population import build_population
from accesssim.model.supply import build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario, load_scenario
from accesssim.testing import valid_scenario_dicts

DEMAND = ("t0", "kind", "person", "desired")
"""Columns of a need's first request (a need arising out of hours keeps its onset ``t0`` when it
waits for practices to open; needs asked again and follow-ups come from the booking)."""
SEEDS = st.integers(0, 2**32 - 1)
DICTS = valid_scenario_dicts(max_population=3000, max_gps=5, max_horizon_days=90)

# Every policy that is a block (not a list of dated entries), switched on with its example.
POLICY_BLOCKS: dict[str, dict[str, Any]] = {p.key: p.example for p in POLICIES if not p.entry}


def _demand(scenario: Scenario, seed: int, replication: int = 0) -> dict[str, np.ndarray]:
    """The new requests of a run (first requests of needs, not follow-ups), by onset."""
    log = simulate(scenario, seed, replication, record_requests=True).requests
    assert log is not None
    new = (log["attempt"] == 0) & ((log["origin"] & 1) == 0)
    order = np.lexsort((log["person"][new], log["t0"][new]))
    return {name: log[name][new][order] for name in DEMAND}


def _assert_same_demand(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for name in DEMAND:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _with_one_more_gp(data: dict[str, Any]) -> dict[str, Any]:
    """The same scenario data with one more GP (generated or listed)."""
    out = copy.deepcopy(data)
    gps = out["gps"]
    if "count" in gps:
        gps["count"] += 1
    elif gps.get("roster"):
        taken = {g["id"] for g in gps["roster"]}
        gps["roster"].append(
            {"id": next(f"extra{i}" for i in range(99) if f"extra{i}" not in taken)}
        )
    else:  # GPs derived from the density: make the count explicit, plus one
        gps["count"] = Scenario.model_validate(data).generated_gp_count + 1
    return out


@settings(max_examples=25, deadline=None)
@given(data=DICTS, seed=SEEDS)
def test_one_more_gp_leaves_demand_identical(data: dict[str, Any], seed: int) -> None:
    base = Scenario.model_validate(data)
    more = Scenario.model_validate(_with_one_more_gp(data))
    assert more.gp_count == base.gp_count + 1
    _assert_same_demand(_demand(base, seed), _demand(more, seed))


def _with_one_more_inhabitant(data: dict[str, Any], where: int) -> dict[str, Any]:
    """The same scenario data with one more inhabitant (in commune ``where``, if any)."""
    out = copy.deepcopy(data)
    communes = out.get("territory", {}).get("communes") or []
    if communes:
        communes[where % len(communes)]["population"] += 1
        if out["population"].get("size") is not None:
            out["population"]["size"] += 1
    else:
        out["population"]["size"] += 1
    return out


def _people(scenario: Scenario, seed: int) -> dict[int, tuple[int, ...]]:
    """Every person's attributes and life events, by key; the last item is the key of the
    person whose draw brought them (0 for people there on day 0)."""
    pop = build_population(compile_scenario(scenario), Streams(seed, 0))
    lv = pop.lives
    origin = np.where(lv.origin >= 0, pop.key[np.maximum(lv.origin, 0)], 0)
    rows = zip(
        lv.age0, lv.bday, lv.ald_bands, pop.female, pop.commune, lv.entry, lv.exit,
        lv.exit_kind, origin, strict=True,
    )  # fmt: skip
    return {int(k): tuple(int(v) for v in row) for k, row in zip(pop.key, rows, strict=True)}


def _brought_by(people: dict[int, tuple[int, ...]], key: int) -> set[int]:
    """``key`` and everyone its draws brought (arrivals, children, their children)."""
    out = {key}
    changed = True
    while changed:
        more = {k for k, row in people.items() if row[-1] in out} - out
        out |= more
        changed = bool(more)
    return out


def _requests_by_person(scenario: Scenario, seed: int) -> dict[int, list[tuple]]:
    """Each person's requests (by person key): (time, kind, desired day)."""
    params = compile_scenario(scenario)
    keys = build_population(params, Streams(seed, 0)).key
    log = _demand(scenario, seed)
    out: dict[int, list[tuple]] = {}
    for t, kind, person, desired in zip(
        log["t0"], log["kind"], log["person"], log["desired"], strict=True
    ):
        out.setdefault(int(keys[person]), []).append((float(t), int(kind), int(desired)))
    return out


@settings(max_examples=20, deadline=None)
@given(data=DICTS, seed=SEEDS, where=st.integers(0, 50))
def test_one_more_inhabitant_changes_no_other_person(
    data: dict[str, Any], seed: int, where: int
) -> None:
    base = Scenario.model_validate(data)
    more = Scenario.model_validate(_with_one_more_inhabitant(data, where))
    assert more.population_size == base.population_size + 1
    before, after = _people(base, seed), _people(more, seed)
    new = set(after) - set(before)
    there = [k for k in new if after[k][-1] == 0]
    assert len(there) == 1  # one more inhabitant on day 0 ...
    assert new == _brought_by(after, there[0])  # ... and only what its own draws bring
    assert set(before) <= set(after)
    assert {k: after[k] for k in before} == before
    req_before, req_after = _requests_by_person(base, seed), _requests_by_person(more, seed)
    for k in new:
        req_after.pop(k, None)
    assert req_after == req_before


def _gps(scenario: Scenario, seed: int) -> dict[str, tuple]:
    """Every GP's attributes, pattern and leave, by label."""
    params = compile_scenario(scenario)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    sup = build_supply(params, cal, Streams(seed, 0))
    members = {p: tuple(sorted(np.flatnonzero(sup.practice == p))) for p in set(sup.practice)}
    out = {}
    for g, label in enumerate(sup.label):
        colleagues = tuple(sorted(sup.label[c] for c in members[sup.practice[g]]))
        out[label] = (
            float(sup.fte[g]),
            int(sup.list_capacity[g]),
            int(sup.commune[g]),
            colleagues,
            bool(sup.willing[g]),
            bool(sup.open_at_start[g]),
            bool(sup.sees_others[g]),
            bool(sup.aged_60_plus[g]),
            int(sup.start_day[g]),
            int(sup.leave_day[g]),
            sup.extra["pattern"][g].tobytes(),
            sup.extra["leave"][g].tobytes(),
        )
    return out


@settings(max_examples=20, deadline=None)
@given(data=DICTS, seed=SEEDS, how=st.sampled_from(("count", "installation")))
def test_one_more_gp_changes_no_other_gp(data: dict[str, Any], seed: int, how: str) -> None:
    # Retirements drawn among GPs aged 60+ may draw the newcomer (what it touches); here they
    # are left out so that every other GP's leaving day can be compared too.
    data = copy.deepcopy(data)
    (data.get("policies") or {}).pop("retirements", None)
    if how == "count":
        more_data = _with_one_more_gp(data)
    else:
        more_data = copy.deepcopy(data)
        policies = more_data.setdefault("policies", {}) or {}
        more_data["policies"] = policies
        policies.setdefault("installations", []).append({"date": 0, "count": 1})
    base = Scenario.model_validate(data)
    more = Scenario.model_validate(more_data)
    assert more.gp_count == base.gp_count + 1
    before, after = _gps(base, seed), _gps(more, seed)
    new = set(after) - set(before)
    assert len(new) >= 1  # the newcomer (and, for a generated GP, maybe its successor)
    changed = {
        label
        for label, row in before.items()
        if label not in after or after[label][:3] + after[label][4:] != row[:3] + row[4:]
    }
    assert not changed
    # Practices: the other GPs keep their colleagues, plus the newcomer at most.
    for label, row in before.items():
        assert set(row[3]) <= set(after[label][3]) <= set(row[3]) | new


@settings(max_examples=25, deadline=None)
@given(data=DICTS, seed=SEEDS, block=st.sampled_from(sorted(POLICY_BLOCKS)))
def test_policy_switched_on_leaves_demand_identical(
    data: dict[str, Any], seed: int, block: str
) -> None:
    base = Scenario.model_validate(data)
    changed = copy.deepcopy(data)
    policies = changed.setdefault("policies", {})
    if policies is None:
        policies = changed["policies"] = {}
    policies[block] = dict(POLICY_BLOCKS[block])  # start: 0, replaces a drawn block
    alt = Scenario.model_validate(changed)
    _assert_same_demand(_demand(base, seed), _demand(alt, seed))


@pytest.fixture(scope="module")
def monts(repo_root) -> Scenario:
    """The Monts du Lyonnais baseline, 120 days (a real territory: 30 communes, 38 GPs)."""
    return load_scenario(
        repo_root / "scenarios" / "monts-du-lyonnais.yaml",
        ["calendar.warmup_days=30"],
        horizon_days=120,
    )


def _variant(scenario: Scenario, **changes: Any) -> Scenario:
    data = scenario.model_dump()
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[leaf] = value
    return Scenario.model_validate(data)


def test_real_territory_one_more_gp_and_policies(monts: Scenario) -> None:
    base = _demand(monts, seed=11)
    assert base["t0"].size > 10_000
    one_more = _variant(monts, gps__count=monts.generated_gp_count + 1)
    assert one_more.gp_count == monts.gp_count + 1
    _assert_same_demand(base, _demand(one_more, seed=11))
    everything = _variant(
        monts,
        policies__teleconsultation={"platform_daily_capacity": 30, "gp_daily_capacity": 10},
        policies__pharmacists={},
        policies__unscheduled_slots={"reserved_share": 0.2, "shared_rota": True},
        policies__nurses={"fte": 2},
        policies__medical_assistants={"count_fte": 5},
        policies__mt_access={"monthly_capacity": 300},
        policies__installations=[{"date": 40, "count": 2}],
    )
    assert len(everything.policies.active()) >= 7
    _assert_same_demand(base, _demand(everything, seed=11))
    # The policies did change what happened to the requests.
    alt = simulate(everything, 11)
    assert not np.array_equal(simulate(monts, 11).outcomes_all, alt.outcomes_all), (
        "the policy mix should change some outcomes"
    )


def test_other_replication_or_seed_gives_other_demand(monts: Scenario) -> None:
    base = _demand(monts, seed=11, replication=0)
    for other in (_demand(monts, seed=11, replication=1), _demand(monts, seed=12)):
        assert not np.array_equal(base["t0"][:100], other["t0"][:100])
        assert not np.array_equal(base["person"][:100], other["person"][:100])
