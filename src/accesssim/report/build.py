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
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from accesssim._version import __version__
from accesssim.analysis import mean_ci
from accesssim.i18n import _, language, ngettext, using
from accesssim.model import METRIC_NAMES, METRICS
from accesssim.report import catalogue
from accesssim.report.catalogue import FigureSpec
from accesssim.report.describe import policy_rows, scenario_facts
from accesssim.report.results import Results, load_results
from accesssim.report.tables import (
    baseline_cost_words,
    cost_year_rows,
    difference_rows,
    icer_rows,
    perspective_costs,
)
from accesssim.scenario.errors import InputError, Problem
from accesssim.vocabulary import ACT_NAMES, FINAL_OUTCOMES
from accesssim.vocabulary import HEADLINE_METRICS as HEADLINE
from accesssim.wording import (
    better_words,
    fmt_ci,
    fmt_date,
    fmt_eur,
    fmt_int,
    fmt_value,
    interval,
    metric_definition,
    metric_label,
    metric_short,
    metric_unit,
    num,
    number,
    outcome_label,
    pct,
    perspective_words,
    unit_words,
)

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

    def add(self, spec: FigureSpec) -> FigureBlock:
        """Number a figure of the catalogue and draw it as SVG."""
        from accesssim.report.figures import figure_svg

        self.count += 1
        svg = figure_svg(
            spec.draw(),
            prefix=f"fig{self.count}",
            label=_("Figure {n}. {title}").format(n=self.count, title=spec.title),
        )
        return FigureBlock(self.count, spec.title, svg, spec.reading, spec.uncertainty, spec.wide)


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
        return _("none")
    if reps == list(range(reps[0], reps[-1] + 1)):
        span = (
            _("numbers {first}–{last}").format(first=reps[0], last=reps[-1])
            if len(reps) > 1
            else _("number {n}").format(n=reps[0])
        )
    else:
        span = _("numbers {list}").format(list=", ".join(map(str, reps)))
    return f"{len(reps)} ({span})"


def _created(meta: dict[str, Any]) -> str:
    raw = str(meta.get("created", ""))
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw or _("unknown")
    return f"{fmt_date(when.date())} {when.strftime('%H:%M %Z').strip()}".strip()


def _mean_costs(costs: pd.DataFrame | None, label: str, perspective: str = "amo") -> dict[str, Any]:
    """Mean and CI over replications of each policy's own discounted costs over the horizon
    (and their ``total``), for ``perspective``."""
    if costs is None:
        return {}
    frame = perspective_costs(costs[costs["scenario"] == label], {label: perspective})
    frame = frame[~frame["item"].isin(ACT_NAMES)]
    per_rep = frame.groupby(["item", "replication"], sort=False)["eur_discounted"].sum()
    out = {
        str(item): mean_ci(g.sort_index(level="replication").to_numpy(dtype=float))
        for item, g in per_rep.groupby(level="item", sort=False)
    }
    paid = frame[~frame["item"].str.endswith("_gp_net_cost")]
    if not paid.empty:
        total = paid.groupby("replication")["eur_discounted"].sum().sort_index()
        out["total"] = mean_ci(total.to_numpy(dtype=float))
    return out


def _eur_ci(est: Any) -> Cell:
    if est is None:
        return _c("–")
    ok = est.n >= 2 and not math.isnan(est.low)
    return _c(fmt_eur(est.mean), interval(fmt_eur(est.low), fmt_eur(est.high)) if ok else "")


def _reps(n: int) -> str:
    return ngettext("{n} replication", "{n} replications", n).format(n=n)


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def _how_to_read(res: Results) -> list[str]:
    common = _(
        "Every number comes from a simulation: the territory's inhabitants fall ill, ask for "
        "appointments and are booked into their GPs' agendas day by day. A replication is one "
        "simulated period with its own random patients; the report gives the mean over the "
        "replications and a 95 % confidence interval (CI, in brackets or as a shaded band): "
        "where the mean would most likely lie with many more replications. A wide interval "
        "calls for more replications, not for a conclusion."
    )
    measured = _(
        "Results count from the end of the warm-up (the shaded start of the time series), once "
        "agendas are in their usual state. Shares are in %, their differences in percentage "
        "points (pt), in the tables and in the figures alike; costs are the public payer's, in "
        "euros over the measured period."
    )
    if res.kind == "run":
        first = _(
            "This report describes one scenario: a territory and a policy mix. Start with the "
            "summary above, then the headline table, the time series (is the year stable?), "
            "the waits, what happens to soins non programmés (same-day needs), and the maps."
        )
    elif res.kind == "compare":
        first = _(
            "This report compares alternatives with a baseline. All scenarios ran with the same "
            "seeds: replication i of each faces the same patients with the same needs on the "
            "same days, so the differences come from the policies. Start with the summary "
            "above, then the forest plot of differences: a filled dot whose bar does not cross "
            "the vertical line is a change the simulation can tell apart from chance."
        )
    elif res.kind == "optimise":
        from accesssim.report.decide import OPTIMISE_HOW_TO_READ

        first = OPTIMISE_HOW_TO_READ
    else:
        first = _(
            "This report describes a sweep: the same territory run at many combinations of "
            "levers (the design), to find which levers matter most. Start with the sensitivity "
            "charts (longest bars first), then the response plots of the most influential "
            "lever."
        )
    return [first, common, measured]


def _territory_words(res: Results, label: str) -> str:
    f = scenario_facts(res.scenarios[label])
    return _(
        "{territory}: {communes} commune(s), {population} inhabitants, {gps} GPs, {without} of "
        "adults without an MT at the start"
    ).format(
        territory=f["territory"],
        communes=fmt_int(f["communes"]),
        population=fmt_int(f["population"]),
        gps=fmt_int(f["gps"]),
        without=pct(round(f["without_mt_share"], 2)),
    )


def _policy_names(res: Results, label: str) -> list[str]:
    return list(dict.fromkeys(p["name"] for p in policy_rows(res.scenarios[label])))


def _period_words(res: Results, label: str) -> str:
    f = scenario_facts(res.scenarios[label])
    return _(
        "{days} simulated days from {start}: {warmup} days of warm-up, then {measured} days "
        "measured"
    ).format(
        days=f["horizon_days"],
        start=fmt_date(f["start_date"]),
        warmup=f["warmup_days"],
        measured=f["measured_days"],
    )


def _changes(res: Results, alt: str) -> str:
    """What an alternative changes from the baseline, in words."""
    first = res.labels[0]
    base_rows = {(p["key"], p["words"], p["start"]) for p in policy_rows(res.scenarios[first])}
    rows = policy_rows(res.scenarios[alt])
    changed = [p["name"] for p in rows if (p["key"], p["words"], p["start"]) not in base_rows]
    keys = {p["key"] for p in rows}
    dropped = [p["name"] for p in policy_rows(res.scenarios[first]) if p["key"] not in keys]
    parts = []
    if changed:
        parts.append(_("added or changed: {names}").format(names=", ".join(dict.fromkeys(changed))))
    if dropped:
        parts.append(_("removed: {names}").format(names=", ".join(dict.fromkeys(dropped))))
    return "; ".join(parts) or _("same policies as the baseline")


def _summary(res: Results) -> list[str]:
    """What was simulated, in a few sentences (the details follow the results)."""
    n = len(res.meta.get("replications") or [])
    first = res.labels[0]
    none = _("none")
    if res.kind == "run":
        pols = ", ".join(_policy_names(res, first)) or none
        return [
            _("Scenario {label}. {territory}.").format(
                label=first, territory=_territory_words(res, first)
            ),
            _("Policies: {names}.").format(names=pols),
            f"{_reps(n)}; {_period_words(res, first)}.",
        ]
    if res.kind == "compare":
        out = [
            _("Baseline {label}. {territory}. Policies: {names}.").format(
                label=first,
                territory=_territory_words(res, first),
                names=", ".join(_policy_names(res, first)) or none,
            )
        ]
        for alt in res.labels[1:]:
            out.append(_("Alternative {label}: {what}.").format(label=alt, what=_changes(res, alt)))
        out.append(
            _("{n} paired replication(s) per scenario (same seeds); {period}.").format(
                n=n, period=_period_words(res, first)
            )
        )
        return out
    if res.kind == "optimise":
        from accesssim.report.decide import optimise_summary

        return [f"Base scenario {first}. {_territory_words(res, first)}.", *optimise_summary(res)]
    design = res.meta.get("design") or {}
    factors = ", ".join(str(f.get("name") or f.get("path")) for f in res.meta.get("factors") or [])
    wanted = ", ".join(metric_label(m) for m in res.meta.get("metrics") or [])
    return [
        _("Base scenario {label}. {territory}.").format(
            label=first, territory=_territory_words(res, first)
        ),
        _("Design: {kind}, {points} points x {n} replication(s), varying {factors}.").format(
            kind=design.get("kind", "?"), points=res.meta.get("points", "?"), n=n, factors=factors
        ),
        _("Indicators analysed: {names}; {period}.").format(
            names=wanted, period=_period_words(res, first)
        ),
    ]


def _experiment_section(res: Results) -> Section:
    meta = res.meta
    reps = meta.get("replications") or []
    seed = meta.get("seed", "–")
    rows = [
        [_c(_("Kind of results")), _c(_kind_words(res))],
        [_c(_("Results created")), _c(_created(meta))],
        [_c(_("Command")), _c(_command(meta), cls="code")],
        [
            _c(_("Seed")),
            _c(
                _(
                    "root seed {seed}; replication i draws its random numbers from child i of "
                    "numpy SeedSequence({seed})"
                ).format(seed=seed)
            ),
        ],
        [
            _c(_("Replications")),
            _c(_replication_text(reps) + (" " + _("per point") if res.kind == "sweep" else "")),
        ],
        [
            _c(_("Software")),
            _c(
                _(
                    "accesssim {results} (results), accesssim {report} (this report), Python "
                    "{python}"
                ).format(
                    results=meta.get("accesssim_version", "–"),
                    report=__version__,
                    python=meta.get("python", "–"),
                )
            ),
        ],
        [_c(_("Results directory")), _c(res.path.name + "/", cls="code")],
    ]
    if meta.get("executor"):
        rows.insert(5, [_c(_("Executor")), _c(str(meta["executor"]))])
    table = Table(columns=["", ""], rows=rows, kind="facts")
    return Section("experiment", _("The experiment"), blocks=[table])


def _kind_words(res: Results) -> str:
    n = len(res.meta.get("replications") or [])
    if res.kind == "optimise":
        return (
            f"optimisation {res.meta.get('name', '')}: "
            f"{res.meta.get('mixes_evaluated', '?')} mixes, up to {n} replication(s) each "
            "(accesssim optimise)"
        )
    if res.kind == "run":
        return _("one scenario, {n} independent replication(s) (accesssim run)").format(n=n)
    if res.kind == "compare":
        return _(
            "comparison of {k} alternative(s) with the baseline {base}, {n} paired "
            "replication(s) each (accesssim compare)"
        ).format(k=len(res.labels) - 1, base=res.labels[0], n=n)
    design = res.meta.get("design") or {}
    return _(
        "sweep {name}: {kind} design, {points} points x {n} replication(s) (accesssim sweep)"
    ).format(
        name=res.meta.get("name", ""),
        kind=design.get("kind", "?"),
        points=res.meta.get("points", "?"),
        n=n,
    )


def _facts_table(res: Results, lab: str) -> Table:
    sc = res.scenarios[lab]
    f = scenario_facts(sc)
    title = (
        lab if lab == sc.name else _("{label} (scenario {name})").format(label=lab, name=sc.name)
    )
    communes = fmt_int(f["communes"])
    if not f["spatial"]:
        communes += " " + _("(aspatial: one place, no distances)")
    facts = [
        [_c(_("Territory")), _c(f["territory"])],
        [_c(_("Communes")), _c(communes)],
        [_c(_("Inhabitants")), _c(fmt_int(f["population"]))],
        [
            _c(_("GPs")),
            _c(
                _("{n} ({per} per 100,000 inhabitants)").format(
                    n=fmt_int(f["gps"]), per=fmt_int(f["gps_per_100k"])
                )
            ),
        ],
        [
            _c(_("Adults without an MT at the start")),
            _c(
                _("{share} (with an ALD: {ald})").format(
                    share=fmt_value("forgone_care_share", f["without_mt_share"]),
                    ald=fmt_value("forgone_care_share", f["without_mt_share_ald"]),
                )
            ),
        ],
        [
            _c(_("Simulated period")),
            _c(
                _(
                    "{start} to {end} ({days} days): {warmup} days of warm-up, then {measured} "
                    "days measured from {measure}"
                ).format(
                    start=fmt_date(f["start_date"]),
                    end=fmt_date(f["end_date"]),
                    days=f["horizon_days"],
                    warmup=f["warmup_days"],
                    measured=f["measured_days"],
                    measure=fmt_date(f["measure_start"]),
                )
            ),
        ],
    ]
    return Table(columns=["", ""], rows=facts, caption=title, note=f["description"], kind="facts")


def _scenario_blocks(res: Results, labels: Sequence[str], with_costs: bool) -> list[Any]:
    costs = res.table("costs") if with_costs else None
    blocks: list[Any] = []
    for lab in labels:
        blocks.append(_facts_table(res, lab))
        prow = policy_rows(res.scenarios[lab])
        mc = _mean_costs(costs, lab, res.scenarios[lab].costs.perspective)
        if not prow:
            blocks.append(
                Note(
                    _(
                        "{label}: no policy block is on (no reserved slots, no "
                        "teleconsultation, no other policy)."
                    ).format(label=lab)
                )
            )
            continue
        rows, seen = [], set()
        for p in prow:
            row = [_c(p["name"]), _c(p["words"]), _c(p["start"])]
            if with_costs:
                row.append(_c(_("(above)")) if p["key"] in seen else _eur_ci(mc.get(p["key"])))
                seen.add(p["key"])
            rows.append(row)
        columns = [_("Policy"), _("What it does"), _("Starts")]
        numeric = [False, False, False]
        if with_costs:
            columns.append(_("Own cost, measured period, discounted (mean [95 % CI])"))
            numeric.append(True)
            total = mc.get("total")
            if total is not None:
                rows.append([_c(_("Total"), cls="strong"), _c(""), _c(""), _eur_ci(total)])
            net = mc.get("medical_assistants_gp_net_cost")
            if net is not None:
                rows.append(
                    [
                        _c(_("Medical assistants: GPs' own net cost")),
                        _c(_("Salary minus the CNAM aid, paid by the GPs (not in the total).")),
                        _c(""),
                        _eur_ci(net),
                    ]
                )
        blocks.append(
            Table(
                columns=columns,
                rows=rows,
                numeric=numeric,
                caption=_("Policies of {label}").format(label=lab),
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
        row = [_c(metric_label(m), m, cls="metric"), _c(better_words(m))]
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
        columns = [_("Indicator"), _("Better"), _("Mean"), _("95 % CI"), _("Unit")]
        numeric = [False, False, True, True, False]
    else:
        columns = [_("Indicator"), _("Better"), *labels, _("Unit")]
        numeric = [False, False] + [True] * len(labels) + [False]
    n = min((e.n for lab in labels for e in est[lab].values()), default=0)
    caption = _("Headline indicators over the measured period")
    if not single:
        caption += _(": mean [95 % CI]")
    table = Table(
        columns=columns,
        rows=rows,
        numeric=numeric,
        caption=caption,
        note=_(
            "Mean over {reps} and Student-t 95 % confidence interval. Definitions of every "
            "indicator are in the appendix (and in docs/metrics.md); ALD: long-term condition "
            "(affection de longue durée)."
        ).format(reps=_reps(n)),
    )
    intro = [
        _(
            "What a planner reads first: waits, soins non programmés met in time, emergency "
            "visits and forgone care, the share of adults with a médecin traitant, GP activity "
            "and the cost of the policy mix."
        )
    ]
    return Section("headline", _("Headline results"), intro=intro, blocks=[table])


def _comparison_section(res: Results, figs: _Figures) -> Section | None:
    diffs = res.table("differences")
    gains = res.table("cost_per_gain")
    labels = res.labels
    base, alts = labels[0], labels[1:]
    sec = Section(
        "differences",
        _("Differences with the baseline ({base})").format(base=base),
        intro=[
            _(
                "Each difference is the mean, over replications, of (alternative - baseline) "
                "for the same replication: paired, so the noise both share cancels out. The "
                "95 % CI comes from the spread of these paired differences."
            )
        ],
    )
    if diffs is None or diffs.empty:
        sec.blocks.append(
            Note(_("differences.parquet is missing: the comparison did not finish any paired run."))
        )
        return sec
    forest = catalogue.forest_figure(res)
    if forest is not None:
        sec.blocks.append(figs.add(forest))
    for alt in alts:
        rows = [
            [
                _c(r.label, r.metric, cls="metric"),
                _c(r.base),
                _c(r.alt),
                _c(r.diff, "" if r.ci == "–" else r.ci, cls="strong" if r.significant else ""),
                _c(r.change),
                _c(r.reading, r.better),
            ]
            for r in difference_rows(diffs, alt, HEADLINE)
        ]
        sec.blocks.append(
            Table(
                columns=[
                    _("Indicator"),
                    base,
                    alt,
                    _("Difference [95 % CI]"),
                    _("Change"),
                    _("Reading"),
                ],
                rows=rows,
                numeric=[False, True, True, True, True, False],
                caption=_("{alt} against {base}: paired differences").format(alt=alt, base=base),
                note=_(
                    "Bold: the 95 % CI excludes 0 (a clear change); otherwise the difference "
                    "could be chance. Shares differ in percentage points (pt); 'change' is the "
                    "difference relative to the baseline mean."
                ),
            )
        )
    if gains is not None and not gains.empty:
        persp = res.scenarios[base].costs
        rows = [
            [
                _c(r.alternative),
                _c(r.description),
                _c(r.cost, r.cost_ci),
                _c(r.effect, r.effect_ci),
                _c(r.icer, r.icer_ci),
                _c(r.case),
            ]
            for r in icer_rows(gains)
        ]
        sec.blocks.append(
            Table(
                columns=[
                    _("Alternative"),
                    _("Gain (unit)"),
                    _("Extra cost [95 % CI]"),
                    _("Gain [95 % CI] (units)"),
                    _("Cost per unit of gain (ICER) [95 % CI]"),
                    _("Reading"),
                ],
                rows=rows,
                numeric=[False, False, True, True, True, False],
                caption=_("Cost-effectiveness against the baseline"),
                note=_(
                    "Incremental cost and effect over the whole territory and horizon: means of "
                    "the paired differences with their Student-t 95 % CI. The cost per unit of "
                    "gain (incremental cost-effectiveness ratio, ICER) has its 95 % CI by "
                    "Fieller's method (Willan & O'Brien 1996), shown when the effect is clearly "
                    "not 0; 'not bounded' when the effect's own CI comes close to 0. Costs to "
                    "{who}, discounted at {rate} a year; ED visits and needs met are discounted "
                    "alike, adults with an MT are counted at the horizon."
                ).format(who=perspective_words(persp.perspective), rate=pct(persp.discount_rate))
                + " "
                + _baseline_cost(res),
            )
        )
        ceac = catalogue.acceptability_figure(res)
        if ceac is not None:
            sec.blocks.append(figs.add(ceac))
        sec.blocks += _cost_year_tables(res, base, alts)
    else:
        sec.blocks.append(Note(_("cost_per_gain.parquet is missing: no cost-per-gain table.")))
    return sec


def _cost_year_tables(res: Results, base: str, alts: Sequence[str]) -> list[Any]:
    """Extra cost of each alternative by item and year (mean paired difference)."""
    costs = res.table("costs")
    if costs is None or costs.empty or "item" not in costs.columns:
        return []
    persp = {lab: sc.costs.perspective for lab, sc in res.scenarios.items()}
    frame = perspective_costs(costs, persp)
    out: list[Any] = []
    for alt in alts:
        years, rows = cost_year_rows(frame, alt, base)
        if not rows:
            continue
        multi = len(years) > 1
        out.append(
            Table(
                columns=[
                    _("Item"),
                    *[_("Year {n}").format(n=y) for y in years],
                    *([_("All years")] if multi else []),
                ],
                rows=[
                    [
                        _c(r.label, cls="strong" if r.item == "total" else ""),
                        *[_c(v) for v in r.years],
                        *([_c(r.total)] if multi else []),
                    ]
                    for r in rows
                ],
                numeric=[False, *[True] * (len(years) + int(multi))],
                caption=_("{alt}: extra cost by item and year").format(alt=alt),
                note=_(
                    "Mean over replications of (alternative - baseline), discounted euros; acts "
                    "first, then the policies' own costs. The GPs' own net cost of medical "
                    "assistants is shown but never in the total."
                ),
            )
        )
    return out


def _baseline_cost(res: Results) -> str:
    """Why the baseline costs something (today's policies), from its mean costs."""
    base = res.labels[0]
    mc = _mean_costs(res.table("costs"), base, res.scenarios[base].costs.perspective)
    names = {p["key"]: p["name"] for p in policy_rows(res.scenarios[res.labels[0]])}
    return baseline_cost_words({k: e.mean for k, e in mc.items()}, names)


def _weekly_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "time",
        _("Over time"),
        intro=[
            _(
                "Weekly values over the whole simulated period. The shaded start is the "
                "warm-up (agendas filling up; not counted in the results); dashed lines mark "
                "dated changes: policy starts, GP arrivals and departures (policies in force "
                "from day 0 have no line)."
            )
        ],
    )
    specs = catalogue.weekly_figures(res)
    if not specs:
        sec.blocks.append(Note(_("No weekly series in these results (weekly.parquet is absent).")))
    sec.blocks += [figs.add(spec) for spec in specs]
    return sec


def _waits_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "waits",
        _("Waiting times"),
        intro=[
            _(
                "The delay from the request to the appointment, in calendar days, for the "
                "requests of the measured period that got an appointment (GP, teleconsultation "
                "or nurse). Part of the delay of planned requests is wanted: a renewal or a "
                "check-up is booked ahead on purpose."
            )
        ],
    )
    spec = catalogue.waits_figure(res)
    waits = res.table("waits")
    if spec is None or waits is None:
        sec.blocks.append(
            Note(_("No wait distribution in these results (waits.parquet is absent)."))
        )
        return sec
    from accesssim.report.figures import WAIT_PANELS, wait_summary

    sec.blocks.append(figs.add(spec))
    rows = []
    for lab in labels:
        part = waits[waits["scenario"] == lab]
        for title, kinds in WAIT_PANELS:
            s = wait_summary(part, kinds)
            rows.append(
                [_c(lab), _c(_(title)), _c(number(s["median"], 1)), _c(number(s["mean"], 1))]
            )
    rows.append(
        [_c(_("DREES 2018 survey")), _c(_("All GP appointments")), _c(number(2)), _c(number(6))]
    )
    sec.blocks.append(
        Table(
            columns=[_("Scenario"), _("Requests"), _("Median (days)"), _("Mean (days)")],
            rows=rows,
            numeric=[False, False, True, True],
            caption=_("Median and mean delay to the appointment"),
            note=_(
                "DREES, Études et résultats n° 1085 (2018). The headline table gives the 95 % "
                "CIs of the same medians and means."
            ),
        )
    )
    return sec


def _outcomes_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "outcomes",
        _("What happens to soins non programmés"),
        intro=[
            _(
                "Every unscheduled need (to be seen within 24 h or 48 h) of the measured period "
                "ends in exactly one place: seen by the patient's own MT, by another GP (a "
                "colleague, another GP of the territory or the CPTS rota), by the out-of-hours "
                "service, by teleconsultation, a pharmacist or a nurse; or it ends at the "
                "emergency department (straight away or after a failed search for care), "
                "without care, or still waiting for an appointment booked after the end of the "
                "simulation. A need asked again after going without care counts once, by how "
                "it ended."
            )
        ],
    )
    spec = catalogue.outcomes_figure(res)
    outcomes = res.table("outcomes")
    if spec is None or outcomes is None:
        sec.blocks.append(
            Note(_("No outcome counts in these results (outcomes.parquet is absent)."))
        )
        return sec
    from accesssim.report.figures import outcome_shares

    sec.blocks.append(figs.add(spec))
    shares = outcome_shares(outcomes)
    rows = []
    for outcome in FINAL_OUTCOMES:
        row = [_c(outcome_label(outcome))]
        for lab in labels:
            vals = shares[(shares["scenario"] == lab) & (shares["outcome"] == outcome)]
            e = mean_ci(vals.sort_values("replication")["share"].to_numpy(dtype=float))
            if e.n == 0:
                row.append(_c("–"))
                continue
            ci = fmt_ci("forgone_care_share", e.low, e.high) if e.n >= 2 else ""
            row.append(_c(fmt_value("forgone_care_share", e.mean), "" if ci == "–" else ci))
        rows.append(row)
    sec.blocks.append(
        Table(
            columns=[_("Outcome"), *labels],
            rows=rows,
            numeric=[False] + [True] * len(labels),
            caption=_("Outcome of soins non programmés, % (mean [95 % CI])"),
        )
    )
    return sec


def _map_section(res: Results, labels: Sequence[str], figs: _Figures) -> Section:
    sec = Section(
        "map",
        _("By commune"),
        intro=[
            _(
                "Where people lack a médecin traitant, where same-day needs go unmet and where "
                "they end at the emergency department, commune by commune (by the patient's "
                "commune of residence)."
            )
        ],
    )
    communes = res.table("communes")
    if communes is None or communes.empty:
        sec.blocks.append(
            Note(_("No commune table in these results (communes.parquet is absent)."))
        )
        return sec
    specs = catalogue.map_figures(res)
    if not specs:
        n = communes["insee"].nunique()
        why = (
            _("the territory is aspatial (one place holding the whole population, no distances)")
            if n <= 1
            else _("some communes have no coordinates (lat, lon) in the scenario")
        )
        sec.blocks.append(Note(_("No map: {why}.").format(why=why)))
        return sec
    sec.blocks += [figs.add(spec) for spec in specs]
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
        "grid": _("a full grid: every combination of the factors' levels"),
        "lhs": _(
            "a Latin hypercube: points spread evenly over the factors' ranges "
            "(scipy.stats.qmc), analysed with partial rank correlations (PRCC)"
        ),
        "sobol": _("a Saltelli/Sobol sample (SALib), analysed with Sobol variance indices"),
    }.get(kind, kind)
    rows = []
    for f in meta.get("factors") or []:
        if f.get("levels") is not None:
            span = _("levels: {values}").format(values=", ".join(str(v) for v in f["levels"]))
        elif f.get("range") is not None:
            lo, hi = f["range"]
            span = _("{lo} to {hi}").format(lo=num(lo), hi=num(hi))
        else:
            span = "–"
        ftype = f.get("type") or ("categorical" if f.get("levels") is not None else "continuous")
        ftype = {"categorical": _("categorical"), "continuous": _("continuous")}.get(ftype, ftype)
        rows.append(
            [_c(f.get("name") or f["path"]), _c(f["path"], cls="code"), _c(span), _c(ftype)]
        )
    desc = _experiment_description(res)
    intro = [desc] if desc else []
    intro.append(
        _(
            "Design: {words}; {points} points, {n} replication(s) per point with the same seeds "
            "at every point (common random numbers)."
        ).format(words=words, points=meta.get("points", "?"), n=len(meta.get("replications") or []))
    )
    table = Table(
        columns=[_("Factor"), _("Scenario field"), _("Values"), _("Type")],
        rows=rows,
        caption=_("Factors varied by the design"),
    )
    return Section("design", _("The design of the sweep"), intro=intro, blocks=[table])


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
            columns=[
                _("Indicator"),
                _("Lowest point"),
                _("Median point"),
                _("Highest point"),
                _("Unit"),
            ],
            rows=rows,
            numeric=[False, True, True, True, False],
            caption=_("Range of the indicators of interest over the design"),
            note=_(
                "Point values are means over the replications of each point; {points} points, "
                "{runs} runs."
            ).format(points=points, runs=runs),
        )
    ]
    if expected and runs < expected:
        blocks.insert(
            0,
            Note(
                _(
                    "Incomplete sweep: {runs} of {expected} runs are in these results; finish "
                    "it with accesssim sweep EXPERIMENT --out DIR --resume."
                ).format(runs=runs, expected=expected)
            ),
        )
    return Section("sweep-results", _("Indicators across the design"), blocks=blocks)


def _sensitivity_section(res: Results, figs: _Figures) -> list[Section]:
    indices = res.table("sensitivity-indices")
    design = res.table("design")
    metrics = res.table("metrics")
    sens = Section(
        "sensitivity",
        _("Which levers matter most"),
        intro=[
            _(
                "Sensitivity indices rank the factors by their influence on each indicator, over "
                "the ranges of the design. They describe this territory and these ranges, not a "
                "general law."
            )
        ],
    )
    if indices is None or indices.empty:
        sens.blocks.append(
            Note(
                _(
                    "No sensitivity indices (sensitivity-indices.parquet is absent): the sweep did "
                    "not finish; complete it with --resume."
                )
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
            _(
                "The longer a factor's bars, the more of the indicator's variance it explains: "
                "S1 alone, ST with its interactions; a factor whose ST is near 0 does not matter."
            ),
            _(
                "Black bars: 95 % bootstrap CI of each index (SALib), cut at the edges of the "
                "chart; CIs that reach below 0 mean the sample is too small to pin the index down "
                "(more base samples are needed)."
            ),
        ),
        "lhs": (
            _(
                "Bars to the right: the indicator rises with the factor; to the left: it "
                "falls; the longer the bar, the stronger the link once the other factors are "
                "accounted for."
            ),
            _(
                "Black bars: approximate 95 % CI (Fisher z); p-values (t test) at the bar ends: "
                "p < 0.05 is a link unlikely to come from chance."
            ),
        ),
        "grid": (
            _(
                "Each bar spans the lowest to the highest mean of the indicator over a factor's "
                "levels (averaged over the other factors); longer bars matter more."
            ),
            _(
                "A grid gives no confidence interval for main effects; the spread between "
                "replications is in the response plots."
            ),
        ),
    }.get(kind, ("", ""))
    resp = Section(
        "response",
        _("How each indicator responds to its most influential lever"),
        intro=[
            _(
                "Each dot is one design point: the mean of its replications; the other factors "
                "vary from point to point, which makes the scatter."
            )
        ],
    )
    n_reps = len(res.meta.get("replications") or [])
    k = int(indices["factor"].nunique())
    wanted = list(dict.fromkeys(indices["metric"].tolist()))
    for metric in wanted:
        sens.blocks.append(
            figs.add(
                FigureSpec(
                    f"sensitivity-{metric}",
                    _("Sensitivity: {label}").format(label=metric_label(metric)),
                    reading,
                    unc,
                    lambda metric=metric: sensitivity_tornado(indices, metric, n_points=n_points),
                )
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
            ci = "" if math.isnan(low) else interval(number(low, 3), number(high, 3))
            p = "" if math.isnan(float(r.p_value)) else f"{float(r.p_value):.2g}"
            rows.append(
                [
                    _c(str(r.factor)),
                    _c(str(r.measure)),
                    _c(number(float(r.value), 3)),
                    _c(ci),
                    _c(p),
                ]
            )
        sens.blocks.append(
            Table(
                columns=[_("Factor"), _("Measure"), _("Value"), _("95 % CI"), _("p-value")],
                rows=rows,
                numeric=[False, False, True, True, True],
                caption=_("Sensitivity indices: {label}").format(label=metric_label(metric)),
                note=(
                    _(
                        "PRCC CIs are approximate (Fisher z transform); the p-values are the "
                        "exact t tests of the partial correlations."
                    )
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
                    FigureSpec(
                        f"response-{metric}",
                        _("{label} against {factor}").format(
                            label=metric_label(metric), factor=factor
                        ),
                        _(
                            "Read the trend: the slope is the effect of {factor}; the vertical "
                            "spread at one value comes from the other factors."
                        ).format(factor=factor),
                        (
                            _(
                                "Vertical bars: lowest to highest of {n} replications of a point."
                            ).format(n=n_reps)
                            if n_reps > 1
                            else _(
                                "One replication per point: no bar; the scatter includes the "
                                "simulation's own noise."
                            )
                        ),
                        lambda metric=metric, factor=factor: response_scatter(
                            design, metrics, metric, factor
                        ),
                        wide=False,
                    )
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
                columns=[_("Metric"), *labels, _("Unit")],
                rows=rows,
                numeric=[False] + [True] * len(labels) + [False],
                caption=_("Every metric: mean [95 % CI]"),
            )
        )
    rows = [
        [
            _c(m, cls="code"),
            _c(metric_label(m)),
            _c(unit_words(METRICS[m][0])),
            _c(metric_definition(m)),
        ]
        for m in METRIC_NAMES
    ]
    blocks.append(
        Table(
            columns=[_("Metric"), _("In this report"), _("Unit"), _("Definition")],
            rows=rows,
            caption=_("Definitions (docs/metrics.md)"),
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
            _(
                "Files of the results directory: {files}. Every number of this report can be "
                "recomputed from them; the resolved scenarios in scenarios/ run as they are."
            ).format(files=", ".join(files))
        )
    )
    blocks.append(
        Note(
            _(
                "Cite accesssim as described in its CITATION.cff file (in the source repository). "
                "Calibration targets and their sources: docs/calibration.md."
            )
        )
    )
    return Section("appendix", _("Appendix: all metrics and definitions"), blocks=blocks)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def _title(res: Results) -> tuple[str, str]:
    first = res.scenarios[res.labels[0]]
    territory = first.territory.name
    where = _("{territory}, {n} inhabitants").format(
        territory=territory, n=fmt_int(first.population_size)
    )
    if res.kind == "run":
        return (
            _("Access to primary care: {label}").format(label=res.labels[0]),
            where,
        )
    if res.kind == "compare":
        alts = res.labels[1:]
        return (
            _("Policy comparison: {alts} against {base}").format(
                alts=", ".join(alts), base=res.labels[0]
            ),
            where,
        )
    if res.kind == "optimise":
        return (
            f"Optimisation: {res.meta.get('name', 'optimise')}",
            f"{territory}, {fmt_int(first.population_size)} inhabitants",
        )
    return (
        _("Sweep: {name}").format(name=res.meta.get("name", "sweep")),
        where,
    )


def _context(res: Results) -> dict[str, Any]:
    figs = _Figures()
    title, subtitle = _title(res)
    warnings = []
    if res.meta.get("complete") is False:
        warnings.append(
            _(
                "These results are incomplete: the command was interrupted. Figures and intervals "
                "use the replications that finished."
            )
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
                _("The scenario") if len(labels) == 1 else _("The scenarios"),
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
            _("The base scenario"),
            intro=[
                _(
                    "The scenario every design point starts from; the factors of the design "
                    "replace some of its fields at each point."
                )
            ],
            blocks=_scenario_blocks(res, list(res.scenarios), with_costs=False),
        )
        sections += discovery_sections(res, figs)
        sections += _sensitivity_section(res, figs)
        sections += [_sweep_results_section(res), _design_section(res), base]
        sections.append(
            Section(
                "not-shown",
                _("Not in a sweep's results"),
                blocks=[
                    Note(
                        _(
                            "A sweep keeps the metrics, outcomes and costs of every run, not the "
                            "weekly series, wait distributions or commune tables: run a chosen "
                            "point with accesssim run (or compare two points) for those figures."
                        )
                    )
                ],
            )
        )
        sections.append(_experiment_section(res))
        sections.append(_appendix(res, list(res.scenarios)))
    return {
        "lang": language(),
        "words": _page_words(res, figs.count),
        "glance": _at_a_glance(res),
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


def _page_words(res: Results, figure_count: int) -> dict[str, str]:
    """The template's own words, in the current language."""
    return {
        "created": _("Results created {created}; report by accesssim {version}.").format(
            created=_created(res.meta), version=__version__
        ),
        "howto": _("How to read this report"),
        "simulated": _("What was simulated"),
        "contents": _("Contents"),
        "figure": _("Figure"),
        "read": _("How to read it:"),
        "uncertainty": _("Uncertainty:"),
        "footer": _(
            "Made with accesssim {version}, a discrete-event simulation of access to primary "
            "care in French health territories. {n} figures. This page is self-contained: it "
            "needs no network and no script, and prints on A4."
        ).format(version=__version__, n=figure_count),
    }


@dataclass
class Glance:
    """The one-page summary at the top of the report: what changes, by how much, at what
    cost, how sure."""

    title: str
    points: list[tuple[str, str]]  # (question, answer)
    table: Table | None


def _at_a_glance(res: Results) -> Glance | None:
    """The one-page summary (runs and comparisons; None for a sweep)."""
    if res.kind == "compare":
        return _glance_compare(res)
    if res.kind == "run":
        return _glance_run(res)
    return None


def _glance_compare(res: Results) -> Glance | None:
    diffs = res.table("differences")
    gains = res.table("cost_per_gain")
    if diffs is None or diffs.empty:
        return None
    base = res.labels[0]
    n = int(diffs["n"].max()) if "n" in diffs else 0
    points: list[tuple[str, str]] = []
    rows = []
    for alt in res.labels[1:]:
        drows = difference_rows(diffs, alt, HEADLINE)
        clear = [r for r in drows if r.significant and not r.metric.endswith("_cost_eur")]
        better = [r.short for r in clear if r.reading == _("better")]
        worse = [r.short for r in clear if r.reading == _("worse")]
        what = _("{alt}: {what}.").format(alt=alt, what=_changes(res, alt))
        points.append((_("What changes"), what))
        sep = _("; ")
        amount = (_("Better: {names}.").format(names=sep.join(better)) if better else "") + (
            " " + _("Worse: {names}.").format(names=sep.join(worse)) if worse else ""
        )
        points.append(
            (
                _("By how much"),
                (amount.strip() or _("No indicator changes clearly."))
                + " "
                + _("The table gives each difference with its 95 % CI."),
            )
        )
        cost = next((r for r in drows if r.metric == "total_cost_eur"), None)
        words = []
        if cost is not None:
            words.append(
                _("{diff} to {who} over the measured period, discounted ({reading}).").format(
                    diff=fmt_eur(float(_diff_of(diffs, alt, "total_cost_eur")), signed=True),
                    who=perspective_words(res.scenarios[base].costs.perspective),
                    reading=cost.reading,
                )
            )
        if gains is not None and not gains.empty:
            for r in icer_rows(gains, alt):
                if r.case and r.icer and not r.icer.startswith("–"):
                    what = r.description[:1].upper() + r.description[1:]
                    words.append(f"{what}: {r.icer} ({r.case}).")
        points.append((_("At what cost"), " ".join(words) or "–"))
        for r in drows:
            rows.append(
                [
                    _c(r.short, r.unit),
                    _c(r.better),
                    _c(r.base),
                    _c(r.alt),
                    _c(r.diff, "" if r.ci == "–" else r.ci, cls="strong" if r.significant else ""),
                    _c(r.reading),
                ]
            )
    points.append(
        (
            _("How sure"),
            _(
                "{reps} per scenario with the same patients (paired). A difference in bold has "
                "a 95 % CI that excludes 0: the simulation tells it apart from chance; 'no clear "
                "change' means it could be chance."
            ).format(reps=_reps(n)),
        )
    )
    table = Table(
        columns=[
            _("Indicator"),
            "",
            base,
            " / ".join(res.labels[1:]),
            _("Difference [95 % CI]"),
            _("Reading"),
        ],
        rows=rows,
        numeric=[False, False, True, True, True, False],
        kind="table glance",
    )
    return Glance(_("At a glance"), points, table)


def _diff_of(diffs: pd.DataFrame, alt: str, metric: str) -> float:
    part = diffs[(diffs["alternative"] == alt) & (diffs["metric"] == metric)]
    return float(part["diff"].iloc[0]) if not part.empty else float("nan")


def _glance_run(res: Results) -> Glance | None:
    metrics = res.table("metrics")
    if metrics is None or metrics.empty:
        return None
    lab = res.labels[0]
    est = _estimates(metrics, lab)
    n = min((e.n for e in est.values()), default=0)
    rows = []
    for m in HEADLINE:
        e = est.get(m)
        if e is None:
            continue
        ci = fmt_ci(m, e.low, e.high) if e.n >= 2 else ""
        rows.append(
            [
                _c(metric_short(m), metric_unit(m)),
                _c(better_words(m)),
                _c(fmt_value(m, e.mean), "" if ci == "–" else ci),
            ]
        )
    pols = ", ".join(_policy_names(res, lab)) or _("none")
    points = [
        (_("What is simulated"), _territory_words(res, lab) + "."),
        (_("Policies in force"), pols + "."),
        (
            _("How sure"),
            _(
                "{reps}; each value with its 95 % CI (in small type): a wide interval calls for "
                "more replications."
            ).format(reps=_reps(n)),
        ),
    ]
    table = Table(
        columns=[_("Indicator"), "", _("Mean [95 % CI]")],
        rows=rows,
        numeric=[False, False, True],
        kind="table glance",
    )
    return Glance(_("At a glance"), points, table)


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


def render_report(results: Results | Path | str, lang: str | None = None) -> str:
    """The HTML text of the report of a results directory (see :func:`report`)."""
    res = results if isinstance(results, Results) else load_results(results)
    with using(lang):
        return _template().render(**_context(res))


def report(
    results_dir: Path | str, out: Path | str | None = None, *, lang: str | None = None
) -> Path:
    """Write the HTML report of a results directory; return its path.

    Parameters
    ----------
    results_dir
        A directory written by ``accesssim run``, ``compare`` or ``sweep`` with ``--out`` (or
        by the Python API through :class:`accesssim.experiment.ResultsDir`).
    out
        The HTML file to write (default: ``RESULTS_DIR/report.html``); its folder is created.
    lang
        ``"fr"`` or ``"en"`` (default: the current language, :mod:`accesssim.i18n`).

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
        raise InputError([Problem(str(path), None, "--out", _("is a directory, not an HTML file"))])
    html = render_report(res, lang)
    from accesssim.experiment.store import atomic_write_bytes

    # Flushed to disk, permissions from the umask, a file-system error as one problem.
    return atomic_write_bytes(html.encode("utf-8"), path)
