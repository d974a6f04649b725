"""The micro-costing counts every act, on both sides of every move a policy makes.

A need that ends in care ends in exactly one act (docs/policies.md, "How costs are counted"):
a GP consultation or home visit, a teleconsultation, a pharmacist or nurse act, an act of the
out-of-hours service (PDSA), or an ED visit (after a failed search or direct). Policies move
needs between them (office -> teleconsultation, office -> pharmacist, GP -> nurse); the costing
must see the act that leaves as well as the one that arrives. So, on a run with every pathway
and those three policies on, with no warm-up (the whole run is priced): the acts the kernel
files for the costing equal the outcomes it records, item by item, and every act is priced
for the AMO and the patient; and against the same run without the policies (common random
numbers), the AMO's euros move both ways: office consultations and ED visits fall (the needs
the policies take), teleconsultations, pharmacist acts and nurse follow-ups rise. The nurses are
IPA, whose follow-ups carry a fee (EUR 50); an Asalée follow-up costs the AMO nothing per act.
"""

from __future__ import annotations

import pytest

from accesssim.model.costing import cost_summary
from accesssim.model.engine import build_run, cost_lines, run_processes
from accesssim.scenario import Scenario
from accesssim.vocabulary import ACT_NAMES, N_DAY_PARTS, N_GP_KINDS, Act, Counter, Outcome

BASE = {
    "name": "acts",
    "population": {"size": 12000},
    "calendar": {"horizon_days": 120, "warmup_days": 0},
    "gps": {"count": 8},
    "policies": {
        "unscheduled_slots": {"reserved_share": 0.15, "shared_rota": True, "sas": True},
    },
}
MOVES = {
    "teleconsultation": {"platform_daily_capacity": 6, "gp_daily_capacity": 2},
    "pharmacists": {},
    "nurses": {"fte": 1.0, "ald_followup_share": 0.5, "kind": "ipa"},
}


def _run(policies: dict) -> tuple:
    spec = {**BASE, "policies": {**BASE["policies"], **policies}}
    run = build_run(Scenario.model_validate(spec), 3, 0)
    try:
        run_processes(run)
    finally:
        run.ahead.shutdown()
    n = run.cal.horizon_days
    acts = run.tallies.acts.reshape(-1, N_DAY_PARTS, len(Act), run.tallies.acts.shape[-1])[:n]
    return run, acts.sum(axis=(0, 1, 3)), cost_lines(run)


def _amo(table: dict, item: str) -> float:
    return sum(
        eur
        for i, payer, eur in zip(table["item"], table["payer"], table["eur"], strict=True)
        if i == item and payer == "amo"
    )


@pytest.fixture(scope="module")
def runs() -> tuple:
    return _run({}), _run(MOVES)


def test_every_act_the_kernel_records_is_filed_and_priced(runs) -> None:
    for run, filed, table in runs:
        out = run.tallies.counts[0, :N_GP_KINDS]  # every request for GP care of the run
        assert (
            filed[Act.OFFICE] + filed[Act.HOME] == out[:, [Outcome.OWN_MT, Outcome.OTHER_GP]].sum()
        )
        assert filed[Act.TELE_GP] + filed[Act.TELE_PLATFORM] == out[:, Outcome.TELE].sum()
        assert filed[Act.PHARMACIST] == out[:, Outcome.PHARMACIST].sum()
        assert filed[Act.NURSE] == out[:, Outcome.NURSE].sum()
        assert filed[Act.OUT_OF_HOURS] == out[:, Outcome.OUT_OF_HOURS].sum()
        assert filed[Act.ED] == out[:, [Outcome.ED, Outcome.ED_DIRECT]].sum()
        assert 0 < filed[Act.SAS] <= run.tallies.counters[Counter.SAS]
        # Needs asked again file nothing until their last request; emergencies never.
        assert out[:, Outcome.RETRY].sum() > 0
        assert run.tallies.counts[0, N_GP_KINDS:].sum() > 0
        for act in (Act.OFFICE, Act.OUT_OF_HOURS, Act.ED):
            assert filed[act] > 0
            assert _amo(table, ACT_NAMES[act]) > 0.0
        care = cost_summary(table, "amo")["care"]
        assert care == pytest.approx(sum(_amo(table, a) for a in ACT_NAMES))


def test_acts_moved_by_a_policy_are_counted_on_both_sides(runs) -> None:
    (_, base_acts, base), (_, alt_acts, alt) = runs
    assert alt_acts[Act.TELE_GP] + alt_acts[Act.TELE_PLATFORM] > 0
    assert base_acts[Act.TELE_GP] + base_acts[Act.TELE_PLATFORM] == 0
    assert alt_acts[Act.PHARMACIST] > 0 == base_acts[Act.PHARMACIST]
    assert alt_acts[Act.NURSE] > 0 == base_acts[Act.NURSE]
    # The needs they take leave GP slots, ED visits and out-of-hours acts: fewer of them.
    assert alt_acts[[Act.ED, Act.OUT_OF_HOURS]].sum() < base_acts[[Act.ED, Act.OUT_OF_HOURS]].sum()
    before = {a: _amo(base, a) for a in ACT_NAMES}
    delta = {a: _amo(alt, a) - before[a] for a in ACT_NAMES}
    # The side the needs leave is priced: fewer euros of office consultations and ED visits.
    # Margins well inside what seeds 1-6 give (office -2.5 % to -5 %, ED -10 % to -24 %).
    assert delta["office_consultation"] < -0.01 * before["office_consultation"]
    assert delta["ed_visit"] < -0.05 * before["ed_visit"]
    # The side they reach is priced: more euros of each act the policies add.
    for item in ("teleconsultation_gp", "teleconsultation_platform"):
        assert delta[item] > 0.0
    assert delta["pharmacist_act"] > 0.0
    assert delta["nurse_followup"] > 0.0
