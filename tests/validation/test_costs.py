"""Policy effects net of controls and counted once, against the evaluations they come from.

* Medical assistants (CNAM, December 2024: 402 assisted GPs against 18,600 controls over 4
  years): MT list +19.5 % against +6.6 % for controls, +12.9 points net; acts per day +7.2 %
  against +0.5 %, +6.7 points net. The model's own 4-year difference-in-differences (assisted
  GPs against the territory's other GPs, from the year before the start to the fourth year)
  must land within 3 points of +12.9 for lists and within 2 points of +6.7 for acts.
* Asalée nurses (financing convention: 1 nurse FTE per 5 GP FTE saves 72-80 GP days a year;
  IRDES QES 241, 2019): the follow-ups a nurse FTE takes over free 72-80 GP days (two sessions
  of slots each) a year, and nothing else: no list gain on top (CALIBRATION.md, "Policy
  evaluations as net effects").
* IPA nurses (CALIBRATION.md: consultations of 30-45 min): they take over follow-ups at the
  pace their own consultation length allows, so a longer consultation means fewer follow-ups.
* Teleconsultation stays at 2-4 % of GP activity (DREES ER 1249; Cour des comptes 2025) in the
  Monts du Lyonnais baseline after the costing changes.
"""

from __future__ import annotations

import numpy as np
import pytest

from accesssim import load_scenario
from accesssim.model import simulate
from accesssim.model.clock import DAY_START
from accesssim.model.engine import build_run, start_processes

pytestmark = pytest.mark.slow

START, HORIZON = 456, 1916  # one measured year before the start, then 4 years
YEAR4 = HORIZON - 365


def _trajectory(path, seed: int, overrides: list[str]) -> tuple:
    """List sizes at the start and at 4 years, acts of each GP in the year before the start
    and in the fourth year."""
    sc = load_scenario(path, [f"calendar.horizon_days={HORIZON}", *overrides])
    run = build_run(sc, 0, seed)
    start_processes(run)
    env = run.env
    env.run(until=START + 0.5)
    lists0, acts_pre = run.gps.list_size.copy(), run.tallies.acts_gp.copy()
    env.run(until=YEAR4 + 0.5)
    acts_mid = run.tallies.acts_gp.copy()
    env.run(until=HORIZON + 2 * DAY_START)
    run.ahead.shutdown()
    return run, lists0, run.gps.list_size.copy(), acts_pre, run.tallies.acts_gp - acts_mid


def test_medical_assistants_net_effect_is_cnam_diff_in_diff(repo_root) -> None:
    path = repo_root / "scenarios" / "monts-du-lyonnais-medical-assistants.yaml"
    lists, acts = [], []
    for seed in range(3):
        run, l0, l1, a0, a1 = _trajectory(
            path, seed, [f"policies.medical_assistants.start={START}"]
        )
        stayed = (run.sup.start_day == 0) & (run.sup.leave_day > HORIZON)
        treated = (run.sup.ma_share > 0) & stayed
        controls = ~(run.sup.ma_share > 0) & stayed
        assert treated.sum() >= 4  # of the 6, those who practise all along

        def growth(mask, before, after):
            return after[mask].sum() / before[mask].sum() - 1.0

        lists.append(growth(treated, l0, l1) - growth(controls, l0, l1))
        acts.append(growth(treated, a0, a1) - growth(controls, a0, a1))
    assert abs(100 * np.mean(lists) - 12.9) <= 3.0, lists
    assert abs(100 * np.mean(acts) - 6.7) <= 2.0, acts


def test_asalee_time_is_counted_once(repo_root) -> None:
    nurses = load_scenario(repo_root / "scenarios" / "monts-du-lyonnais-nurses.yaml")
    base = load_scenario(repo_root / "scenarios" / "monts-du-lyonnais.yaml")
    cal, fte = nurses.calendar, nurses.policies.nurses.fte
    years = (cal.horizon_days - cal.warmup_days) / 365.0
    gp_day = 2 * nurses.gps.slots_per_session  # slots of a GP working day
    saved = []
    for seed in range(4):
        r = simulate(nurses, 0, seed)
        followups = r.outcomes[:, 4].sum()  # Outcome.NURSE
        saved.append(followups / years / fte / gp_day)
    assert 72.0 <= np.mean(saved) <= 80.0, saved
    # No list gain on top: the associated GPs' list capacities are those of the baseline.
    with_nurses, without = build_run(nurses, 0, 0), build_run(base, 0, 0)
    try:
        associated = with_nurses.sup.nurse_gp
        assert associated.sum() == 10
        np.testing.assert_array_equal(with_nurses.gps.cap_eff, without.gps.cap_eff)
    finally:
        with_nurses.ahead.shutdown()
        without.ahead.shutdown()


def test_ipa_takes_followups_at_the_pace_of_its_consultations(repo_root) -> None:
    path = repo_root / "scenarios" / "monts-du-lyonnais-nurses.yaml"
    base = simulate(load_scenario(repo_root / "scenarios" / "monts-du-lyonnais.yaml"), 0, 0)
    follow = {}
    for minutes in (30, 45):
        sc = load_scenario(
            path,
            [
                "policies.nurses.kind=ipa",
                f"policies.nurses.consultation_minutes={minutes}",
            ],
        )
        r = simulate(sc, 0, 0)
        follow[minutes] = r.outcomes[:, 4].sum()
        # The GP slots it frees serve unscheduled needs: more are met within 48 h.
        assert (
            r.metrics["unscheduled_within_48h_share"] > base.metrics["unscheduled_within_48h_share"]
        )
        assert r.costs["nurses"] == 0.0  # a liberal IPA: paid per follow-up, no salary
        # Summed over the years of the window (one row per year, item and payer).
        items: dict[tuple[str, str], float] = {}
        for item, payer, eur in zip(
            r.cost_lines["item"], r.cost_lines["payer"], r.cost_lines["eur"], strict=True
        ):
            items[item, payer] = items.get((item, payer), 0.0) + eur
        # EUR 50 a follow-up, all to the AMO (ALD patients, 100 %); costs count follow-ups on
        # days of the window, outcomes the requests made in it: those
        # booked from the warm-up's backlog differ.
        amo = items[("nurse_followup", "amo")]
        assert amo == pytest.approx(50.0 * follow[minutes], rel=0.1)
        assert amo / 50.0 == round(amo / 50.0)  # whole follow-ups
        assert items[("nurse_followup", "patient")] == 0.0
    assert follow[45] < follow[30]
    default = load_scenario(path, ["policies.nurses.kind=ipa"]).policies.nurses
    assert default.effective_minutes == 37.5
    assert default.effective_acts_per_fte_day == pytest.approx(360 / 37.5)


def test_teleconsultation_share_stays_within_published_range(repo_root) -> None:
    sc = load_scenario(repo_root / "scenarios" / "monts-du-lyonnais.yaml")
    shares = [simulate(sc, 0, seed).metrics["teleconsultation_share"] for seed in range(2)]
    assert 0.02 <= np.mean(shares) <= 0.04, shares
