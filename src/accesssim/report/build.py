"""The HTML report of a results directory: one self-contained file, readable offline.

:func:`report` reads a results directory (``accesssim run``, ``compare`` or ``sweep`` with
``--out``), draws the figures of :mod:`accesssim.report.figures` as inline SVG and fills the
jinja2 template ``templates/report.html.j2`` (package data). The page has no JavaScript, no
external resource (fonts, styles and figures are inside), prints on A4, and is byte-for-byte
the same for the same results (its date is the results' own ``created`` date).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from accesssim._version import __version__
from accesssim.analysis import mean_ci
from accesssim.model import METRIC_NAMES, METRICS
from accesssim.report.describe import (
    BETTER,
    HEADLINE,
    OUTCOME_LABELS,
    WEEKLY_SERIES,
    fmt_ci,
    fmt_diff,
    fmt_eur,
    fmt_int,
    fmt_value,
    metric_label,
    metric_unit,
    policy_rows,
    scenario_facts,
    weekly_events,
)
from accesssim.report.results import Results, load_results
from accesssim.scenario.errors import InputError, Problem

__all__ = ["render_report", "report"]


TEMPLATE = "report.html.j2"


# ---------------------------------------------------------------------------------------------
# Building blocks handed to the template
# ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A table cell: a main text and an optional small second line."""

    text: str
    sub: str = ""
    cls: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    note: str = ""
    numeric: list[bool] = field(default_factory=list)
    kind: str = "table"


@dataclass
class FigureBlock:
    number: int
    title: str
    svg: str
    reading: str
    uncertainty: str
    wide: bool = True
    kind: str = "figure"


@dataclass
class Note:
    text: str
    kind: str = "note"


@dataclass
class Section:
    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)


def _c(text: Any, sub: str = "", cls: str = "") -> Cell:
    return Cell(str(text), sub, cls)


class _Figures:
    """Numbers the figures and turns them into SVG blocks."""

    def __init__(self) -> None:
        self.count = 0

    def add(
        self,
        make: Callable[[], Any],
        title: str,
        reading: str,
        uncertainty: str,
        wide: bool = True,
    ) -> FigureBlock:
        from accesssim.report.figures import figure_svg

        self.count += 1
        fig = make()
        svg = figure_svg(fig, prefix=f"fig{self.count}", label=f"Figure {self.count}. {title}")
        return FigureBlock(self.count, title, svg, reading, uncertainty, wide)


# ---------------------------------------------------------------------------------------------
# Helpers on the tables
# ---------------------------------------------------------------------------------------------


def _estimates(metrics: pd.DataFrame, label: str) -> dict[str, Any]:
    part = metrics[metrics["scenario"] == label]
    out = {}
    for metric, g in part.groupby("metric", sort=False):
        out[str(metric)] = mean_ci(g.sort_values("replication")["value"].to_numpy(dtype=float))
    return out


def _command(meta: dict[str, Any]) -> str:
    argv = meta.get("command") or []
    if not isinstance(argv, list) or not argv:
        return "–"
    first = os.path.basename(str(argv[0]))
    if first in ("accesssim", "cli.py", "__main__.py") or first.startswith("accesssim"):
        first = "accesssim"
    return " ".join(shlex.quote(str(a)) for a in [first, *argv[1:]])


def _replication_text(reps: Sequence[int]) -> str:
    reps = sorted(int(r) for r in reps)
    if not reps:
        return "none"
    if reps == list(range(reps[0], reps[-1] + 1)):
        span = f"numbers {reps[0]}–{reps[-1]}" if len(reps) > 1 else f"number {reps[0]}"
    else:
        span = "numbers " + ", ".join(map(str, reps))
    return f"{len(reps)} ({span})"


def _created(meta: dict[str, Any]) -> str:
    raw = str(meta.get("created", ""))
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw or "unknown"
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()


def _mean_costs(costs: pd.DataFrame | None, label: str) -> dict[str, Any]:
    if costs is None:
        return {}
    part = costs[costs["scenario"] == label]
    return {
        str(p): mean_ci(g.sort_values("replication")["eur"].to_numpy(dtype=float))
        for p, g in part.groupby("policy", sort=False)
    }


def _eur_ci(est: Any) -> Cell:
    if est is None:
        return _c("–")
    sub = f"[{est.low:,.0f}, {est.high:,.0f}]" if est.n >= 2 and not math.isnan(est.low) else ""
    return _c(fmt_eur(est.mean), sub)


def _reading(metric: str, row: Any) -> str:
    if not bool(row["significant"]):
        return "no clear change"
    up = float(row["diff"]) > 0
    if metric == "policy_cost_eur":
        return "costs more" if up else "costs less"
    better = BETTER.get(metric)
    if better is None:
        return "higher" if up else "lower"
    return "better" if (up == (better > 0)) else "worse"


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def _how_to_read(res: Results) -> list[str]:
    common = (
        "Every number comes from a simulation: the territory's inhabitants fall ill, ask for "
        "appointments and are booked into their GPs' agendas day by day. A replication is one "
        "simulated period with its own random patients; the report gives the mean over the "
        "replications and a 95 % confidence interval (CI, in brackets or as a shaded band): "
        "where the mean would most likely lie with many more replications. A wide interval "
        "calls for more replications, not for a conclusion."
    )
    measured = (
        "Results count from the end of the warm-up (the shaded start of the time series), once "
        "agendas are in their usual state. Shares are in %, their differences in percentage "
        "points (pt); costs are the public payer's, in euros over the measured period."
    )
    if res.kind == "run":
        first = (
            "This report describes one scenario: a territory and a policy mix. Start with the "
            "headline table, then the time series (is the year stable?), the waits, what "
            "happens to soins non programmés (same-day needs), and the map."
        )
    elif res.kind == "compare":
        first = (
            "This report compares alternatives with a baseline. All scenarios ran with the same "
            "seeds: replication i of each faces the same patients with the same needs on the "
            "same days, so the differences come from the policies. Start with the forest plot "
            "of differences: a filled dot whose bar does not cross the vertical line is a "
            "change the simulation can tell apart from chance."
        )
    elif res.kind == "optimise":
        from accesssim.report.decide import OPTIMISE_HOW_TO_READ

        first = OPTIMISE_HOW_TO_READ
    else:
        first = (
            "This report describes a sweep: the same territory run at many combinations of "
            "levers (the design), to find which levers matter most. Start with the sensitivity "
            "charts (longest bars first), then the response plots of the most influential "
            "lever."
        )
    return [first, common, measured]


def _territory_words(res: Results, label: str) -> str:
    f = scenario_facts(res.scenarios[label])
    return (
        f"{f['territory']}: {f['communes']:,} commune(s), {fmt_int(f['population'])} "
        f"inhabitants, {f['gps']:,} GPs, {100 * f['without_mt_share']:.0f} % of adults without "
        "an MT at the start"
    )


def _policy_names(res: Results, label: str) -> list[str]:
    return list(dict.fromkeys(p["name"] for p in policy_rows(res.scenarios[label])))


def _period_words(res: Results, label: str) -> str:
    f = scenario_facts(res.scenarios[label])
    return (
        f"{f['horizon_days']} simulated days from {f['start_date']}: {f['warmup_days']} days of "
        f"warm-up, then {f['measured_days']} days measured"
    )


def _summary(res: Results) -> list[str]:
    """What was simulated, in a few sentences (the details follow the results)."""
    n = len(res.meta.get("replications") or [])
    first = res.labels[0]
    if res.kind == "run":
        pols = ", ".join(_policy_names(res, first)) or "none"
        return [
            f"Scenario {first}. {_territory_words(res, first)}.",
            f"Policies: {pols}.",
            f"{n} replication(s); {_period_words(res, first)}.",
        ]
    if res.kind == "compare":
        base_rows = {(p["key"], p["words"], p["start"]) for p in policy_rows(res.scenarios[first])}
        out = [
            f"Baseline {first}. {_territory_words(res, first)}. Policies: "
            + (", ".join(_policy_names(res, first)) or "none")
            + "."
        ]
        for alt in res.labels[1:]:
            rows = policy_rows(res.scenarios[alt])
            changed = [
                p["name"] for p in rows if (p["key"], p["words"], p["start"]) not in base_rows
            ]
            keys = {p["key"] for p in rows}
            dropped = [p["name"] for p in policy_rows(res.scenarios[first]) if p["key"] not in keys]
            what = "; ".join(
                part
                for part in (
                    ", ".join(dict.fromkeys(changed))
                    and "added or changed: " + ", ".join(dict.fromkeys(changed)),
                    ", ".join(dict.fromkeys(dropped))
                    and "removed: " + ", ".join(dict.fromkeys(dropped)),
                )
                if part
            )
            out.append(f"Alternative {alt}: {what or 'same policies as the baseline'}.")
        out.append(
            f"{n} paired replication(s) per scenario (same seeds); {_period_words(res, first)}."
        )
        return out
    if res.kind == "optimise":
        from accesssim.report.decide import optimise_summary

        return [f"Base scenario {first}. {_territory_words(res, first)}.", *optimise_summary(res)]
    design = res.meta.get("design") or {}
    factors = ", ".join(str(f.get("name") or f.get("path")) for f in res.meta.get("factors") or [])
    wanted = ", ".join(metric_label(m) for m in res.meta.get("metrics") or [])
    return [
        f"Base scenario {first}. {_territory_words(res, first)}.",
        f"Design: {design.get('kind', '?')}, {res.meta.get('points', '?')} points x {n} "
        f"replication(s), varying {factors}.",
        f"Indicators analysed: {wanted}; {_period_words(res, first)}.",
    ]


def _experiment_section(res: Results) -> Section:
    meta = res.meta
    reps = meta.get("replications") or []
    rows = [
        [_c("Kind of results"), _c(_kind_words(res))],
        [_c("Results created"), _c(_created(meta))],
        [_c("Command"), _c(_command(meta), cls="code")],
        [
            _c("Seed"),
            _c(
                f"root seed {meta.get('seed', '–')}; replication i draws its random numbers "
                f"from child i of numpy SeedSequence({meta.get('seed', '–')})"
            ),
        ],
        [
            _c("Replications"),
            _c(_replication_text(reps) + (" per point" if res.kind == "sweep" else "")),
        ],
        [
            _c("Software"),
            _c(
                f"accesssim {meta.get('accesssim_version', '–')} (results), "
                f"accesssim {__version__} (this report), Python {meta.get('python', '–')}"
            ),
        ],
        [_c("Results directory"), _c(res.path.name + "/", cls="code")],
    ]
    if meta.get("executor"):
        rows.insert(5, [_c("Executor"), _c(str(meta["executor"]))])
    table = Table(columns=["", ""], rows=rows, kind="facts")
    sec = Section("experiment", "The experiment", blocks=[table])
    return sec


def _kind_words(res: Results) -> str:
    n = len(res.meta.get("replications") or [])
    if res.kind == "optimise":
        return (
            f"optimisation {res.meta.get('name', '')}: "
            f"{res.meta.get('mixes_evaluated', '?')} mixes, up to {n} replication(s) each "
            "(accesssim optimise)"
        )
    if res.kind == "run":
        return f"one scenario, {n} independent replication(s) (accesssim run)"
    if res.kind == "compare":
        k = len(res.labels) - 1
        return (
            f"comparison of {k} alternative(s) with the baseline {res.labels[0]}, {n} paired "
            "replication(s) each (accesssim compare)"
        )
    design = res.meta.get("design") or {}
    return (
        f"sweep {res.meta.get('name', '')}: {design.get('kind', '?')} design, "
        f"{res.meta.get('points', '?')} points x {n} replication(s) (accesssim sweep)"
    )


def _scenario_blocks(res: Results, labels: Sequence[str], with_costs: bool) -> list[Any]:
    costs = res.table("costs") if with_costs else None
    blocks: list[Any] = []
    for lab in labels:
        sc = res.scenarios[lab]
        f = scenario_facts(sc)
        title = lab if lab == sc.name else f"{lab} (scenario {sc.name})"
        facts = [
            [_c("Territory"), _c(f["territory"])],
            [
                _c("Communes"),
                _c(
                    f"{f['communes']:,}"
                    + ("" if f["spatial"] else " (aspatial: one place, no distances)")
                ),
            ],
            [_c("Inhabitants"), _c(fmt_int(f["population"]))],
            [
                _c("GPs"),
                _c(f"{f['gps']:,} ({f['gps_per_100k']:.0f} per 100,000 inhabitants)"),
            ],
            [
                _c("Adults without an MT at the start"),
                _c(
                    f"{100 * f['without_mt_share']:.1f} % (with an ALD: "
                    f"{100 * f['without_mt_share_ald']:.1f} %)"
                ),
            ],
            [
                _c("Simulated period"),
                _c(
                    f"{f['start_date']} to {f['end_date']} ({f['horizon_days']} days): "
                    f"{f['warmup_days']} days of warm-up, then {f['measured_days']} days measured "
                    f"from {f['measure_start']}"
                ),
            ],
        ]
        blocks.append(
            Table(columns=["", ""], rows=facts, caption=title, note=f["description"], kind="facts")
        )
        prow = policy_rows(sc)
        mc = _mean_costs(costs, lab)
        if prow:
            rows, seen = [], set()
            for p in prow:
                row = [_c(p["name"]), _c(p["words"]), _c(p["start"])]
                if with_costs:
                    if p["key"] in seen:
                        row.append(_c("(above)"))
                    else:
                        row.append(_eur_ci(mc.get(p["key"])))
                    seen.add(p["key"])
                rows.append(row)
            columns = ["Policy", "What it does", "Starts"]
            numeric = [False, False, False]
            if with_costs:
                columns.append("Cost, measured period (mean [95 % CI])")
                numeric.append(True)
                total = mc.get("total")
                if total is not None:
                    rows.append([_c("Total", cls="strong"), _c(""), _c(""), _eur_ci(total)])
                net = mc.get("medical_assistants_gp_net_cost")
                if net is not None:
                    rows.append(
                        [
                            _c("Medical assistants: GPs' own net cost"),
                            _c("Salary minus the CNAM aid, paid by the GPs (not in the total)."),
                            _c(""),
                            _eur_ci(net),
                        ]
                    )
            blocks.append(
                Table(
                    columns=columns,
                    rows=rows,
                    numeric=numeric,
                    caption=f"Policies of {lab}",
                )
            )
        else:
            blocks.append(
                Note(
                    f"{lab}: no policy block is on (no reserved slots, no "
                    "teleconsultation, no other policy)."
                )
            )
    return blocks


def _headline_section(res: Results, labels: Sequence[str]) -> Section:
    metrics = res.table("metrics")
    assert metrics is not None
    est = {lab: _estimates(metrics, lab) for lab in labels}
    shown = [
        m
        for m in (*HEADLINE, "mt_coverage_start", "wait_all_mean_days", "wait_all_median_days")
        if any(m in est[lab] for lab in labels)
    ]
    shown = list(dict.fromkeys(shown))
    rows = []
    single = len(labels) == 1
    for m in shown:
        row = [_c(metric_label(m), m, cls="metric")]
        for lab in labels:
            e = est[lab].get(m)
            if e is None:
                row += [_c("–"), _c("–")] if single else [_c("–")]
            elif single:
                row += [_c(fmt_value(m, e.mean)), _c(fmt_ci(m, e.low, e.high))]
            else:
                row.append(_c(fmt_value(m, e.mean), fmt_ci(m, e.low, e.high)))
        row.append(_c(metric_unit(m)))
        rows.append(row)
    if single:
        columns = ["Indicator", "Mean", "95 % CI", "Unit"]
        numeric = [False, True, True, False]
    else:
        columns = ["Indicator", *labels, "Unit"]
        numeric = [False] + [True] * len(labels) + [False]
    n = min((e.n for lab in labels for e in est[lab].values()), default=0)
    table = Table(
        columns=columns,
        rows=rows,
        numeric=numeric,
        caption="Headline indicators over the measured period"
        + ("" if single else ": mean [95 % CI]"),
        note=(
            f"Mean over {n} replication(s) and Student-t 95 % confidence interval. Definitions "
            "of every indicator are in the appendix (and in docs/metrics.md); ALD: long-term "
            "condition (affection de longue durée)."
        ),
    )
    intro = [
        "What a planner reads first: waits, soins non programmés met in time, emergency "
        "visits and forgone care, the share of adults with a médecin traitant, GP activity "
        "and the cost of the policy mix."
    ]
    return Section("headline", "Headline results", intro=intro, blocks=[table])


def _comparison_section(res: Results, figs: _Figures) -> Section | None:
    diffs = res.table("differences")
    gains = res.table("cost_per_gain")
    labels = res.labels
    base, alts = labels[0], labels[1:]
    sec = Section(
        "differences",
        f"Differences with the baseline ({base})",
        intro=[
            "Each difference is the mean, over replications, of (alternative - baseline) for "
            "the same replication: paired, so the noise both share cancels out. The 95 % CI "
            "comes from the spread of these paired differences."
        ],
    )
    if diffs is None or diffs.empty:
        sec.blocks.append(
            Note("differences.parquet is missing: the comparison did not finish any paired run.")
        )
        return sec
    from accesssim.report.figures import differences_forest, scenario_colours

    colours = scenario_colours(labels)
    forest_metrics = [m for m in HEADLINE if m != "policy_cost_eur"]
    n = int(diffs["n"].max()) if "n" in diffs else 0
    sec.blocks.append(
        figs.add(
            lambda: differences_forest(diffs, metrics=forest_metrics, labels=alts, colours=colours),
            "Change of each headline indicator relative to the baseline",
            "Each dot is an alternative's change in % of the baseline mean; a filled dot whose "
            "bar stays on one side of the vertical line is a real change; the label says "
            "which side is better for patients. The cost is in the cost table below.",
            f"Bars: 95 % CI of the paired difference over {n} replications (divided by the "
            "baseline mean).",
        )
    )
    for alt in alts:
        part = diffs[diffs["alternative"] == alt].set_index("metric")
        rows = []
        for m in HEADLINE:
            if m not in part.index:
                continue
            r = part.loc[m]
            rel = float(r["relative"])
            rows.append(
                [
                    _c(metric_label(m), m, cls="metric"),
                    _c(fmt_value(m, float(r["base_mean"]))),
                    _c(fmt_value(m, float(r["alt_mean"]))),
                    _c(
                        fmt_diff(m, float(r["diff"])),
                        fmt_ci_diff(m, float(r["low"]), float(r["high"])),
                        cls="strong" if bool(r["significant"]) else "",
                    ),
                    _c("–" if math.isnan(rel) else f"{100 * rel:+.1f} %"),
                    _c(_reading(m, r)),
                ]
            )
        sec.blocks.append(
            Table(
                columns=["Indicator", base, alt, "Difference [95 % CI]", "Change", "Reading"],
                rows=rows,
                numeric=[False, True, True, True, True, False],
                caption=f"{alt} against {base}: paired differences",
                note="Bold: the 95 % CI excludes 0. Shares differ in percentage points (pt); "
                "'change' is the difference relative to the baseline mean.",
            )
        )
    if gains is not None and not gains.empty:
        rows = []
        for r in gains.itertuples():
            per = float(r.eur_per_unit)
            if math.isnan(per):
                per_txt = "– (gain not above 0)"
            elif per < 0:
                per_txt = f"gains and saves EUR {-per:,.0f} per unit"
            else:
                per_txt = f"EUR {per:,.0f}"
            rows.append(
                [
                    _c(str(r.alternative)),
                    _c(str(r.description)),
                    _c(f"{float(r.extra_cost_eur):+,.0f}"),
                    _c(
                        f"{float(r.gain_mean):,.0f}",
                        f"[{float(r.gain_low):,.0f}, {float(r.gain_high):,.0f}]",
                    ),
                    _c(per_txt),
                ]
            )
        sec.blocks.append(
            Table(
                columns=[
                    "Alternative",
                    "Gain (unit)",
                    "Extra cost (EUR)",
                    "Gain [95 % CI] (units)",
                    "Cost per unit of gain",
                ],
                rows=rows,
                numeric=[False, False, True, True, True],
                caption="Cost per unit of gain",
                note="Extra cost over the measured period divided by the gain over the whole "
                "territory; shown only when the gain's 95 % CI lies above 0. 'Gains and saves' "
                "means the alternative is better and cheaper.",
            )
        )
    else:
        sec.blocks.append(Note("cost_per_gain.parquet is missing: no cost-per-gain table."))
    return sec


def fmt_ci_diff(metric: str, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{fmt_diff(metric, low)}, {fmt_diff(metric, high)}]"


def _weekly_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "time",
        "Over time",
        intro=[
            "Weekly values over the whole simulated period. The shaded start is the warm-up "
            "(agendas filling up; not counted in the results); dashed lines mark dated "
            "changes: policy starts, GP arrivals and departures (policies in force from day 0 "
            "have no line)."
        ],
    )
    weekly = res.table("weekly")
    if weekly is None or weekly.empty:
        sec.blocks.append(Note("No weekly series in these results (weekly.parquet is absent)."))
        return sec
    sc0 = res.scenarios[labels[0]]
    cal = sc0.calendar
    events = weekly_events(res.scenarios, labels)
    from accesssim.report.figures import weekly_series

    n = int(weekly["replication"].nunique())
    for series, title, unit, reading in WEEKLY_SERIES:
        if series not in set(weekly["series"].unique()):
            continue
        sec.blocks.append(
            figs.add(
                lambda series=series, unit=unit: weekly_series(
                    weekly,
                    series,
                    warmup_days=cal.warmup_days,
                    horizon_days=cal.horizon_days,
                    start_date=cal.start_date,
                    events=events,
                    labels=labels,
                    ylabel=unit,
                ),
                title,
                reading,
                f"Line: mean over {n} replication(s); band: lowest to highest replication "
                "that week. The last, incomplete week is left out.",
            )
        )
    return sec


def _waits_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "waits",
        "Waiting times",
        intro=[
            "The delay from the request to the appointment, in calendar days, for the "
            "requests of the measured period that got an appointment (GP, teleconsultation or "
            "nurse). Part of the delay of planned requests is wanted: a renewal or a check-up "
            "is booked ahead on purpose."
        ],
    )
    waits = res.table("waits")
    if waits is None or waits.empty:
        sec.blocks.append(Note("No wait distribution in these results (waits.parquet is absent)."))
        return sec
    from accesssim.report.figures import WAIT_PANELS, wait_distribution, wait_summary

    n = int(waits["replication"].nunique())
    sec.blocks.append(
        figs.add(
            lambda: wait_distribution(waits, labels=labels),
            "Share of appointments obtained within a given delay",
            "Read a curve at a delay (x) to get the share of appointments obtained within it "
            "(y); a curve further left means shorter waits; compare the right panel with the "
            "DREES 2018 survey (black lines), which covers all GP appointments.",
            f"Line: mean over {n} replication(s); band: lowest to highest replication. "
            "Dots (medians) and triangles (means) are means of the replications' values; the "
            "table below lists them.",
        )
    )
    rows = []
    for lab in labels:
        part = waits[waits["scenario"] == lab]
        for title, kinds in WAIT_PANELS:
            s = wait_summary(part, kinds)
            rows.append(
                [
                    _c(lab),
                    _c(title),
                    _c(f"{s['median']:.1f}"),
                    _c(f"{s['mean']:.1f}"),
                ]
            )
    rows.append([_c("DREES 2018 survey"), _c("All GP appointments"), _c("2"), _c("6")])
    sec.blocks.append(
        Table(
            columns=["Scenario", "Requests", "Median (days)", "Mean (days)"],
            rows=rows,
            numeric=[False, False, True, True],
            caption="Median and mean delay to the appointment",
            note="DREES, Études et résultats n° 1085 (2018). The headline table gives the "
            "95 % CIs of the same medians and means.",
        )
    )
    return sec


def _outcomes_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "outcomes",
        "What happens to soins non programmés",
        intro=[
            "Every unscheduled need (to be seen within 24 h or 48 h) of the measured period "
            "ends in exactly one place: seen by the patient's own MT, by another GP (a "
            "colleague, another GP of the territory or the CPTS rota), by teleconsultation, a "
            "pharmacist or a nurse; or it ends at the emergency department, without care, or "
            "still waiting for an appointment booked after the end of the simulation."
        ],
    )
    outcomes = res.table("outcomes")
    if outcomes is None or outcomes.empty:
        sec.blocks.append(Note("No outcome counts in these results (outcomes.parquet is absent)."))
        return sec
    from accesssim.report.figures import outcome_flows, outcome_shares

    n = int(outcomes["replication"].nunique())
    sec.blocks.append(
        figs.add(
            lambda: outcome_flows(outcomes, labels=labels),
            "Where soins non programmés end up",
            "Each bar is 100 % of the unscheduled needs of a scenario; the longer the green "
            "part (seen by a GP) and the shorter the red and grey parts (emergency "
            "department, forgone care), the better.",
            f"Segments: mean share over {n} replication(s); the table below gives each share "
            "with its 95 % CI.",
        )
    )
    shares = outcome_shares(outcomes)
    rows = []
    for outcome, name in OUTCOME_LABELS.items():
        row = [_c(name)]
        for lab in labels:
            vals = shares[(shares["scenario"] == lab) & (shares["outcome"] == outcome)]
            e = mean_ci(vals.sort_values("replication")["share"].to_numpy(dtype=float))
            if e.n == 0:
                row.append(_c("–"))
                continue
            ci = (
                f"[{100 * e.low:.1f}, {100 * e.high:.1f}]"
                if e.n >= 2 and not math.isnan(e.low)
                else ""
            )
            row.append(_c(f"{100 * e.mean:.1f} %", ci))
        rows.append(row)
    sec.blocks.append(
        Table(
            columns=["Outcome", *labels],
            rows=rows,
            numeric=[False] + [True] * len(labels),
            caption="Outcome of soins non programmés, % (mean [95 % CI])",
        )
    )
    return sec


def _map_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section("map", "Where people lack a médecin traitant")
    communes = res.table("communes")
    from accesssim.report.figures import commune_map, has_coordinates

    if communes is None or communes.empty:
        sec.blocks.append(Note("No commune table in these results (communes.parquet is absent)."))
        return sec
    if not has_coordinates(communes):
        n = communes["insee"].nunique()
        why = (
            "the territory is aspatial (one place holding the whole population, no distances)"
            if n <= 1
            else "some communes have no coordinates (lat, lon) in the scenario"
        )
        sec.blocks.append(Note(f"No map: {why}."))
        return sec
    names = [lab for lab in labels if lab in set(communes["scenario"])]
    base = communes[communes["scenario"] == names[0]]
    half = []
    for insee, g in base.groupby("insee", sort=True):
        e = mean_ci(g["mt_coverage"].to_numpy(dtype=float))
        half.append((e.half_width, str(g["name"].iloc[0]), str(insee)))
    finite = [h for h in half if not math.isnan(h[0])]
    n = int(base["replication"].nunique())
    if finite:
        med = float(np.median([h[0] for h in finite]))
        worst = max(finite, key=lambda h: (h[0], h[2]))
        unc = (
            f"Colours are means over {n} replication(s); the 95 % CI of a commune's coverage "
            f"is +/-{100 * med:.1f} pt for the median commune and up to "
            f"+/-{100 * worst[0]:.1f} pt ({worst[1]}): small communes vary most."
        )
    else:
        unc = f"Colours are means over {n} replication(s) (too few for a CI)."
    if len(names) > 1:
        unc += " Changes are means of paired differences (same replications)."
    reading = (
        "Each dot is a commune's town hall, sized by its population; yellow is a high share of "
        "adults with an MT, dark blue a low one"
        + (
            "; for alternatives, blue communes gain and red communes lose compared with the "
            "baseline."
            if len(names) > 1
            else "."
        )
    )
    sec.blocks.append(
        figs.add(
            lambda: commune_map(communes, labels=names),
            "Share of adults with a médecin traitant at the end, by commune",
            reading,
            unc,
        )
    )
    return sec


# -- sweeps -----------------------------------------------------------------------------------


def _experiment_description(res: Results) -> str:
    path = res.path / "experiment.yaml"
    if not path.is_file():
        return ""
    try:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except Exception:  # the copy is informative only
        return ""
    return str(data.get("description", "")).strip() if isinstance(data, dict) else ""


def _design_section(res: Results) -> Section:
    meta = res.meta
    design = meta.get("design") or {}
    kind = design.get("kind", "?")
    words = {
        "grid": "a full grid: every combination of the factors' levels",
        "lhs": "a Latin hypercube: points spread evenly over the factors' ranges "
        "(scipy.stats.qmc), analysed with partial rank correlations (PRCC)",
        "sobol": "a Saltelli/Sobol sample (SALib), analysed with Sobol variance indices",
    }.get(kind, kind)
    rows = []
    for f in meta.get("factors") or []:
        if f.get("levels") is not None:
            span = "levels: " + ", ".join(str(v) for v in f["levels"])
        elif f.get("range") is not None:
            lo, hi = f["range"]
            span = f"{lo:g} to {hi:g}"
        else:
            span = "–"
        ftype = f.get("type") or ("categorical" if f.get("levels") is not None else "continuous")
        rows.append(
            [_c(f.get("name") or f["path"]), _c(f["path"], cls="code"), _c(span), _c(ftype)]
        )
    desc = _experiment_description(res)
    intro = [desc] if desc else []
    intro.append(
        f"Design: {words}; {meta.get('points', '?')} points, "
        f"{len(meta.get('replications') or [])} replication(s) per point with the same seeds at "
        "every point (common random numbers)."
    )
    table = Table(
        columns=["Factor", "Scenario field", "Values", "Type"],
        rows=rows,
        caption="Factors varied by the design",
    )
    return Section("design", "The design of the sweep", intro=intro, blocks=[table])


def _sweep_results_section(res: Results) -> Section:
    metrics = res.table("metrics")
    assert metrics is not None
    wanted = list(res.meta.get("metrics") or [])
    rows = []
    for m in wanted:
        part = metrics[metrics["metric"] == m]
        if part.empty:
            continue
        means = part.groupby("point")["value"].mean()
        rows.append(
            [
                _c(metric_label(m), m, cls="metric"),
                _c(fmt_value(m, float(means.min()))),
                _c(fmt_value(m, float(means.median()))),
                _c(fmt_value(m, float(means.max()))),
                _c(metric_unit(m)),
            ]
        )
    points = int(metrics["point"].nunique())
    runs = len(metrics[["point", "replication"]].drop_duplicates())
    expected = int(res.meta.get("points") or 0) * len(res.meta.get("replications") or [])
    blocks: list[Any] = [
        Table(
            columns=["Indicator", "Lowest point", "Median point", "Highest point", "Unit"],
            rows=rows,
            numeric=[False, True, True, True, False],
            caption="Range of the indicators of interest over the design",
            note=f"Point values are means over the replications of each point; {points} points, "
            f"{runs} runs.",
        )
    ]
    if expected and runs < expected:
        blocks.insert(
            0,
            Note(
                f"Incomplete sweep: {runs} of {expected} runs are in these results; finish it "
                "with accesssim sweep EXPERIMENT --out DIR --resume."
            ),
        )
    return Section("sweep-results", "Indicators across the design", blocks=blocks)


def _sensitivity_section(res: Results, figs: _Figures) -> list[Section]:
    indices = res.table("sensitivity-indices")
    design = res.table("design")
    metrics = res.table("metrics")
    sens = Section(
        "sensitivity",
        "Which levers matter most",
        intro=[
            "Sensitivity indices rank the factors by their influence on each indicator, over "
            "the ranges of the design. They describe this territory and these ranges, not a "
            "general law."
        ],
    )
    if indices is None or indices.empty:
        sens.blocks.append(
            Note(
                "No sensitivity indices (sensitivity-indices.parquet is absent): the sweep did "
                "not finish; complete it with --resume."
            )
        )
        return [sens]
    from accesssim.report.figures import (
        prcc_interval,
        response_scatter,
        sensitivity_tornado,
        top_factor,
    )

    assert metrics is not None
    assert design is not None
    n_points = int(metrics.groupby("point")["value"].size().size)
    kind = (res.meta.get("design") or {}).get("kind", "")
    reading, unc = {
        "sobol": (
            "The longer a factor's bars, the more of the indicator's variance it explains: "
            "S1 alone, ST with its interactions; a factor whose ST is near 0 does not matter.",
            "Black bars: 95 % bootstrap CI of each index (SALib), cut at the edges of the "
            "chart; CIs that reach below 0 mean the sample is too small to pin the index down "
            "(more base samples are needed).",
        ),
        "lhs": (
            "Bars to the right: the indicator rises with the factor; to the left: it falls; "
            "the longer the bar, the stronger the link once the other factors are accounted for.",
            "Black bars: approximate 95 % CI (Fisher z); p-values (t test) at the bar ends: "
            "p < 0.05 is a link unlikely to come from chance.",
        ),
        "grid": (
            "Each bar spans the lowest to the highest mean of the indicator over a factor's "
            "levels (averaged over the other factors); longer bars matter more.",
            "A grid gives no confidence interval for main effects; the spread between "
            "replications is in the response plots.",
        ),
    }.get(kind, ("", ""))
    resp = Section(
        "response",
        "How each indicator responds to its most influential lever",
        intro=[
            "Each dot is one design point: the mean of its replications; the other factors "
            "vary from point to point, which makes the scatter."
        ],
    )
    n_reps = len(res.meta.get("replications") or [])
    k = int(indices["factor"].nunique())
    wanted = list(dict.fromkeys(indices["metric"].tolist()))
    for metric in wanted:
        sens.blocks.append(
            figs.add(
                lambda metric=metric: sensitivity_tornado(indices, metric, n_points=n_points),
                f"Sensitivity: {metric_label(metric)}",
                reading,
                unc,
            )
        )
        part = indices[indices["metric"] == metric]
        rows = []
        approx = False
        for r in part.itertuples():
            low, high = float(r.low), float(r.high)
            if r.method == "prcc" and math.isnan(low):
                low, high = prcc_interval(float(r.value), n_points, k)
                approx = not math.isnan(low)
            ci = "" if math.isnan(low) else f"[{low:.3f}, {high:.3f}]"
            p = "" if math.isnan(float(r.p_value)) else f"{float(r.p_value):.2g}"
            rows.append(
                [
                    _c(str(r.factor)),
                    _c(str(r.measure)),
                    _c(f"{float(r.value):.3f}"),
                    _c(ci),
                    _c(p),
                ]
            )
        sens.blocks.append(
            Table(
                columns=["Factor", "Measure", "Value", "95 % CI", "p-value"],
                rows=rows,
                numeric=[False, False, True, True, True],
                caption=f"Sensitivity indices: {metric}",
                note=(
                    "PRCC CIs are approximate (Fisher z transform); the p-values are the "
                    "exact t tests of the partial correlations."
                    if approx
                    else ""
                ),
            )
        )
    for metric in wanted:
        factor = top_factor(indices, metric)
        if factor is not None and factor in design.columns:
            resp.blocks.append(
                figs.add(
                    lambda metric=metric, factor=factor: response_scatter(
                        design, metrics, metric, factor
                    ),
                    f"{metric_label(metric)} against {factor}",
                    f"Read the trend: the slope is the effect of {factor}; the vertical spread at "
                    "one value comes from the other factors.",
                    (
                        f"Vertical bars: lowest to highest of {n_reps} replications of a point."
                        if n_reps > 1
                        else "One replication per point: no bar; the scatter includes the "
                        "simulation's own noise."
                    ),
                    wide=False,
                )
            )
    return [sens, resp]


def _appendix(res: Results, labels: Sequence[str]) -> Section:
    metrics = res.table("metrics")
    assert metrics is not None
    blocks: list[Any] = []
    if res.kind in ("run", "compare"):
        est = {lab: _estimates(metrics, lab) for lab in labels}
        rows = []
        for m in METRIC_NAMES:
            row = [_c(m, cls="code")]
            for lab in labels:
                e = est[lab].get(m)
                row.append(
                    _c("–") if e is None else _c(fmt_value(m, e.mean), fmt_ci(m, e.low, e.high))
                )
            row.append(_c(metric_unit(m)))
            rows.append(row)
        blocks.append(
            Table(
                columns=["Metric", *labels, "Unit"],
                rows=rows,
                numeric=[False] + [True] * len(labels) + [False],
                caption="Every metric: mean [95 % CI]",
            )
        )
    rows = [
        [_c(m, cls="code"), _c(metric_label(m)), _c(METRICS[m][0]), _c(METRICS[m][1])]
        for m in METRIC_NAMES
    ]
    blocks.append(
        Table(
            columns=["Metric", "In this report", "Unit", "Definition"],
            rows=rows,
            caption="Definitions (docs/metrics.md)",
            kind="table small",
        )
    )
    files = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in res.path.iterdir()
        if not p.name.startswith(".") and p.name != "report.html"
    )
    blocks.append(
        Note(
            "Files of the results directory: "
            + ", ".join(files)
            + ". Every number of this report can be recomputed from them; the resolved "
            "scenarios in scenarios/ run as they are."
        )
    )
    blocks.append(
        Note(
            "Cite accesssim as described in its CITATION.cff file (in the source repository). "
            "Calibration targets and their sources: docs/calibration.md."
        )
    )
    return Section("appendix", "Appendix: all metrics and definitions", blocks=blocks)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def _title(res: Results) -> tuple[str, str]:
    first = res.scenarios[res.labels[0]]
    territory = first.territory.name
    if res.kind == "run":
        return (
            f"Access to primary care: {res.labels[0]}",
            f"{territory}, {fmt_int(first.population_size)} inhabitants",
        )
    if res.kind == "compare":
        alts = res.labels[1:]
        return (
            f"Policy comparison: {', '.join(alts)} against {res.labels[0]}",
            f"{territory}, {fmt_int(first.population_size)} inhabitants",
        )
    if res.kind == "optimise":
        return (
            f"Optimisation: {res.meta.get('name', 'optimise')}",
            f"{territory}, {fmt_int(first.population_size)} inhabitants",
        )
    return (
        f"Sweep: {res.meta.get('name', 'sweep')}",
        f"{territory}, {fmt_int(first.population_size)} inhabitants",
    )


def _context(res: Results) -> dict[str, Any]:
    figs = _Figures()
    title, subtitle = _title(res)
    warnings = []
    if res.meta.get("complete") is False:
        warnings.append(
            "These results are incomplete: the command was interrupted. Figures and intervals "
            "use the replications that finished."
        )
    # Results first; what was simulated is summed up at the top and detailed after them.
    sections: list[Section] = []
    if res.kind in ("run", "compare"):
        labels = res.labels
        if res.kind == "compare":
            comp = _comparison_section(res, figs)
            if comp is not None:
                sections.append(comp)
        sections.append(_headline_section(res, labels))
        sections.append(_weekly_section(res, labels, figs))
        sections.append(_waits_section(res, labels, figs))
        sections.append(_outcomes_section(res, labels, figs))
        sections.append(_map_section(res, labels, figs))
        sections.append(
            Section(
                "scenarios",
                "The scenario" if len(labels) == 1 else "The scenarios",
                blocks=_scenario_blocks(res, labels, with_costs=True),
            )
        )
        sections.append(_experiment_section(res))
        sections.append(_appendix(res, labels))
    elif res.kind == "optimise":
        from accesssim.report.decide import optimise_sections

        sections += optimise_sections(res, figs)
        sections.append(
            Section(
                "scenarios",
                "The base scenario",
                intro=["Today's mix: the levers of every mix replace some of its fields."],
                blocks=_scenario_blocks(res, list(res.scenarios), with_costs=False),
            )
        )
        sections.append(_experiment_section(res))
        sections.append(_appendix(res, list(res.scenarios)))
    else:
        from accesssim.report.decide import discovery_sections

        base = Section(
            "scenarios",
            "The base scenario",
            intro=[
                "The scenario every design point starts from; the factors of the design "
                "replace some of its fields at each point."
            ],
            blocks=_scenario_blocks(res, list(res.scenarios), with_costs=False),
        )
        sections += discovery_sections(res, figs)
        sections += _sensitivity_section(res, figs)
        sections += [_sweep_results_section(res), _design_section(res), base]
        sections.append(
            Section(
                "not-shown",
                "Not in a sweep's results",
                blocks=[
                    Note(
                        "A sweep keeps the metrics, outcomes and costs of every run, not the "
                        "weekly series, wait distributions or commune tables: run a chosen "
                        "point with accesssim run (or compare two points) for those figures."
                    )
                ],
            )
        )
        sections.append(_experiment_section(res))
        sections.append(_appendix(res, list(res.scenarios)))
    return {
        "title": title,
        "subtitle": subtitle,
        "kind": res.kind,
        "how_to_read": _how_to_read(res),
        "summary": _summary(res),
        "warnings": warnings,
        "sections": sections,
        "created": _created(res.meta),
        "version": __version__,
        "figure_count": figs.count,
    }


def _template() -> Any:
    import jinja2

    text = (
        resources.files("accesssim.report")
        .joinpath("templates", TEMPLATE)
        .read_text(encoding="utf-8")
    )
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["svg"] = lambda s: jinja2.utils.markupsafe.Markup(s)
    return env.from_string(text)


def render_report(results: Results | Path | str) -> str:
    """The HTML text of the report of a results directory (see :func:`report`)."""
    res = results if isinstance(results, Results) else load_results(results)
    return _template().render(**_context(res))


def report(results_dir: Path | str, out: Path | str | None = None) -> Path:
    """Write the HTML report of a results directory; return its path.

    Parameters
    ----------
    results_dir
        A directory written by ``accesssim run``, ``compare`` or ``sweep`` with ``--out`` (or
        by the Python API through :class:`accesssim.experiment.ResultsDir`).
    out
        The HTML file to write (default: ``RESULTS_DIR/report.html``); its folder is created.

    Returns
    -------
    Path
        The file written: one self-contained HTML page (figures as inline SVG, no JavaScript,
        no external resource) that prints on A4.

    Raises
    ------
    InputError
        The directory is missing, is not a results directory, or is of an unknown kind.
    """
    res = load_results(results_dir)
    path = Path(out) if out is not None else res.path / "report.html"
    if path.is_dir():
        raise InputError([Problem(str(path), None, "--out", "is a directory, not an HTML file")])
    html = render_report(res)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-report-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
