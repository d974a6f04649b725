"""The figure catalogue: which figures a run or a comparison has, their titles and their
how-to-read captions, written once for the HTML report and the app.

Each function takes a results directory as read by :func:`accesssim.report.load_results` and
returns :class:`FigureSpec` entries (none when the table it needs is absent): a stable ``key``,
the ``title``, ``reading`` (how to read it), ``uncertainty`` (what the bands and bars are) and
``draw``, which builds the matplotlib figure when called. The report embeds them as SVG in its
sections; the app shows them as PNG images, larger for the maps. Words come from
:mod:`accesssim.wording`, in the current language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from accesssim.analysis import mean_ci
from accesssim.i18n import N_, _, ngettext
from accesssim.report.describe import weekly_events
from accesssim.report.results import Results
from accesssim.vocabulary import HEADLINE_METRICS
from accesssim.wording import number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "FOREST_METRICS",
    "WEEKLY_SERIES",
    "FigureSpec",
    "acceptability_figure",
    "figures",
    "forest_figure",
    "map_figures",
    "outcomes_figure",
    "waits_figure",
    "weekly_figures",
]

#: The indicators of the forest plot: the headline ones but the cost (in the cost table).
FOREST_METRICS: tuple[str, ...] = tuple(m for m in HEADLINE_METRICS if not m.endswith("_cost_eur"))

#: The weekly series drawn: (series, title, unit of the y axis, how to read it).
WEEKLY_SERIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "wait_planned_mean_days",
        N_("Planned requests: mean delay to the appointment, by week of request"),
        N_("days"),
        N_(
            "Read the level after the shaded warm-up: each point is the mean delay of the "
            "planned requests made that week; a rise after a dashed line is the effect of that "
            "change."
        ),
    ),
    (
        "unscheduled_within_24h_share",
        N_("Soins non programmés seen within 24 h, by week of request"),
        N_("% of unscheduled needs"),
        N_(
            "Higher is better; winter epidemics and GP leave show as dips that every scenario "
            "shares (same patients, same days)."
        ),
    ),
    (
        "unscheduled_within_48h_share",
        N_("Soins non programmés seen within 48 h, by week of request"),
        N_("% of unscheduled needs"),
        N_("Higher is better; 48 h is the target of the SAS (service d'accès aux soins)."),
    ),
    (
        "coverage",
        N_("Adults with a médecin traitant (MT), at the start of each week"),
        N_("% of adults"),
        N_(
            "Higher is better; a slope shows MT declarations outpacing (or not) people moving "
            "in, moving out and GPs leaving."
        ),
    ),
)


@dataclass(frozen=True)
class FigureSpec:
    """One figure: what it is called, how to read it, and how to draw it."""

    key: str
    title: str
    reading: str
    uncertainty: str
    draw: Callable[[], Figure]
    wide: bool = True


def _reps(n: int) -> str:
    return ngettext("{n} replication", "{n} replications", n).format(n=n)


def forest_figure(res: Results) -> FigureSpec | None:
    """The paired differences of the headline indicators (a comparison)."""
    diffs = res.table("differences")
    if diffs is None or diffs.empty:
        return None
    from accesssim.report.figures import differences_forest, scenario_colours

    labels = res.labels
    n = int(diffs["n"].max()) if "n" in diffs else 0
    return FigureSpec(
        "forest",
        _("Change of each headline indicator from the baseline"),
        _(
            "Each dot is an alternative's difference from the baseline, in the indicator's "
            "own unit (shares in percentage points, pt, as in the tables); a filled dot whose "
            "bar stays on one side of the vertical line is a real change; the arrow says which "
            "side is better for patients. The cost is in the cost table."
        ),
        _("Bars: 95 % CI of the paired difference over {reps}.").format(reps=_reps(n)),
        lambda: differences_forest(
            diffs,
            metrics=FOREST_METRICS,
            labels=labels[1:],
            colours=scenario_colours(labels),
        ),
    )


def acceptability_figure(res: Results) -> FigureSpec | None:
    """The cost-effectiveness acceptability curves of a comparison."""
    table = res.table("acceptability")
    if table is None or table.empty:
        return None
    from accesssim.report.figures import acceptability_curves, scenario_colours

    labels = res.labels
    gains = res.table("cost_per_gain")
    n = int(gains["n"].max()) if gains is not None and "n" in gains else 0
    return FigureSpec(
        "acceptability",
        _("Probability that each alternative is cost-effective, by the price of a unit of gain"),
        _(
            "Read a curve at the most a funder would pay for one unit of gain (x): its height "
            "is the probability that the alternative is worth it against the baseline at that "
            "price (y). A curve that starts high is cheaper and better; one that stays low is "
            "worse or dearer whatever the price; where it crosses 50 % is about the cost per "
            "unit of gain."
        ),
        _(
            "Probability that the mean net benefit (price x gain - extra cost) is above 0, from "
            "its Student-t distribution over {reps} (Löthgren & Zethraeus 2000)."
        ).format(reps=_reps(n)),
        lambda: acceptability_curves(table, labels=labels[1:], colours=scenario_colours(labels)),
    )


def weekly_figures(res: Results) -> list[FigureSpec]:
    """The weekly series over the whole simulated period (a run or a comparison)."""
    weekly = res.table("weekly")
    if weekly is None or weekly.empty:
        return []
    from accesssim.report.figures import weekly_series

    labels = res.labels
    cal = res.scenarios[labels[0]].calendar
    events = weekly_events(res.scenarios, labels)
    n = int(weekly["replication"].nunique())
    present = set(weekly["series"].unique())
    out = []
    for series, title, unit, reading in WEEKLY_SERIES:
        if series not in present:
            continue
        out.append(
            FigureSpec(
                f"weekly-{series}",
                _(title),
                _(reading),
                _(
                    "Line: mean over {reps}; band: lowest to highest replication that week. "
                    "The shaded start is the warm-up (not counted); dashed lines are dated "
                    "changes. The last, incomplete week is left out."
                ).format(reps=_reps(n)),
                lambda series=series, unit=unit: weekly_series(
                    weekly,
                    series,
                    warmup_days=cal.warmup_days,
                    horizon_days=cal.horizon_days,
                    start_date=cal.start_date,
                    events=events,
                    labels=labels,
                    ylabel=_(unit),
                ),
            )
        )
    return out


def _one(
    res: Results,
    table: str,
    key: str,
    words: tuple[str, str, str],
    draw: Callable[[pd.DataFrame, list[str]], Figure],
) -> FigureSpec | None:
    """A figure of one table of the results (None when the table is absent); ``words``:
    title, reading, uncertainty (with ``{reps}``)."""
    frame = res.table(table)
    if frame is None or frame.empty:
        return None
    labels = res.labels
    n = int(frame["replication"].nunique())
    title, reading, uncertainty = words
    return FigureSpec(
        key,
        title,
        reading,
        uncertainty.format(reps=_reps(n)),
        lambda: draw(frame, labels),
    )


def waits_figure(res: Results) -> FigureSpec | None:
    """The share of appointments obtained within a given delay."""
    from accesssim.report.figures import wait_distribution

    words = (
        _("Share of appointments obtained within a given delay"),
        _(
            "Read a curve at a delay (x) to get the share of appointments obtained within it "
            "(y); a curve further left means shorter waits; compare the right panel with the "
            "DREES 2018 survey (black lines: median 2 days, mean 6 days), which covers all GP "
            "appointments."
        ),
        _(
            "Line: mean over {reps}; band: lowest to highest replication. Dots (medians) and "
            "triangles (means) are means of the replications' values."
        ),
    )
    return _one(res, "waits", "waits", words, lambda t, labs: wait_distribution(t, labels=labs))


def outcomes_figure(res: Results) -> FigureSpec | None:
    """Where unscheduled needs end up."""
    from accesssim.report.figures import outcome_flows

    words = (
        _("Where soins non programmés end up"),
        _(
            "Each bar is 100 % of the unscheduled needs of a scenario: the longer the green "
            "part (seen by a GP) and the shorter the red and grey parts (emergency department, "
            "forgone care), the better."
        ),
        _("Segments: mean share over {reps}."),
    )
    return _one(res, "outcomes", "outcomes", words, lambda t, labs: outcome_flows(t, labels=labs))


def _map_uncertainty(res: Results, label: str, paired: bool) -> str:
    communes = res.table("communes")
    assert communes is not None
    base = communes[communes["scenario"] == label]
    n = int(base["replication"].nunique())
    half = []
    for insee, g in base.groupby("insee", sort=True):
        e = mean_ci(g["mt_coverage"].to_numpy(dtype=float))
        half.append((e.half_width, str(g["name"].iloc[0]), str(insee)))
    finite = [h for h in half if not math.isnan(h[0])]
    if finite:
        med = float(np.median([h[0] for h in finite]))
        worst = max(finite, key=lambda h: (h[0], h[2]))
        text = _(
            "Colours are means over {reps}; the 95 % CI of a commune's MT coverage is ±{med} pt "
            "for the median commune and up to ±{worst} pt ({name}): small communes vary most."
        ).format(
            reps=_reps(n),
            med=number(100 * med, 1),
            worst=number(100 * worst[0], 1),
            name=worst[1],
        )
    else:
        text = _("Colours are means over {reps} (too few for a CI).").format(reps=_reps(n))
    if paired:
        text += " " + _("Differences are means of paired differences (same replications).")
    return text


def map_figures(res: Results, *, width: float = 7.2, fontsize: float = 6.5) -> list[FigureSpec]:
    """Per-commune maps: the baseline's results, then each alternative's difference from it.
    None for an aspatial territory or communes without coordinates (the report says why)."""
    from accesssim.report.maps import commune_maps, has_coordinates

    communes = res.table("communes")
    if not has_coordinates(communes):
        return []
    assert communes is not None
    present = set(communes["scenario"])
    labels = [lab for lab in res.labels if lab in present]
    base = labels[0]
    cells = _(
        "Each cell is a commune: the area nearer its town hall than any other, cut to the "
        "territory (approximate boundaries); the largest communes are named."
    )
    out = [
        FigureSpec(
            "map",
            _("By commune: {label}").format(label=base),
            cells
            + " "
            + _(
                "Dark cells have fewer adults with an MT or fewer needs met within 48 h, more "
                "adults without an MT or more ED visits: look there first."
            ),
            _map_uncertainty(res, base, paired=False),
            lambda: commune_maps(communes, label=base, width=width, fontsize=fontsize),
        )
    ]
    for alt in labels[1:]:
        out.append(
            FigureSpec(
                f"map-{alt}",
                _("By commune: {alt} minus {base}").format(alt=alt, base=base),
                cells
                + " "
                + _(
                    "Blue cells are better for patients under {alt}, red cells worse; white "
                    "is no change."
                ).format(alt=alt),
                _map_uncertainty(res, base, paired=True),
                lambda alt=alt: commune_maps(
                    communes, label=alt, reference=base, width=width, fontsize=fontsize
                ),
            )
        )
    return out


def figures(res: Results, *, map_width: float = 7.2, map_fontsize: float = 6.5) -> list[FigureSpec]:
    """Every figure of a run or a comparison, in the report's order."""
    out: list[FigureSpec] = []
    forest = forest_figure(res) if res.kind == "compare" else None
    if forest is not None:
        out.append(forest)
    ceac = acceptability_figure(res) if res.kind == "compare" else None
    if ceac is not None:
        out.append(ceac)
    out += weekly_figures(res)
    for one in (waits_figure(res), outcomes_figure(res)):
        if one is not None:
            out.append(one)
    out += map_figures(res, width=map_width, fontsize=map_fontsize)
    return out
