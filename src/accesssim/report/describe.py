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

from accesssim.model.params import compile_scenario
from accesssim.model.policies import POLICIES, Describe
from accesssim.scenario.schema import Scenario
from accesssim.vocabulary import (
    BETTER,
    HEADLINE_METRICS,
    LABELS,
    METRICS,
    OUTCOME_LABELS,
    SHORT_LABELS,
)

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

POLICY_LABELS: dict[str, str] = {p.key: p.label for p in POLICIES}
"""Planner-facing name of each policy block."""


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


def _context(scenario: Scenario) -> Describe:
    communes = scenario.territory.communes
    largest = max(communes, key=lambda c: c.population).name if communes else None
    return Describe(
        start_date=scenario.calendar.start_date,
        territory=scenario.territory.name,
        communes={c.insee: c.name for c in communes},
        largest_commune=largest,
    )


def policy_rows(scenario: Scenario) -> list[dict[str, str]]:
    """The policies that are on, each as ``{"key", "name", "words", "start"}``.

    ``words`` says what the policy does with its parameters, in a planner's terms (each
    policy module writes its own: :meth:`accesssim.model.policies.Policy.describe`).
    """
    ctx = _context(scenario)
    rows: list[dict[str, str]] = []
    for active in compile_scenario(scenario).policies:
        pol = active.policy
        for words, start in pol.describe(active.params, ctx):
            begins = "–" if start is None else ctx.when(start)
            if start == 0:
                begins = "from the start"
            rows.append({"key": pol.key, "name": pol.label, "words": words, "start": begins})
    return rows


@dataclass(frozen=True)
class Event:
    """A dated change drawn as a vertical line on time series (day from the start)."""

    day: int
    label: str
    scenario: str | None = None


def policy_events(scenario: Scenario) -> list[Event]:
    """Policy start dates, GP installations and departures after day 0, in day order."""
    cal = scenario.calendar
    events: list[Event] = []
    for active in compile_scenario(scenario).policies:
        events += [Event(day, label) for day, label in active.policy.events(active.params)]
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
