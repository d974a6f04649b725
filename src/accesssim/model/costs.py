"""Policy costs in euros, per policy block (see docs/policies.md for the formulas).

Recurring costs are counted over the measurement window (warm-up end to horizon, one year by
default), pro rata of the days each policy runs in it; acts (teleconsultations, pharmacist
acts, MT matches) are counted for requests arriving in the window; one-off costs
(installation incentives) when the event falls inside the horizon. The perspective is the
public payer's (CNAM, ARS): the medical-assistant cost is the CNAM aid; the GP's net cost of
employing the assistant (salary minus aid) is reported separately and not summed.
"""

from __future__ import annotations

import numpy as np

from accesssim.model.calendar import SessionCalendar
from accesssim.model.supply import Supply
from accesssim.scenario.schema import Scenario

__all__ = ["policy_costs"]


def _years_active(cal: SessionCalendar, start_day: int) -> float:
    """Years of the measurement window during which a policy started on ``start_day`` runs."""
    lo = max(cal.warmup_days, start_day)
    return max(cal.horizon_days - lo, 0) / 365.0


def policy_costs(
    scenario: Scenario,
    sup: Supply,
    cal: SessionCalendar,
    *,
    tele_acts_measured: int,
    pharmacist_acts_measured: int,
    mt_matched_measured: int,
) -> dict[str, float]:
    """Euros per policy over the measurement window, and their total under ``"total"``."""
    pol = scenario.policies
    day_of = scenario.calendar.day_of
    costs: dict[str, float] = {}
    us = pol.unscheduled_slots
    if us is not None:
        costs["unscheduled_slots"] = (
            us.rota_cost_per_year_eur * _years_active(cal, day_of(us.start))
            if us.shared_rota
            else 0.0
        )
    tele = pol.teleconsultation
    if tele is not None:
        costs["teleconsultation"] = (
            tele.cost_per_act_eur * tele_acts_measured
            + tele.platform_fixed_cost_per_year_eur * _years_active(cal, day_of(tele.start))
        )
    ma = pol.medical_assistants
    if ma is not None:
        start = day_of(ma.start)
        days = np.arange(max(cal.warmup_days, start), cal.horizon_days)
        year = (days - start) // 365
        aid = np.asarray(ma.cnam_aid_per_fte_eur, dtype=float)
        aid_per_day = aid[np.minimum(year, aid.size - 1)] / 365.0
        fte = float(sup.ma_share.sum())
        paid = float(aid_per_day.sum()) * fte
        costs["medical_assistants"] = paid
        costs["medical_assistants_gp_net_cost"] = (
            ma.employer_cost_per_fte_year_eur * fte * days.size / 365.0 - paid
        )
    nurses = pol.nurses
    if nurses is not None:
        costs["nurses"] = (
            nurses.cost_per_fte_year_eur * nurses.fte * _years_active(cal, day_of(nurses.start))
        )
    ph = pol.pharmacists
    if ph is not None:
        costs["pharmacists"] = ph.cost_per_act_eur * pharmacist_acts_measured
    if pol.installations:
        total = 0.0
        for k, inst in enumerate(pol.installations):
            gps = np.flatnonzero(sup.installed == k)
            day = day_of(inst.date)
            if day < cal.horizon_days:
                total += inst.incentive_cost_eur * gps.size
            for g in gps:
                lo = max(cal.warmup_days, int(sup.start_day[g]))
                hi = min(cal.horizon_days, int(sup.leave_day[g]))
                total += inst.cost_per_year_eur * max(hi - lo, 0) / 365.0
        costs["installations"] = total
    if pol.retirements:
        costs["retirements"] = 0.0
    mta = pol.mt_access
    if mta is not None:
        costs["mt_access"] = (
            mta.cost_per_year_eur * _years_active(cal, day_of(mta.start))
            + mta.cost_per_match_eur * mt_matched_measured
        )
    costs["total"] = float(
        sum(v for k, v in costs.items() if not k.endswith("_gp_net_cost") and k != "total")
    )
    return costs
