"""Warnings for scenarios that are valid but implausible.

The schema refuses what cannot be simulated (``accesssim validate`` exits 2); this module points
at what can be simulated but is probably a mistake: a GP density far outside what French
territories have, more GP retirements than GPs, no GP at all, communes sharing one point or
without one, a measured period shorter than the planned lead times, a policy that starts too
late to act on the measured year. The command line prints them (``validate``, ``run``;
``--strict`` makes them errors) and the web app shows them; :func:`scenario_warnings` is the one
function both call. A warning never changes a result.

Thresholds and their sources:

* GP density: below :data:`DENSITY_LOW_PER_100K` or above :data:`DENSITY_HIGH_PER_100K` liberal
  GPs per 100,000 inhabitants. Published range: in 2022 the density of GPs of all modes of
  practice ranged by département from 52 (Mayotte) and just under 100 (Eure, Seine-et-Marne,
  Eure-et-Loir, Cher, Val-d'Oise) to 274 (Hautes-Alpes), for 149 nationally of whom 57 % are
  liberal (Programme de qualité et d'efficience "Maladie", indicator 1.4.1, annex to the 2024
  Social Security financing bill, from DREES's RPPS figures); liberal GPs alone: 78 per 100,000
  (DREES 2021, CALIBRATION.md). So liberal densities of départements span about 30 to 160 per
  100,000 (derived: 52 x 0.57 and 274 x 0.57). A CPTS is smaller than a département and can lie
  further out, hence a margin: the warning range is about half the lowest and 1.5 times the
  highest (no published figure for that margin: a choice).
* Lead times: the longest planned lead time is the upper end of ``demand.planned_lead_days``
  (its 99th percentile when unbounded).
* A policy starting late: a dated policy, an installation or a retirement that acts on less
  than :data:`MIN_ACTIVE_SHARE` of the measured period (no published figure: a choice). A date
  after the horizon is an error of the schema, not a warning.
* Nurses' time counted twice: a list-capacity gain set on top of the follow-ups the nurses take
  over (CALIBRATION.md, policy evaluations as net effects: the 72-80 GP days an Asalée FTE saves
  are the follow-ups; a list gain derived from the same days must not be added).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from accesssim.i18n import _
from accesssim.scenario.errors import Problem
from accesssim.scenario.schema import DATED_POLICY_BLOCKS, Scenario
from accesssim.wording import num, number, pct

if TYPE_CHECKING:
    from accesssim.scenario.loading import Document

__all__ = [
    "DENSITY_HIGH_PER_100K",
    "DENSITY_LOW_PER_100K",
    "MIN_ACTIVE_SHARE",
    "dotted",
    "scenario_warnings",
    "warning_problems",
]

Loc = tuple[str | int, ...]

DENSITY_LOW_PER_100K = 25.0
"""Lowest plausible density of liberal GPs (per 100,000 inhabitants); see the module text."""
DENSITY_HIGH_PER_100K = 250.0
"""Highest plausible density of liberal GPs (per 100,000 inhabitants); see the module text."""
MIN_ACTIVE_SHARE = 0.25
"""A policy acting on less than this share of the measured period is flagged (1)."""
MAX_PER_KIND = 10
"""At most this many warnings of one kind are listed; the rest are counted in one more line."""


def dotted(loc: Sequence[str | int]) -> str:
    """``("territory", "communes", 3, "lat")`` -> ``territory.communes.3.lat``."""
    return ".".join(str(p) for p in loc)


def _gps_on_day0(s: Scenario) -> int:
    cal = s.calendar
    roster = sum(1 for g in s.gps.roster if cal.day_of(g.start) <= 0)
    return roster + s.generated_gp_count


def _gp_loc(s: Scenario) -> Loc:
    if s.gps.count is not None:
        return ("gps", "count")
    if s.gps.roster:
        return ("gps", "roster")
    return ("gps", "density_per_100k")


def _capped(items: list[tuple[Loc, str]], what: str) -> list[tuple[Loc, str]]:
    """At most :data:`MAX_PER_KIND` items, then one line counting the rest (``what``: the
    counted things, already in the current language)."""
    if len(items) <= MAX_PER_KIND:
        return items
    rest = len(items) - MAX_PER_KIND
    more = _("... and {n} more {what}").format(n=number(rest), what=what)
    return [*items[:MAX_PER_KIND], (items[MAX_PER_KIND][0], more)]


def _longest_lead(s: Scenario) -> float:
    dist = s.demand.planned_lead_days
    top = float(dist.ppf(np.array([1.0]))[0])
    if not math.isfinite(top):
        top = float(dist.ppf(np.array([0.99]))[0])
    return top


def scenario_warnings(
    scenario: Scenario,
    *,
    density_range: tuple[float, float] = (DENSITY_LOW_PER_100K, DENSITY_HIGH_PER_100K),
) -> list[tuple[Loc, str]]:
    """The implausible features of a valid scenario, as (field path, message) pairs.

    Parameters
    ----------
    scenario
        A validated scenario.
    density_range
        Plausible liberal GPs per 100,000 inhabitants (low, high).

    Returns
    -------
    list of (tuple, str)
        The field path (as in validation errors; :func:`dotted` joins it) and the message, in
        the order: GPs, retirements, communes, calendar, policies. Empty when nothing is odd.
    """
    s = scenario
    out: list[tuple[Loc, str]] = []
    cal = s.calendar
    pop = s.population_size
    gps0 = _gps_on_day0(s)
    arriving = sorted(
        (cal.day_of(i.date), i.count) for i in s.policies.installations if i.count > 0
    )
    later = sum(1 for g in s.gps.roster if cal.day_of(g.start) > 0)

    # -- GPs ---------------------------------------------------------------------------------
    if gps0 == 0:
        if not arriving and not later:
            out.append(
                (
                    _gp_loc(s),
                    _(
                        "no GP at all: every request goes unmet (emergency department or no "
                        "care); give gps.count, gps.roster or a density"
                    ),
                )
            )
        else:
            first = min([d for d, _n in arriving] + [cal.day_of(g.start) for g in s.gps.roster])
            out.append(
                (
                    _gp_loc(s),
                    _(
                        "no GP on day 0: the first arrives on day {first}; every request before "
                        "goes unmet"
                    ).format(first=number(first)),
                )
            )
    elif pop > 0:
        density = gps0 / pop * 1e5
        low, high = density_range
        if not low <= density <= high:
            if density < low:
                text = _(
                    "{gps} GPs for {pop} inhabitants is {density} per 100,000, below the "
                    "plausible {low}-{high} (France: 78 liberal GPs per 100,000, DREES 2021; "
                    "départements range from about 30 to 160)"
                )
            else:
                text = _(
                    "{gps} GPs for {pop} inhabitants is {density} per 100,000, above the "
                    "plausible {low}-{high} (France: 78 liberal GPs per 100,000, DREES 2021; "
                    "départements range from about 30 to 160)"
                )
            words = text.format(
                gps=number(gps0),
                pop=number(pop),
                density=number(density),
                low=num(low),
                high=num(high),
            )
            out.append((_gp_loc(s), words))

    # -- retirements ---------------------------------------------------------------------------
    retiring = sum(len(r.gp_ids) + r.count for r in s.policies.retirements)
    available = gps0 + later + sum(n for _d, n in arriving)
    if s.policies.retirements and retiring > available:
        out.append(
            (
                ("policies", "retirements"),
                _(
                    "{retiring} GP retirements for {available} GPs in the territory (day 0 and "
                    "arrivals): the model retires every GP it can and the rest are ignored; "
                    "check the counts"
                ).format(retiring=number(retiring), available=number(available)),
            )
        )

    # -- communes ------------------------------------------------------------------------------
    communes = s.territory.communes
    if len(communes) > 1:
        first_at: dict[tuple[float, float], int] = {}
        shared: list[tuple[Loc, str]] = []
        missing: list[tuple[Loc, str]] = []
        for i, c in enumerate(communes):
            if c.lat is None or c.lon is None:
                missing.append(
                    (
                        ("territory", "communes", i, "lat" if c.lat is None else "lon"),
                        _(
                            "commune {insee} {name} has no coordinates: the model places it at "
                            "the centre of the others"
                        ).format(insee=c.insee, name=c.name),
                    )
                )
                continue
            key = (c.lat, c.lon)
            if key in first_at:
                j = first_at[key]
                o = communes[j]
                shared.append(
                    (
                        ("territory", "communes", i),
                        _(
                            "commune {insee} {name} has the same point as {other} ({other_insee} "
                            "{other_name}): one of the two is probably misplaced (the distance "
                            "between them is 0)"
                        ).format(
                            insee=c.insee,
                            name=c.name,
                            other=f"territory.communes.{j}",
                            other_insee=o.insee,
                            other_name=o.name,
                        ),
                    )
                )
            else:
                first_at[key] = i
        if missing and len(missing) == len(communes):
            out.append(
                (
                    ("territory", "communes"),
                    _(
                        "none of the {n} communes has coordinates: every distance is 0 (an "
                        "aspatial territory)"
                    ).format(n=number(len(communes))),
                )
            )
        else:
            out.extend(_capped(missing, _("communes without coordinates")))
        out.extend(_capped(shared, _("communes sharing a point")))

    # -- calendar ------------------------------------------------------------------------------
    measured = cal.horizon_days - cal.warmup_days
    lead = _longest_lead(s)
    if measured < lead:
        out.append(
            (
                ("calendar", "horizon_days"),
                _(
                    "{measured} measured days (horizon_days {horizon} - warmup_days {warmup}) "
                    "is shorter than the longest planned lead time ({lead} days, "
                    "demand.planned_lead_days): requests booked ahead fall after the end; "
                    "lengthen the horizon"
                ).format(
                    measured=number(measured),
                    horizon=number(cal.horizon_days),
                    warmup=number(cal.warmup_days),
                    lead=num(lead),
                ),
            )
        )

    # -- policies starting late ----------------------------------------------------------------
    late: list[tuple[Loc, str]] = []

    def check(loc: Loc, day: int, what: str) -> None:
        active = cal.horizon_days - max(day, cal.warmup_days)
        if day >= cal.warmup_days and active < MIN_ACTIVE_SHARE * measured:
            late.append(
                (
                    loc,
                    _(
                        "{what} starts on day {day}, {left} days before the end of the horizon: "
                        "it acts on {active} of the {measured} measured days (under {share}); "
                        "lengthen the horizon to see its effect"
                    ).format(
                        what=what,
                        day=number(day),
                        left=number(cal.horizon_days - day),
                        active=number(active),
                        measured=number(measured),
                        share=pct(MIN_ACTIVE_SHARE),
                    ),
                )
            )

    pol = s.policies
    for name in DATED_POLICY_BLOCKS:
        block = getattr(pol, name)
        if block is not None:
            check(("policies", name, "start"), cal.day_of(block.start), name)
    for i, inst in enumerate(pol.installations):
        check(
            ("policies", "installations", i, "date"), cal.day_of(inst.date), _("the installation")
        )
    for i, ret in enumerate(pol.retirements):
        check(("policies", "retirements", i, "date"), cal.day_of(ret.date), _("the retirement"))
    out.extend(late)
    nurses = pol.nurses
    if nurses is not None and (nurses.list_capacity_gain or 0.0) > 0:
        out.append(
            (
                ("policies", "nurses", "list_capacity_gain"),
                "a list gain on top of the follow-ups the nurses take over counts the GP time "
                "they free twice (the follow-ups already free it); keep 0 unless the gain was "
                "measured net of the follow-ups",
            )
        )
    return out


def warning_problems(scenario: Scenario, doc: Document | None = None) -> list[Problem]:
    """:func:`scenario_warnings` as :class:`~accesssim.scenario.Problem` (file and line of each
    field when the scenario's document is given)."""
    out = []
    for loc, message in scenario_warnings(scenario):
        if doc is not None:
            file, line = doc.where(loc)
        else:
            file, line = "<scenario>", None
        out.append(Problem(file, line, dotted(loc), message))
    return out
