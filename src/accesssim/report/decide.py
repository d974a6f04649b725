"""Report sections of decision support: an optimisation's Pareto set, a sweep's discovery.

:func:`optimise_sections` reads the tables of ``accesssim optimise`` (``mixes.parquet``,
``comparisons.parquet``, ``pareto.json``); :func:`discovery_sections` those of
``accesssim discover`` (``discovery.json``, ``robustness.parquet``, ``prim-*.parquet``,
``feature-scores.parquet``) when a sweep's directory has them. Both return
:class:`~accesssim.report.build.Section` objects for the page, in the report's conventions
(numbered figures with a reading and an uncertainty note, tables with captions).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from accesssim.i18n import _
from accesssim.report.results import Results
from accesssim.wording import fmt_ci, fmt_diff, fmt_eur, fmt_value, metric_label

__all__ = [
    "OPTIMISE_HOW_TO_READ",
    "discovery_sections",
    "optimise_sections",
    "optimise_summary",
]

OPTIMISE_HOW_TO_READ = (
    "This report describes an optimisation: a search over the levers of a policy mix for the "
    "mixes that give the most access within the budget, every mix simulated with the same "
    "patients (the same seeds). The most promising ones were then run again with more "
    "replications and compared in pairs, so that the Pareto set below says which differences "
    "are real. Start with the figure of the front, then the table of the Pareto set: each mix "
    "is one way of spending the budget; none is better than another on every objective."
)


def _figure(
    figs: Any,
    make: Any,
    title: str,
    reading: str,
    uncertainty: str,
    wide: bool = True,
) -> Any:
    """A numbered figure block of the report (through the figure catalogue's spec)."""
    from accesssim.report.catalogue import FigureSpec

    key = "decide-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    return figs.add(FigureSpec(key, title, reading, uncertainty, make, wide))


def _read_json(res: Results, name: str) -> dict[str, Any]:
    path = res.path / name
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _eur_ci(mean: float, low: float, high: float) -> tuple[str, str]:
    if isinstance(low, float) and not math.isnan(low) and low != high:
        return fmt_eur(mean), f"[{low:,.0f}, {high:,.0f}]"
    return fmt_eur(mean), ""


def _budget_words(meta: dict[str, Any]) -> str:
    b = meta.get("budget")
    if not b:
        return "no budget"
    per = "a year" if b.get("per") == "year" else "over the measured period"
    above = " above today's spending" if b.get("relative_to", "baseline") == "baseline" else ""
    return f"{fmt_eur(float(b['amount_eur']))} {per}{above}"


def optimise_summary(res: Results) -> list[str]:
    """What was optimised, in a few sentences."""
    meta = res.meta
    levers = ", ".join(str(f.get("name") or f["path"]) for f in meta.get("levers") or [])
    objs = "; ".join(
        f"{o['sense']} {metric_label(o['metric'])}" for o in meta.get("objectives") or []
    )
    s = meta.get("search") or {}
    years = float(meta.get("years_measured") or 1.0)
    return [
        f"Levers: {levers}. Budget: {_budget_words(meta)} (cost metric "
        f"{meta.get('cost_metric', 'policy_cost_eur')}; {years:g} year(s) measured).",
        f"Objectives: {objs}.",
        f"Search: {s.get('algorithm', '?')}, {meta.get('mixes_evaluated', '?')} mixes evaluated "
        f"with the same seeds, {meta.get('runs', '?')} simulation runs in all.",
    ]


def optimise_sections(res: Results, figs: Any) -> list[Any]:
    """The Pareto set, which differences are real, the finalists left out, the search."""
    from accesssim.report.build import Note, Section, Table, _c
    from accesssim.report.figures_decide import pareto_front

    meta = res.meta
    mixes = res.table("mixes")
    assert mixes is not None
    comps = res.table("comparisons")
    payload = _read_json(res, "pareto.json")
    objectives = list(meta.get("objectives") or [])
    levers = list(meta.get("levers") or [])
    cost_metric = str(meta.get("cost_metric", "policy_cost_eur"))
    budget = meta.get("budget") or None
    per_year = bool(budget and budget.get("per") == "year")
    front = mixes[mixes["pareto"]].sort_values("budget_spend_mean", kind="stable")
    sec = Section(
        "pareto",
        "The best mixes for the budget",
        intro=[
            f"{len(mixes)} mixes were simulated during the search; {int(mixes['finalist'].sum())} "
            f"finalists (the baseline among them) were run again, up to "
            f"{int(mixes['replications'].max())} replications each, and compared in pairs. "
            f"{len(front)} mix(es) form the confirmed Pareto set within "
            f"{_budget_words(meta)}: for each, no other mix is really better on every "
            "objective."
        ],
    )
    cost_label = (
        "Extra cost over the baseline, per year (EUR thousand)"
        if per_year
        else "Extra cost over the baseline (EUR thousand)"
    )
    if budget and budget.get("relative_to") == "zero":
        cost_label = cost_label.replace("Extra cost over the baseline", "Cost")
    sec.blocks.append(
        _figure(
            figs,
            lambda: pareto_front(
                mixes,
                objectives,
                budget=float(budget["amount_eur"]) if budget else None,
                cost_label=cost_label,
                cost_metric=cost_metric,
            ),
            "The Pareto front: access against cost",
            "Each panel is one objective against the money spent. Filled dots (numbered) are "
            "the confirmed Pareto set; moving right along it buys more of one objective or "
            "another. The dashed line is the budget; the black square is today's mix.",
            "Bars: 95 % CIs over the finalists' replications (common random numbers); grey "
            "dots are search-stage means over fewer replications, so they scatter more.",
        )
    )
    rows = []
    for r in front.itertuples(index=False):
        row = r._asdict()
        spend, spend_ci = _eur_ci(
            row["budget_spend_mean"], row["budget_spend_low"], row["budget_spend_high"]
        )
        cells = [_c(str(row["label"]), f"{int(row['replications'])} replications")]
        cells.append(_c(str(row["words"])))
        cells.append(_c(spend, spend_ci))
        for o in objectives:
            m = o["metric"]
            if m == cost_metric:
                v, ci = _eur_ci(row[f"{m}_mean"], row[f"{m}_low"], row[f"{m}_high"])
                cells.append(_c(v, ci))
            else:
                cells.append(
                    _c(fmt_value(m, row[f"{m}_mean"]), fmt_ci(m, row[f"{m}_low"], row[f"{m}_high"]))
                )
        rows.append(cells)
    columns = ["Mix", "The levers, in words", "Extra cost" + (" a year" if per_year else "")]
    columns += [metric_label(o["metric"]) for o in objectives]
    sec.blocks.append(
        Table(
            columns=columns,
            rows=rows,
            numeric=[False, False] + [True] * (1 + len(objectives)),
            caption="The confirmed Pareto set: mean [95 % CI]",
            note="Extra cost: the paired difference from the baseline in "
            f"{cost_metric} (plus the levers' own unit costs), the budget's measure. "
            "Mixes in words list only the levers that change from today.",
        )
    )
    # Which differences are real.
    if comps is not None and not comps.empty:
        inside = comps[comps["a"].isin(front["mix"]) & comps["b"].isin(front["mix"])]
        label = dict(zip(mixes["mix"], mixes["label"], strict=True))
        crows = []
        for r in inside.itertuples(index=False):
            m = str(r.metric)
            if r.decision in ("a better", "b better"):
                win = label[int(r.better)]
                words = f"{win} is better"
            elif r.decision == "tie":
                words = f"a tie (less than {fmt_diff(m, float(r.indifference)).lstrip('+')})"
            else:
                words = "undecided: more replications needed"
            diff = fmt_diff(m, float(r.diff)) if m != cost_metric else f"{float(r.diff):+,.0f}"
            ci = (
                f"[{fmt_diff(m, float(r.low))}, {fmt_diff(m, float(r.high))}]"
                if m != cost_metric
                else f"[{float(r.low):+,.0f}, {float(r.high):+,.0f}]"
            )
            crows.append(
                [
                    _c(f"{label[int(r.a)]} vs {label[int(r.b)]}"),
                    _c(metric_label(m)),
                    _c(diff, ci),
                    _c(words),
                    _c(str(int(r.replications))),
                ]
            )
        alpha = (meta.get("confirm") or {}).get("alpha", 0.05)
        sec.blocks.append(
            Table(
                columns=["Pair", "Objective", "Difference (first - second)", "Verdict", "Reps"],
                rows=crows,
                numeric=[False, False, True, False, True],
                caption="Which differences between the mixes of the set are real",
                note="A KN-type fully sequential procedure on paired differences (Kim & Nelson "
                "2001) with the planner's indifference zone; all verdicts hold together with "
                f"probability at least {1 - float(alpha):.0%} when the true differences are at "
                "least the indifference zone. Intervals: Bonferroni-adjusted CIs of the mean "
                "paired difference.",
                kind="table small",
            )
        )
    left = mixes[mixes["finalist"] & ~mixes["pareto"]]
    if not left.empty:
        lrows = []
        label = dict(zip(mixes["mix"], mixes["label"], strict=True))
        for r in left.itertuples(index=False):
            row = r._asdict()
            if not row["feasible"]:
                why = "over the budget or outside a constraint once confirmed"
            elif row["dominated_by"]:
                why = "really dominated by " + ", ".join(
                    label.get(int(x), x) for x in str(row["dominated_by"]).split(", ")
                )
            else:
                why = "–"
            lrows.append([_c(str(row["label"])), _c(str(row["words"])), _c(why)])
        sec.blocks.append(
            Table(
                columns=["Finalist", "The levers, in words", "Why it is not in the set"],
                rows=lrows,
                caption="Finalists left out",
            )
        )
    if payload.get("undecided"):
        sec.blocks.append(
            Note(
                f"{payload['undecided']} comparison(s) among the finalists stayed undecided at "
                "the replication cap: raise confirm.max_replications to settle them."
            )
        )
    # The search.
    s = meta.get("search") or {}
    c = meta.get("confirm") or {}
    lrows = []
    base = meta.get("baseline") or {}
    for f in levers:
        name = f.get("name") or f["path"]
        if f.get("levels") is not None:
            span = ", ".join(str(v) for v in f["levels"])
        else:
            lo, hi = f["range"]
            span = f"{lo:g} to {hi:g}" + (f" by {f['step']:g}" if f.get("step") else "")
        unit = f.get("cost_per_unit_per_year_eur") or 0.0
        lrows.append(
            [
                _c(str(name)),
                _c(f["path"], cls="code"),
                _c(span),
                _c(str(base.get(name, "–"))),
                _c(f"{fmt_eur(unit)} per unit a year" if unit else "costed by the model"),
            ]
        )
    search = Section(
        "search",
        "The levers and the search",
        intro=[
            f"Search: {s.get('algorithm', '?')} (optuna), {s.get('population', '?')} mixes per "
            f"generation x {s.get('generations', '?')} generations, seed {s.get('seed', '?')}, "
            f"{len(meta.get('replications') or [])} replication seeds in all; each generation "
            "was simulated as one batch with the same seeds and returned to the search in a "
            "fixed order, so the search is the same on any executor. Confirmation: "
            f"first stage {c.get('first_stage', '?')} replications, then {c.get('batch', '?')} "
            f"at a time up to {c.get('max_replications', '?')}, overall error "
            f"{c.get('alpha', '?')}.",
        ],
        blocks=[
            Table(
                columns=["Lever", "Scenario field", "Values", "Today", "Cost"],
                rows=lrows,
                caption="The levers",
            )
        ],
    )
    return [sec, search]


# ---------------------------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------------------------


def discovery_sections(res: Results, figs: Any) -> list[Any]:
    """Robustness, regret and PRIM boxes of each mix (empty when not discovered)."""
    from accesssim.experiment.discover import box_words, threshold_words
    from accesssim.experiment.sweep import Threshold
    from accesssim.report.build import Note, Section, Table, _c
    from accesssim.report.figures_decide import feature_score_bars, prim_peeling

    disc = _read_json(res, "discovery.json")
    rob = res.table("robustness")
    if not disc or rob is None:
        return []
    traj = res.table("prim-trajectory")
    boxes = res.table("prim-boxes")
    scores = res.table("feature-scores")
    thresholds = disc.get("thresholds") or []
    crit = _(" and ").join(threshold_words(t) for t in thresholds)
    said = {Threshold(**t).text(): threshold_words(t) for t in thresholds}
    factors = {f.get("name") or f["path"]: f for f in res.meta.get("factors") or []}
    sec = Section(
        "discovery",
        _("Where each mix fails: robustness and scenario discovery"),
        intro=[
            _(
                "Each mix ran at the same samples of the uncertainties ({uncertainties}). A plan "
                "succeeds at a sample when {criteria}. Satisficing: the share of samples where it "
                "succeeds; regret: how far it falls behind the best mix at the same sample (the "
                "worst case over the samples, its 90th percentile and its mean)."
            ).format(uncertainties=", ".join(disc.get("uncertainties") or []), criteria=crit)
        ],
    )
    rows = []
    for r in rob.itertuples(index=False):
        if r.metric == "all thresholds":
            rows.append(
                [
                    _c(str(r.mix)),
                    _c(_("every threshold")),
                    _c(f"{100 * float(r.satisficing):.0f} %"),
                    _c("–"),
                    _c("–"),
                    _c("–"),
                ]
            )
            continue
        m = str(r.metric)
        rows.append(
            [
                _c(str(r.mix)),
                _c(said.get(str(r.threshold), str(r.threshold))),
                _c(f"{100 * float(r.satisficing):.0f} %"),
                _c(fmt_value(m, float(r.mean))),
                _c(fmt_value(m, float(r.worst))),
                _c(
                    fmt_diff(m, float(r.regret_max)).lstrip("+"),
                    _("p90 {p90}, mean {mean}").format(
                        p90=fmt_diff(m, float(r.regret_p90)).lstrip("+"),
                        mean=fmt_diff(m, float(r.regret_mean)).lstrip("+"),
                    ),
                ),
            ]
        )
    sec.blocks.append(
        Table(
            columns=[
                _("Mix"),
                _("Threshold"),
                _("Met in"),
                _("Mean"),
                _("Worst"),
                _("Maximum regret"),
            ],
            rows=rows,
            numeric=[False, False, True, True, True, True],
            caption=_("Robustness of each mix across the uncertainty samples"),
            note=_(
                "Values are means over the replications of each sample; regret is the "
                "distance to the best mix at that sample (Savage 1951)."
            ),
        )
    )
    for mix, info in (disc.get("mixes") or {}).items():
        box = info.get("box")
        if not box:
            continue
        if not box.get("limits"):
            sec.blocks.append(
                Note(
                    _(
                        "{mix} fails across the whole uncertainty space ({failures} of {cases} "
                        "samples): no range of the uncertainties holds its failures better than "
                        "all the samples."
                    ).format(mix=mix, failures=box["failures"], cases=box["cases"])
                )
            )
            continue
        brows = []
        part = boxes[boxes["mix"] == mix] if boxes is not None else pd.DataFrame()
        for r in part.itertuples(index=False):
            lo = "–" if pd.isna(r.low) or math.isinf(float(r.low)) else f"{float(r.low):.3g}"
            hi = "–" if pd.isna(r.high) or math.isinf(float(r.high)) else f"{float(r.high):.3g}"
            brows.append([_c(str(r.uncertainty)), _c(lo), _c(hi), _c(f"{float(r.quasi_p):.2g}")])
        sec.blocks.append(
            Table(
                columns=[_("Uncertainty"), _("From"), _("To"), _("Quasi-p")],
                rows=brows,
                numeric=[False, True, True, True],
                caption=_("{mix}: fails mostly when {words}").format(
                    mix=mix, words=box_words(box["limits"], factors)
                ),
                note=_(
                    "PRIM box (Friedman & Fisher 1999; Bryant & Lempert 2010): it holds "
                    "{coverage} % of the {failures} failing samples (coverage), and {density} % "
                    "of the {cases} samples inside it fail (density). A quasi-p-value below 0.05 "
                    "means the limit is unlikely to come from chance."
                ).format(
                    coverage=f"{100 * box['coverage']:.0f}",
                    failures=box["failures"],
                    density=f"{100 * box['density']:.0f}",
                    cases=box["cases"],
                ),
            )
        )
        if traj is not None and not traj[traj["mix"] == mix].empty:
            sec.blocks.append(
                _figure(
                    figs,
                    lambda mix=mix: prim_peeling(traj, mix),
                    _("{mix}: PRIM peeling trajectory").format(mix=mix),
                    _(
                        "Peeling trades coverage for density from the top left; the circled box "
                        "is the densest whose coverage is at least half the failures and whose "
                        "every limit is significant."
                    ),
                    _(
                        "Coverage and density are counts of samples (means of their "
                        "replications); with few samples a box can fit noise: check its "
                        "quasi-p-values."
                    ),
                    wide=False,
                )
            )
        if scores is not None and not scores[scores["mix"] == mix].empty:
            sec.blocks.append(
                _figure(
                    figs,
                    lambda mix=mix: feature_score_bars(scores, mix),
                    _("{mix}: which uncertainties matter").format(mix=mix),
                    _(
                        "Longer bars: the uncertainty explains more of the failures (or of the "
                        "indicator); scores of one outcome sum to 1."
                    ),
                    _(
                        "Extremely randomised trees (scikit-learn, 250 trees, fixed seed); an "
                        "uncertainty with a score near 1 / (number of uncertainties) is noise."
                    ),
                    wide=False,
                )
            )
    return [sec]
