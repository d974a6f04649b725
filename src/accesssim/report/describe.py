"""Scenarios and policies in a planner's terms: the territory's facts, the policies in force
(each policy module words its own), their dated events.

Nothing here draws or reads files; the report, the command line and the app use it. Number
formats, metric labels and readings are in :mod:`accesssim.wording`; the tables built from them
in :mod:`accesssim.report.tables`; the figures and their captions in
:mod:`accesssim.report.catalogue`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accesssim.i18n import _
from accesssim.model.params import compile_scenario
from accesssim.model.policies import POLICIES, Describe
from accesssim.scenario.schema import Scenario

__all__ = [
    "POLICY_LABELS",
    "Event",
    "policy_events",
    "policy_rows",
    "scenario_facts",
    "weekly_events",
]

POLICY_LABELS: dict[str, str] = {p.key: p.label for p in POLICIES}
"""Planner-facing name of each policy block (English; shown through ``_()``)."""


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
                begins = _("from the start")
            rows.append({"key": pol.key, "name": _(pol.label), "words": words, "start": begins})
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
            events.append(Event(cal.day_of(g.start), _("GP {id} arrives").format(id=g.id)))
        if g.leave is not None:
            events.append(Event(cal.day_of(g.leave), _("GP {id} leaves").format(id=g.id)))
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
