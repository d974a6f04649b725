"""Words for planners: metric labels, number formats, scenarios and policies in plain terms.

Nothing here draws or reads files; the figures and the HTML report both use it, and so can a
web application.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accesssim.model import HEADLINE_METRICS, METRICS
from accesssim.scenario.schema import DATED_POLICY_BLOCKS, Scenario

__all__ = [
    "BETTER",
    "HEADLINE",
    "LABELS",
    "OUTCOME_LABELS",
    "POLICY_LABELS",
    "SHORT_LABELS",
    "WEEKLY_SERIES",
    "Event",
    "fmt_ci",
    "fmt_diff",
    "fmt_eur",
    "fmt_int",
    "fmt_value",
    "metric_label",
    "metric_unit",
    "policy_events",
    "policy_rows",
    "scenario_facts",
    "weekly_events",
]

#: The metrics a planner reads first (the same as ``accesssim compare`` prints by default).
HEADLINE: tuple[str, ...] = HEADLINE_METRICS

#: The weekly series the report and the app draw: (series, title, unit, how to read it).
WEEKLY_SERIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "wait_planned_mean_days",
        "Planned requests: mean delay to the appointment, by week of request",
        "days",
        "Read the level after the shaded warm-up: each point is the mean delay of the planned "
        "requests made that week; a rise after a dashed line is the effect of that change.",
    ),
    (
        "unscheduled_within_24h_share",
        "Soins non programmés seen within 24 h, by week of request",
        "% of unscheduled needs",
        "Higher is better; winter epidemics and GP leave show as dips that every scenario "
        "shares (same patients, same days).",
    ),
    (
        "unscheduled_within_48h_share",
        "Soins non programmés seen within 48 h, by week of request",
        "% of unscheduled needs",
        "Higher is better; 48 h is the target of the SAS (service d'accès aux soins).",
    ),
    (
        "coverage",
        "Adults with a médecin traitant (MT), at the start of each week",
        "% of adults",
        "Higher is better; a slope shows MT declarations outpacing (or not) people moving in, "
        "moving out and GPs leaving.",
    ),
)

#: Short plain-language labels; the definitions are in :data:`accesssim.model.METRICS`.
LABELS: dict[str, str] = {
    "wait_planned_mean_days": "Planned requests: mean delay to the appointment",
    "wait_planned_median_days": "Planned requests: median delay to the appointment",
    "wait_planned_p90_days": "Planned requests: delay within which 90 % are seen",
    "excess_wait_planned_mean_days": "Planned requests: mean wait beyond the day wanted",
    "third_next_available_days": "Third next available slot",
    "unscheduled_within_24h_share": "Soins non programmés seen within 24 h",
    "unscheduled_within_48h_share": "Soins non programmés seen within 48 h",
    "ed_visits_per_1000": "Emergency-department (ED) visits primary care could have handled",
    "forgone_care_share": "Requests ending without care (forgone)",
    "teleconsultation_share": "Teleconsultations among GP acts",
    "gp_utilisation": "GP slots booked",
    "reserved_slots_unused_share": "Reserved same-day slots still free at release",
    "mt_coverage_start": "Adults with a médecin traitant (MT), end of warm-up",
    "mt_coverage_end": "Adults with a médecin traitant (MT), at the end",
    "mt_coverage_ald_end": "Adults with an ALD who have an MT, at the end",
    "patients_without_mt_end": "Adults without an MT, at the end",
    "gp_acts_per_inhabitant": "GP acts per inhabitant",
    "policy_cost_eur": "Cost of the policy mix to the public payer",
    "wait_all_mean_days": "All requests: mean delay to the appointment",
    "wait_all_median_days": "All requests: median delay to the appointment",
    "wait_all_within_1day_share": "All requests: seen the same or the next day",
    "wait_unscheduled_median_days": "Soins non programmés: median delay",
    "acts_per_fte_gp": "GP acts per full-time GP",
    "mt_list_per_fte": "MT list per full-time GP",
    "requests_per_inhabitant": "Requests for GP care per inhabitant",
    "pharmacist_acts_per_1000": "Pharmacist acts",
    "nurse_acts_per_1000": "Nurse follow-ups (policy nurses)",
    "enrolments_per_1000": "New MT declarations",
}

#: Shorter labels for crowded figures (the forest plot).
SHORT_LABELS: dict[str, str] = {
    "wait_planned_mean_days": "Planned: mean delay",
    "wait_planned_median_days": "Planned: median delay",
    "unscheduled_within_24h_share": "Same-day needs seen within 24 h",
    "unscheduled_within_48h_share": "Same-day needs seen within 48 h",
    "ed_visits_per_1000": "ED visits",
    "forgone_care_share": "Forgone care",
    "teleconsultation_share": "Teleconsultation share",
    "gp_utilisation": "GP slots booked",
    "mt_coverage_end": "Adults with an MT",
    "mt_coverage_ald_end": "ALD adults with an MT",
    "patients_without_mt_end": "Adults without an MT",
    "gp_acts_per_inhabitant": "GP acts per inhabitant",
    "policy_cost_eur": "Policy cost",
}

#: +1 when a higher value is better for patients, -1 when lower is better; absent: neither.
BETTER: dict[str, int] = {
    "wait_planned_mean_days": -1,
    "wait_planned_median_days": -1,
    "wait_planned_p90_days": -1,
    "excess_wait_planned_mean_days": -1,
    "third_next_available_days": -1,
    "unscheduled_within_24h_share": 1,
    "unscheduled_within_48h_share": 1,
    "ed_visits_per_1000": -1,
    "forgone_care_share": -1,
    "mt_coverage_end": 1,
    "mt_coverage_ald_end": 1,
    "patients_without_mt_end": -1,
    "wait_all_mean_days": -1,
    "wait_all_median_days": -1,
    "wait_all_within_1day_share": 1,
    "wait_unscheduled_median_days": -1,
    "policy_cost_eur": -1,
}

OUTCOME_LABELS: dict[str, str] = {
    "own_mt": "own MT",
    "other_gp": "other GP",
    "teleconsultation": "teleconsultation",
    "pharmacist": "pharmacist",
    "nurse": "nurse",
    "ed": "emergency department",
    "forgone": "forgone care",
    "pending": "pending at the end",
}

POLICY_LABELS: dict[str, str] = {
    "unscheduled_slots": "Same-day slots (soins non programmés)",
    "teleconsultation": "Teleconsultation",
    "medical_assistants": "Medical assistants (assistants médicaux)",
    "nurses": "Nurses (Asalée / IPA)",
    "pharmacists": "Pharmacists",
    "installations": "GP installations",
    "retirements": "GP departures",
    "mt_access": "Finding an MT for patients without one",
}


def metric_label(metric: str) -> str:
    """A plain label for a metric (its name when none is written)."""
    return LABELS.get(metric, metric.replace("_", " "))


def metric_unit(metric: str) -> str:
    """The unit as shown in the report (shares are shown in %)."""
    unit = METRICS.get(metric, ("", ""))[0]
    if unit == "share":
        return "%"
    if unit == "per 1000 inhabitants per year":
        return "per 1,000 inhabitants per year"
    return unit


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float) -> str:
    """A count with thousands separated by commas (49,047)."""
    if _nan(value):
        return "–"
    return f"{value:,.0f}"


def fmt_eur(value: float) -> str:
    """Euros, rounded to the euro."""
    if _nan(value):
        return "–"
    return f"EUR {value:,.0f}"


def fmt_value(metric: str, value: float) -> str:
    """A metric value in its unit (shares in %)."""
    if _nan(value):
        return "–"
    unit = METRICS.get(metric, ("", ""))[0]
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit in ("EUR", "people"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_ci(metric: str, low: float, high: float) -> str:
    """A confidence interval ``[low, high]`` (a dash when it cannot be computed)."""
    if _nan(low) or _nan(high):
        return "–"
    return f"[{fmt_value(metric, low)}, {fmt_value(metric, high)}]"


def fmt_diff(metric: str, value: float) -> str:
    """A difference in the metric's unit (shares in percentage points, pt)."""
    if _nan(value):
        return "–"
    unit = METRICS.get(metric, ("", ""))[0]
    if unit == "share":
        return f"{100 * value:+.1f} pt"
    if unit in ("EUR", "people") or abs(value) >= 100:
        return f"{value:+,.0f}"
    return f"{value:+.2f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %" if abs(100 * x - round(100 * x)) < 1e-9 else f"{100 * x:.1f} %"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def _hours(h: float) -> str:
    hh = int(h)
    mm = round((h - hh) * 60)
    return f"{hh:02d}:{mm:02d}"


def _when(scenario: Scenario, when: int | dt.date) -> str:
    day = scenario.calendar.day_of(when)
    date = scenario.calendar.start_date + dt.timedelta(days=day)
    return f"{date.isoformat()} (day {day})"


def _commune_name(scenario: Scenario, insee: str | None) -> str:
    communes = scenario.territory.communes
    if not communes:
        return scenario.territory.name
    if insee is None:
        biggest = max(communes, key=lambda c: c.population)
        return f"{biggest.name} (the most populous commune)"
    for c in communes:
        if c.insee == insee:
            return c.name
    return insee


_PRACTICE_WORDS = {
    "solo": "a solo office",
    "group": "a group office",
    "msp": "a multi-professional health house (MSP)",
    "centre": "a health centre (salaried GPs)",
}


def policy_rows(scenario: Scenario) -> list[dict[str, str]]:
    """The policies that are on, each as ``{"key", "name", "words", "start"}``.

    ``words`` says what the policy does with its parameters, in a planner's terms.
    """
    pol = scenario.policies
    rows: list[dict[str, str]] = []

    def add(key: str, words: str, start: int | dt.date | None = None) -> None:
        begins = "–" if start is None else _when(scenario, start)
        if start is not None and scenario.calendar.day_of(start) == 0:
            begins = "from the start"
        rows.append({"key": key, "name": POLICY_LABELS[key], "words": words, "start": begins})

    us = pol.unscheduled_slots
    if us is not None:
        day = "the day before the session" if us.release_day == "previous" else "the same day"
        after = "go back to general booking" if us.unused == "return" else "are lost"
        words = (
            f"{_pct(us.reserved_share)} of every session's slots are kept for soins non "
            f"programmés; those still free at {_hours(us.release_time_hours)} {day} {after}."
        )
        if us.shared_rota:
            words += (
                f" Shared CPTS rota (SAS offer): the reserved slots of "
                f"{_pct(us.rota_participation_share)} of GPs serve any patient of the "
                f"territory; rota cost EUR {_num(us.rota_cost_per_year_eur)} a year."
            )
        else:
            words += " No shared rota: reserved slots serve the GP's own patients."
        add("unscheduled_slots", words, us.start)
    tele = pol.teleconsultation
    if tele is not None:
        parts = []
        if tele.gp_daily_capacity:
            parts.append(f"{_num(tele.gp_daily_capacity)} a day by territory GPs")
        if tele.platform_daily_capacity:
            parts.append(f"{_num(tele.platform_daily_capacity)} a day by an external platform")
        cap = " and ".join(parts) if parts else "no daily capacity"
        days = "every day" if tele.open_days == "all" else "Monday to Saturday"
        words = (
            f"Teleconsultations: {cap}, {days}; EUR {_num(tele.cost_per_act_eur)} per act"
            + (
                f", platform contract EUR {_num(tele.platform_fixed_cost_per_year_eur)} a year"
                if tele.platform_fixed_cost_per_year_eur
                else ""
            )
            + "."
        )
        add("teleconsultation", words, tele.start)
    ma = pol.medical_assistants
    if ma is not None:
        who = (
            "every GP"
            if ma.all_gps
            else f"{_num(ma.count_fte or 0)} FTE in total, {_num(ma.fte_per_gp)} FTE per GP"
        )
        aid = " / ".join(_num(a) for a in ma.cnam_aid_per_fte_eur)
        words = (
            f"Assistants for {who}. Once phased in ({_num(ma.phase_in_years)} years): "
            f"+{_pct(ma.acts_gain)} consultations per session and +{_pct(ma.list_gain)} MT "
            f"list. CNAM aid EUR {aid} per FTE-year (contract years 1, 2, 3+)."
        )
        add("medical_assistants", words, ma.start)
    nurses = pol.nurses
    if nurses is not None:
        kind = "Asalée" if nurses.kind == "asalee" else "advanced-practice (IPA)"
        words = (
            f"{_num(nurses.fte)} FTE {kind} nurse(s), one FTE per {_num(nurses.gps_per_fte)} GPs; "
            f"they take over {_pct(nurses.ald_followup_share)} of the ALD follow-ups of their "
            f"GPs (up to {_num(nurses.acts_per_fte_day)} a day per FTE); "
            f"EUR {_num(nurses.cost_per_fte_year_eur)} per FTE-year."
        )
        add("nurses", words, nurses.start)
    ph = pol.pharmacists
    if ph is not None:
        words = (
            f"Pharmacists handle {_pct(ph.handled_share)} of eligible minor needs when no GP "
            f"slot is found in time (sore throat from age {ph.sore_throat_min_age}, cystitis "
            f"of women aged {ph.cystitis_min_age}-{ph.cystitis_max_age}); "
            f"EUR {_num(ph.cost_per_act_eur)} per act."
        )
        add("pharmacists", words, ph.start)
    for inst in pol.installations:
        where = _commune_name(scenario, inst.commune)
        if inst.practice is not None:
            joins = f"join practice {inst.practice}"
        else:
            joins = f"open {_PRACTICE_WORDS.get(inst.practice_kind, inst.practice_kind)}"
        words = (
            f"{inst.count} GP(s) ({_num(inst.fte)} FTE each) {joins} in {where}, list "
            f"capacity {inst.list_capacity:,} adults each, "
            + ("taking new MT patients" if inst.accepts_new_patients else "lists closed")
            + f"; incentive EUR {_num(inst.incentive_cost_eur)} per GP once, "
            f"EUR {_num(inst.cost_per_year_eur)} per GP a year."
        )
        add("installations", words, inst.date)
    for ret in pol.retirements:
        who = []
        if ret.gp_ids:
            who.append("GP(s) " + ", ".join(ret.gp_ids))
        if ret.count:
            who.append(f"{ret.count} GP(s) aged 60+ drawn at random")
        words = (
            " and ".join(who) + " stop practising; their patients lose their MT and look "
            "for another."
        )
        add("retirements", words, ret.date)
    mta = pol.mt_access
    if mta is not None:
        words = (
            f"The CPTS matches up to {mta.monthly_capacity:,} patients without an MT to a GP "
            "with room each month"
            + (", ALD patients first" if mta.ald_priority else "")
            + (", closed lists included" if mta.include_closed_lists else "")
            + f"; EUR {_num(mta.cost_per_year_eur)} a year and "
            f"EUR {_num(mta.cost_per_match_eur)} per patient matched."
        )
        add("mt_access", words, mta.start)
    return rows


_SHORT_POLICY = {
    "unscheduled_slots": "same-day slots",
    "teleconsultation": "teleconsultation",
    "medical_assistants": "medical assistants",
    "nurses": "nurses",
    "pharmacists": "pharmacists",
    "mt_access": "MT mission",
}


@dataclass(frozen=True)
class Event:
    """A dated change drawn as a vertical line on time series (day from the start)."""

    day: int
    label: str
    scenario: str | None = None


def policy_events(scenario: Scenario) -> list[Event]:
    """Policy start dates, GP installations and departures after day 0, in day order."""
    pol = scenario.policies
    cal = scenario.calendar
    events: list[Event] = []
    for key in DATED_POLICY_BLOCKS:
        block = getattr(pol, key)
        if block is not None and cal.day_of(block.start) > 0:
            events.append(Event(cal.day_of(block.start), f"{_SHORT_POLICY[key]} start"))
    for inst in pol.installations:
        if cal.day_of(inst.date) > 0:
            events.append(Event(cal.day_of(inst.date), f"+{inst.count} GP"))
    for ret in pol.retirements:
        if cal.day_of(ret.date) > 0:
            n = len(ret.gp_ids) + ret.count
            events.append(Event(cal.day_of(ret.date), f"-{n} GP"))
    for g in scenario.gps.roster:
        if cal.day_of(g.start) > 0:
            events.append(Event(cal.day_of(g.start), f"GP {g.id} arrives"))
        if g.leave is not None:
            events.append(Event(cal.day_of(g.leave), f"GP {g.id} leaves"))
    return sorted(set(events), key=lambda e: (e.day, e.label))


def scenario_facts(scenario: Scenario) -> dict[str, Any]:
    """Territory, population, GPs, calendar: what a planner checks first."""
    cal = scenario.calendar
    info = scenario.summary()
    spatial = len(scenario.territory.communes) > 1 and all(
        c.lat is not None and c.lon is not None for c in scenario.territory.communes
    )
    return {
        "name": scenario.name,
        "description": scenario.description.strip(),
        "territory": scenario.territory.name,
        "communes": info["communes"],
        "spatial": spatial,
        "population": info["population"],
        "gps": info["gps"],
        "gps_per_100k": 1e5 * info["gps"] / info["population"] if info["population"] else 0.0,
        "without_mt_share": scenario.population.without_mt_share,
        "without_mt_share_ald": scenario.population.without_mt_share_ald,
        "start_date": cal.start_date.isoformat(),
        "end_date": cal.end_date.isoformat(),
        "horizon_days": cal.horizon_days,
        "warmup_days": cal.warmup_days,
        "measured_days": cal.horizon_days - cal.warmup_days,
        "measure_start": (cal.start_date + dt.timedelta(days=cal.warmup_days)).isoformat(),
    }


def weekly_events(scenarios: Mapping[str, Scenario], labels: Sequence[str]) -> list[Event]:
    """Dated changes to mark on the weekly series: those of every scenario once, unnamed; the
    others named after their scenario (when there are several)."""
    per = {lab: policy_events(scenarios[lab]) for lab in labels}
    common = set.intersection(*(set(v) for v in per.values())) if per else set()
    out: list[Event] = sorted(common, key=lambda e: (e.day, e.label))
    for lab in labels:
        for ev in per[lab]:
            if ev not in common:
                out.append(Event(ev.day, ev.label, lab if len(labels) > 1 else None))
    return sorted(out, key=lambda e: (e.day, e.scenario or "", e.label))
