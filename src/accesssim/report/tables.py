"""The tables a planner reads, as rows of words: written once, shown by the command line (rich
tables), the HTML report (cells) and the app (data frames).

Every row is built from the tidy tables of a comparison (``differences`` and ``cost_per_gain``
of :class:`accesssim.experiment.Comparison`, or the same files of a results directory) and the
words of :mod:`accesssim.wording`, in the current language. Files and JSON keep the English
identifiers; these rows are only what is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from accesssim.i18n import _
from accesssim.vocabulary import ACT_NAMES, PERSPECTIVES
from accesssim.wording import (
    better_words,
    dominance_words,
    fmt_ci,
    fmt_ci_diff,
    fmt_diff,
    fmt_eur,
    fmt_int,
    fmt_relative,
    fmt_value,
    gain_words,
    interval,
    item_label,
    metric_label,
    metric_short,
    metric_unit,
    per_unit,
    reading,
    significance,
)

__all__ = [
    "CostRow",
    "CostYearRow",
    "DiffRow",
    "IcerRow",
    "SummaryRow",
    "YearRow",
    "baseline_cost_words",
    "cost_rows",
    "cost_year_rows",
    "difference_rows",
    "icer_rows",
    "perspective_costs",
    "summary_rows",
    "year_difference_rows",
    "year_rows",
]


@dataclass(frozen=True)
class DiffRow:
    """One indicator of a paired comparison, in words."""

    metric: str
    label: str  # the full label
    short: str  # a short label
    unit: str
    better: str  # "↑ better", "↓ better" or ""
    base: str
    alt: str
    diff: str
    ci: str
    change: str  # relative to the baseline mean
    reading: str  # better, worse, costs more, no clear change ...
    significance: str  # "clear change" / "could be chance"
    significant: bool


def difference_rows(
    differences: pd.DataFrame, alternative: str, metrics: Sequence[str]
) -> list[DiffRow]:
    """The rows of ``alternative`` for ``metrics`` (in that order; absent ones skipped)."""
    part = differences[differences["alternative"] == alternative].set_index("metric")
    rows = []
    for m in metrics:
        if m not in part.index:
            continue
        r = part.loc[m]
        diff, low, high = float(r["diff"]), float(r["low"]), float(r["high"])
        sig = bool(r["significant"])
        rows.append(
            DiffRow(
                metric=m,
                label=metric_label(m),
                short=metric_short(m),
                unit=metric_unit(m),
                better=better_words(m),
                base=fmt_value(m, float(r["base_mean"])),
                alt=fmt_value(m, float(r["alt_mean"])),
                diff=fmt_diff(m, diff),
                ci=fmt_ci_diff(m, low, high) or "–",
                change=fmt_relative(float(r["relative"])),
                reading=reading(m, sig, diff),
                significance=significance(sig),
                significant=sig,
            )
        )
    return rows


@dataclass(frozen=True)
class CostRow:
    """One gain of a comparison: the extra cost, the gain with its CI, euros per unit."""

    alternative: str
    gain: str  # identifier
    description: str  # what a unit of gain is, in words
    extra_cost: str
    gain_mean: str
    gain_ci: str
    per_unit: str


def cost_rows(gains: pd.DataFrame, alternative: str | None = None) -> list[CostRow]:
    """The cost-per-gain rows (of one alternative, or all)."""
    part = gains if alternative is None else gains[gains["alternative"] == alternative]
    out = []
    for r in part.itertuples():
        low, high = float(r.gain_low), float(r.gain_high)
        out.append(
            CostRow(
                alternative=str(r.alternative),
                gain=str(r.gain),
                description=gain_words(str(r.gain), str(r.description)),
                extra_cost=fmt_eur(float(r.extra_cost_eur), signed=True),
                gain_mean=fmt_int(float(r.gain_mean)),
                gain_ci="" if math.isnan(low) else interval(fmt_int(low), fmt_int(high)),
                per_unit=per_unit(float(r.eur_per_unit)),
            )
        )
    return out


def baseline_cost_words(costs: Mapping[str, float], policy_names: Mapping[str, str]) -> str:
    """What today's policies cost of their own in the baseline, item by item.

    ``costs``: mean discounted euros by policy over the measured period (``total`` and the
    items of :mod:`accesssim.model.policies`); ``policy_names``: item -> name in words. The acts
    of the baseline (consultations, teleconsultations, ED visits) are its cost of care.
    """
    total = float(costs.get("total", 0.0) or 0.0)
    items = [
        (k, float(v))
        for k, v in costs.items()
        if k != "total" and k in policy_names and v and not math.isnan(float(v))
    ]
    if not items or total == 0:
        return _(
            "The baseline's policies cost nothing of their own; the acts they lead to are in "
            "its cost of care, from which differences are counted."
        )
    parts = ", ".join(f"{policy_names[k]} {fmt_eur(v)}" for k, v in items)
    return _(
        "The baseline's policies cost {total} of their own over the measured period ({items}), "
        "besides its cost of care; differences are counted from both."
    ).format(total=fmt_eur(total), items=parts)


@dataclass(frozen=True)
class SummaryRow:
    """One indicator of a run: label, direction, mean, CI, unit."""

    metric: str
    label: str
    better: str
    mean: str
    ci: str
    unit: str


def summary_rows(summary: Mapping[str, object], metrics: Iterable[str]) -> list[SummaryRow]:
    """The rows of a run's summary (``metric -> Estimate``) for ``metrics``."""
    out = []
    for m in metrics:
        est = summary.get(m)
        if est is None:
            continue
        mean, low, high, n = (
            float(est.mean),  # type: ignore[attr-defined]
            float(est.low),  # type: ignore[attr-defined]
            float(est.high),  # type: ignore[attr-defined]
            int(est.n),  # type: ignore[attr-defined]
        )
        out.append(
            SummaryRow(
                metric=m,
                label=metric_label(m),
                better=better_words(m),
                mean=fmt_value(m, mean),
                ci=fmt_ci(m, low, high) if n >= 2 else "–",
                unit=metric_unit(m),
            )
        )
    return out


@dataclass(frozen=True)
class YearRow:
    """One indicator in one measurement year: each scenario's mean with its 95 % CI, or an
    alternative's paired difference from the baseline."""

    metric: str
    label: str
    year: int
    cells: tuple[tuple[str, str], ...]  # (value, CI) per scenario, or (difference, CI)
    significant: bool = False


def year_rows(years: pd.DataFrame, labels: Sequence[str], metrics: Sequence[str]) -> list[YearRow]:
    """Rows of the tidy year-by-year table (``years.parquet``): for each metric and year, the
    mean over replications of each scenario and its 95 % CI (Student t)."""
    from accesssim.analysis import mean_ci

    out = []
    for m in metrics:
        sub = years[years["metric"] == m]
        if sub.empty:
            continue
        for year in sorted(int(y) for y in sub["year"].unique()):
            cells = []
            for lab in labels:
                v = sub[(sub["year"] == year) & (sub["scenario"] == lab)]["value"]
                if v.empty:
                    cells.append(("–", ""))
                    continue
                e = mean_ci(v.to_numpy(dtype=float))
                ci = fmt_ci(m, e.low, e.high) if e.n >= 2 else ""
                cells.append((fmt_value(m, e.mean), ci))
            out.append(YearRow(m, metric_short(m), year, tuple(cells)))
    return out


def year_difference_rows(
    by_year: pd.DataFrame, alternative: str, metrics: Sequence[str]
) -> list[YearRow]:
    """Rows of ``differences_by_year``: the paired difference of ``alternative`` from the
    baseline, year by year, with its 95 % CI."""
    part = by_year[by_year["alternative"] == alternative]
    out = []
    for m in metrics:
        sub = part[part["metric"] == m].sort_values("year")
        for r in sub.itertuples():
            out.append(
                YearRow(
                    m,
                    metric_short(m),
                    int(r.year),
                    (
                        (fmt_value(m, float(r.base_mean)), ""),
                        (fmt_value(m, float(r.alt_mean)), ""),
                        (fmt_diff(m, float(r.diff)), fmt_ci_diff(m, float(r.low), float(r.high))),
                    ),
                    bool(r.significant),
                )
            )
    return out


@dataclass(frozen=True)
class IcerRow:
    """One (alternative, gain) of the cost-effectiveness table, in words."""

    alternative: str
    gain: str
    description: str
    cost: str  # incremental cost
    cost_ci: str
    effect: str  # incremental effect (units of gain)
    effect_ci: str
    icer: str  # euros per unit of gain
    icer_ci: str
    case: str  # dominance case in words


def _icer_words(value: float, effect: float) -> str:
    """The ICER in words, read with the sign of the effect: per unit gained, a price or a
    saving (better and cheaper); per unit lost (a worse alternative), a saving (cheaper) or a
    cost on top (dominated)."""
    if math.isnan(value) or math.isnan(effect):
        return "–"
    eur = fmt_eur(abs(value))
    if effect >= 0:
        return _("saves {eur} per unit").format(eur=eur) if value < 0 else eur
    if value < 0:  # dearer and worse
        return _("{eur} more per unit lost").format(eur=eur)
    return _("saves {eur} per unit lost").format(eur=eur)


def icer_rows(gains: pd.DataFrame, alternative: str | None = None) -> list[IcerRow]:
    """The cost-effectiveness rows (of one alternative, or all), from cost_per_gain.parquet.

    The ICER is shown with its Fieller 95 % CI when the effect is clearly non-zero; for a
    dominant alternative (better and cheaper) or a dominated one it is a saving or a loss per
    unit, read with the case in words."""
    part = gains if alternative is None else gains[gains["alternative"] == alternative]
    out = []
    for r in part.to_dict("records"):
        case = str(r.get("dominance", ""))
        low = float(r.get("cost_low", float("nan")))
        high = float(r.get("cost_high", float("nan")))
        cost_ci = (
            ""
            if math.isnan(low)
            else interval(fmt_eur(low, signed=True), fmt_eur(high, signed=True))
        )
        glow, ghigh = float(r["gain_low"]), float(r["gain_high"])
        clear = case not in ("no_clear_effect", "")
        icer = float(r.get("icer", r.get("eur_per_unit", float("nan"))))
        ilow, ihigh = (
            float(r.get("icer_low", float("nan"))),
            float(r.get("icer_high", float("nan"))),
        )
        if not clear:
            icer_text, icer_ci = _("– (effect could be 0)"), ""
        else:
            icer_text = _icer_words(icer, float(r.get("gain_mean", float("nan"))))
            icer_ci = (
                interval(fmt_eur(ilow, signed=True), fmt_eur(ihigh, signed=True))
                if bool(r.get("icer_bounded", False)) and not math.isnan(ilow)
                else _("CI not bounded")
            )
        out.append(
            IcerRow(
                alternative=str(r["alternative"]),
                gain=str(r["gain"]),
                description=gain_words(str(r["gain"]), str(r["description"])),
                cost=fmt_eur(float(r["extra_cost_eur"]), signed=True),
                cost_ci=cost_ci,
                effect=fmt_int(float(r["gain_mean"])),
                effect_ci="" if math.isnan(glow) else interval(fmt_int(glow), fmt_int(ghigh)),
                icer=icer_text,
                icer_ci=icer_ci,
                case=dominance_words(case) if case else "",
            )
        )
    return out


def perspective_costs(costs: pd.DataFrame, perspectives: Mapping[str, str]) -> pd.DataFrame:
    """Discounted euros by (scenario, replication, year, item) for each scenario's perspective
    (``perspectives``: label -> perspective), from costs.parquet; the GP's own costs
    (``*_gp_net_cost``) are kept. Results written by older versions (columns policy, eur) are
    read as one year of policy costs."""
    if "item" not in costs.columns:  # older results: policy costs of the measured period
        old = costs.rename(columns={"policy": "item", "eur": "eur_discounted"})
        old = old[old["item"] != "total"]
        return old.assign(year=1)[["scenario", "replication", "year", "item", "eur_discounted"]]
    keep = []
    for label, part in costs.groupby("scenario", sort=False):
        payers = PERSPECTIVES.get(perspectives.get(str(label), "amo"), ("amo",))
        keep.append(part[part["payer"].isin(payers) | (part["payer"] == "gp")])
    if not keep:
        return costs.iloc[0:0][["scenario", "replication", "year", "item", "eur_discounted"]]
    out = pd.concat(keep, ignore_index=True)
    return (
        out.groupby(["scenario", "replication", "year", "item"], sort=False)["eur_discounted"]
        .sum()
        .reset_index()
    )


@dataclass(frozen=True)
class CostYearRow:
    """One cost item: mean discounted euros per year and over the horizon (a scenario's, or an
    alternative's difference from the baseline)."""

    item: str
    label: str
    years: tuple[str, ...]
    total: str
    care: bool  # an act (care) rather than a policy's own cost


def cost_year_rows(
    costs: pd.DataFrame, label: str, base: str | None = None
) -> tuple[list[int], list[CostYearRow]]:
    """Mean discounted euros by item and year of ``label`` (minus ``base`` when given, paired
    by replication), from :func:`perspective_costs`; returns the years and the rows (acts that
    occur, then policies; the GP's own costs last, never in the totals), with a total row."""

    def table(lab: str) -> pd.DataFrame:
        part = costs[costs["scenario"] == lab]
        return part.pivot_table(
            index=["replication", "item"], columns="year", values="eur_discounted", aggfunc="sum"
        ).fillna(0.0)

    this = table(label)
    if base is not None:
        other = table(base)
        this = this.sub(other, fill_value=0.0).fillna(0.0)
    if this.empty:
        return [], []
    years = sorted(int(c) for c in this.columns)
    mean = this.groupby(level="item", sort=False).mean()
    acts = [i for i in ACT_NAMES if i in mean.index and bool((mean.loc[i] != 0).any())]
    order = acts + sorted(
        i for i in mean.index if i not in ACT_NAMES and not str(i).endswith("_gp_net_cost")
    )
    gp = [i for i in mean.index if str(i).endswith("_gp_net_cost")]
    signed = base is not None
    rows = []
    for item in order + gp:
        values = mean.loc[item]
        rows.append(
            CostYearRow(
                item=str(item),
                label=item_label(str(item)),
                years=tuple(fmt_eur(float(values[y]), signed=signed) for y in years),
                total=fmt_eur(float(values.sum()), signed=signed),
                care=str(item) in ACT_NAMES,
            )
        )
    totals = mean.loc[order].sum(axis=0) if order else pd.Series(0.0, index=years)
    rows.append(
        CostYearRow(
            item="total",
            label=_("Total"),
            years=tuple(fmt_eur(float(totals[y]), signed=signed) for y in years),
            total=fmt_eur(float(totals.sum()), signed=signed),
            care=False,
        )
    )
    return years, rows
