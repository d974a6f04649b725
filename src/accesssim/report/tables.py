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
from accesssim.wording import (
    better_words,
    fmt_ci,
    fmt_ci_diff,
    fmt_diff,
    fmt_eur,
    fmt_int,
    fmt_relative,
    fmt_value,
    gain_words,
    interval,
    metric_label,
    metric_short,
    metric_unit,
    per_unit,
    reading,
    significance,
)

__all__ = [
    "CostRow",
    "DiffRow",
    "SummaryRow",
    "YearRow",
    "baseline_cost_words",
    "cost_rows",
    "difference_rows",
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
    """Why the baseline has a policy cost: what today's policies cost, item by item.

    ``costs``: mean euros by cost item over the measured period (``total`` and the items of
    :mod:`accesssim.model.policies`); ``policy_names``: item -> name in words.
    """
    total = float(costs.get("total", 0.0) or 0.0)
    items = [
        (k, float(v))
        for k, v in costs.items()
        if k != "total" and k in policy_names and v and not math.isnan(float(v))
    ]
    if not items or total == 0:
        return _("The baseline costs nothing: no policy with a cost is in force today.")
    parts = ", ".join(f"{policy_names[k]} {fmt_eur(v)}" for k, v in items)
    return _(
        "The baseline's policy cost ({total}) is what current practice costs the public payer "
        "over the measured period: {items}. Differences are counted from it."
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
