"""Policies with an end date, and the GP-attraction policy.

* a policy runs from its start to the day before its end: its pools, kernel thresholds, gains
  and costs stop there;
* ``gp_attraction`` adds installations only while it runs, into its new practices, on top of a
  baseline whose own installations, departures and GPs stay the same (common random numbers);
* an end before the start is refused with the field's path.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from accesssim.model.calendar import build_calendar
from accesssim.model.engine import build_run
from accesssim.model.params import compile_scenario
from accesssim.model.supply import build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario

BASE = {
    "population": {"size": 40000},
    "calendar": {"warmup_days": 30, "horizon_years": 3},
    "gps": {"count": 30},
}


def _scenario(**policies: object) -> Scenario:
    return Scenario.model_validate({**BASE, "policies": policies})


def test_pools_thresholds_and_costs_stop_at_the_end() -> None:
    sc = _scenario(
        teleconsultation={"platform_daily_capacity": 10, "start": 100, "end": 500},
        pharmacists={"start": 100, "end": 500},
        nurses={"start": 100, "end": 500},
        unscheduled_slots={"reserved_share": 0.2, "shared_rota": True, "start": 100, "end": 500},
        mt_access={"start": 100, "end": 500, "cost_per_year_eur": 36500},
    )
    run = build_run(sc, 0, 0)
    tele = run.pools.tele_platform
    assert tele[:100].sum() == 0
    assert tele[500:].sum() == 0
    assert tele[100:500].sum() == pytest.approx(4000, abs=1)
    assert run.pools.nurse[500:].sum() == 0
    assert run.pools.nurse[100:500].sum() > 0
    par = run.par
    assert (par.rota_start, par.rota_end) == (100, 500)
    assert (par.pharm_start, par.pharm_end) == (100, 500)
    assert (par.nurse_start, par.nurse_end) == (100, 500)
    # Reserved slots only in sessions of days 100..499.
    day = np.arange(run.cal.n_sessions) // 2
    reserved = run.sup.reserved_offered.sum(axis=0)
    assert reserved[(day < 100) | (day >= 500)].sum() == 0
    assert reserved[(day >= 100) & (day < 500)].sum() > 0
    # Every policy's own cost lines stop at its end; the MT mission's yearly cost counts the
    # 400 days it runs in the window.
    for a in run.params.policies:
        for ln in a.policy.cost(a.params, run):
            assert not ln.per_day[:100].any(), ln.item
            assert not ln.per_day[500:].any(), ln.item
    cost = next(a for a in run.params.policies if a.policy.key == "mt_access")
    (mission,) = cost.policy.cost(cost.params, run)
    assert mission.per_day.sum() == pytest.approx(36500 * 400 / 365)
    run.ahead.shutdown()


def test_medical_assistants_gains_stop_at_the_end() -> None:
    sc = _scenario(medical_assistants={"all_gps": True, "phase_in_years": 0, "end": 400})
    params = compile_scenario(sc)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    sup = build_supply(params, cal, Streams(0, 0))
    assert sup.ma_phase[:400].min() == 1.0
    assert sup.ma_phase[400:].max() == 0.0


def test_end_must_come_after_start() -> None:
    with pytest.raises(ValidationError) as info:
        _scenario(mt_access={"start": 200, "end": 100})
    assert any(e["loc"][:3] == ("policies", "mt_access", "end") for e in info.value.errors())


def _gps(sc: Scenario) -> dict[str, tuple]:
    params = compile_scenario(sc)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    sup = build_supply(params, cal, Streams(4, 0))
    return {
        label: (int(sup.start_day[g]), int(sup.leave_day[g]), float(sup.fte[g]))
        for g, label in enumerate(sup.label)
    } | {"_practice": dict(zip(sup.label, sup.practice.tolist(), strict=True))}


def test_gp_attraction_adds_installations_while_it_runs() -> None:
    base = _scenario()
    plan = _scenario(
        gp_attraction={
            "start": 100,
            "end": 830,
            "msp_openings": 2,
            "gps_per_msp_per_100k": 40,
            "aid_contracts_per_year": 3,
            "aid_additional_share": 1.0,
            "intern_hosts": 10,
            "installations_per_host_year": 0.2,
        }
    )
    before, after = _gps(base), _gps(plan)
    b_prac, a_prac = before.pop("_practice"), after.pop("_practice")
    # Every GP of the baseline is there, unchanged (its installations included).
    assert {k: after[k] for k in before} == before
    added = {k: v for k, v in after.items() if k not in before}
    assert added, "the policy should bring GPs"
    assert all(k.startswith("attraction") for k in added)
    assert all(100 <= start < 830 for start, _, _ in added.values())
    # Expected: 2 x 40 x 0.4 / 5 = 6.4 a year into the MSPs, 3 + 2 = 5 elsewhere, for 2 years.
    assert 8 <= len(added) <= 45
    msp = {a_prac[k] for k in added if k.startswith("attraction0")}
    assert msp
    assert msp.isdisjoint(set(b_prac.values()))
