"""Common random numbers by construction (STYLE.md habits 3 and 4).

Two scenarios run with the same seed must face the same patients with the same needs: the
demand stream (arrival time, kind, requester, desired day of every request) does not depend on
supply or policies. Checked from the per-request log (``record_requests=True``):

* adding one GP (``gps.count`` n -> n + 1, or one more roster GP) leaves the demand identical;
* switching a policy block on (teleconsultation, pharmacists, reserved slots and a shared rota,
  nurses, medical assistants, the MT-access mission, an installation) leaves it identical;
* a different replication index (or root seed) gives a different demand.

The gold standard is Starsim's ``tests/test_randomness.py`` (one more agent changes exactly
one downstream outcome); here the property is at the level of the demand stream.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import simulate
from accesssim.model.policies import POLICIES
from accesssim.scenario import Scenario, load_scenario
from accesssim.testing import valid_scenario_dicts

DEMAND = ("t", "kind", "person", "desired")
SEEDS = st.integers(0, 2**32 - 1)
DICTS = valid_scenario_dicts(max_population=3000, max_gps=5, max_horizon_days=90)

# Every policy that is a block (not a list of dated entries), switched on with its example.
POLICY_BLOCKS: dict[str, dict[str, Any]] = {p.key: p.example for p in POLICIES if not p.entry}


def _demand(scenario: Scenario, seed: int, replication: int = 0) -> dict[str, np.ndarray]:
    log = simulate(scenario, seed, replication, record_requests=True).requests
    assert log is not None
    return {name: log[name] for name in DEMAND}


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
    assert base["t"].size > 10_000
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
    alt = simulate(everything, 11, record_requests=True)
    assert alt.requests is not None
    _assert_same_demand(base, {name: alt.requests[name] for name in DEMAND})
    # The policies did change what happened to the requests.
    assert not np.array_equal(simulate(monts, 11).outcomes_all, alt.outcomes_all), (
        "the policy mix should change some outcomes"
    )


def test_other_replication_or_seed_gives_other_demand(monts: Scenario) -> None:
    base = _demand(monts, seed=11, replication=0)
    for other in (_demand(monts, seed=11, replication=1), _demand(monts, seed=12)):
        assert not np.array_equal(base["t"][:100], other["t"][:100])
        assert not np.array_equal(base["person"][:100], other["person"][:100])
