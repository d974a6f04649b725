"""Figures of the report, as matplotlib :class:`~matplotlib.figure.Figure` objects.

Every function takes the tidy tables of a results directory (pandas DataFrames as written by
:mod:`accesssim.experiment.store`), returns a new Figure and touches no global state: figures
are built with :class:`matplotlib.figure.Figure` (never ``pyplot``), on the Agg canvas, inside
a local style context. The HTML report embeds them with :func:`figure_svg`; a web application
can call the same functions and render them as it likes.

Figures are deterministic: fixed sizes and colours, no random jitter, SVG written with a fixed
hash salt and no date, so the same results give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from accesssim.i18n import N_, _
from accesssim.model import METRICS
from accesssim.report.describe import Event
from accesssim.wording import (
    better_words,
    metric_label,
    metric_short,
    metric_unit,
    outcome_label,
    pct,
)

__all__ = [
    "DREES_2018_MEAN_DAYS",
    "DREES_2018_MEDIAN_DAYS",
    "OUTCOME_COLOURS",
    "PALETTE",
    "STYLE",
    "differences_forest",
    "figure_svg",
    "outcome_flows",
    "outcome_shares",
    "prcc_interval",
    "response_scatter",
    "scenario_colours",
    "sensitivity_tornado",
    "top_factor",
    "wait_distribution",
    "wait_summary",
    "weekly_series",
]

#: DREES, Études et résultats 1085 (2018): delay from request to appointment with a GP, all
#: appointments: median 2 days, mean 6 days.
DREES_2018_MEDIAN_DAYS = 2.0
DREES_2018_MEAN_DAYS = 6.0

#: Colour-blind-safe colours for scenarios, baseline first (Okabe-Ito, without yellow).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")

OUTCOME_COLOURS: dict[str, str] = {
    "own_mt": "#1b7837",
    "other_gp": "#7fbf7b",
    "nurse": "#CC79A7",
    "out_of_hours": "#E69F00",
    "teleconsultation": "#56B4E9",
    "pharmacist": "#0072B2",
    "ed_direct": "#8c2d04",
    "ed": "#D55E00",
    "forgone": "#4d4d4d",
    "pending": "#bababa",
}

#: Local rc settings for every figure (applied with ``matplotlib.rc_context``).
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "svg.hashsalt": "accesssim",
    "svg.fonttype": "path",
    "path.simplify": True,
    "date.converter": "concise",
}

WIDTH = 7.2  # inches: the text width of an A4 page with 15 mm margins, at 100 % zoom

F = TypeVar("F", bound=Callable[..., Figure])


def _styled(func: F) -> F:
    """Build the figure inside the report's local style (rcParams restored afterwards)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return localise(func(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


class _DecimalComma(ScalarFormatter):
    """Tick labels with a decimal comma (French)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def localise(fig: Figure) -> Figure:
    """Numbers on the axes in the current language: a decimal comma in French."""
    from accesssim.i18n import language

    if language() != "fr":
        return fig
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(_DecimalComma())
    return fig


def _new(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def scenario_colours(labels: Sequence[str]) -> dict[str, str]:
    """A fixed colour per scenario label, in the given order (baseline first)."""
    return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labels)}


def _labels(df: pd.DataFrame, labels: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(df["scenario"].tolist())) if "scenario" in df else []
    if labels is None:
        return sorted(present)
    return [lab for lab in labels if lab in set(present)]


def _is_share(metric_or_series: str) -> bool:
    if metric_or_series in METRICS:
        return METRICS[metric_or_series][0] == "share"
    return metric_or_series.endswith("_share") or metric_or_series.startswith("coverage")


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------

_ID = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def figure_svg(fig: Figure, prefix: str = "f", label: str | None = None) -> str:
    """The figure as an inline ``<svg>`` element for an HTML page, byte-for-byte reproducible.

    Written by matplotlib's SVG backend (glyphs as paths, fixed hash salt, no date), then made
    fit for inlining: no XML prolog, no metadata block, no namespace declarations (the HTML
    parser puts ``<svg>`` in the SVG namespace; links use SVG 2 ``href``), no ``<style>``
    element (its rules would apply to the whole page), no comments, no indentation. Element
    ids are prefixed with ``prefix`` so that several figures can live in one page without
    their glyph and clip-path ids colliding. ``label`` becomes the ``aria-label``.
    """
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.DOTALL)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = text.replace("xlink:href=", "href=")
    text = re.sub(r"\n[ \t]+", "\n", text)
    text = re.sub(r" ?\n(?=[LMCQZz] ?)", " ", text)  # path data on one line
    text = re.sub(r"<defs>\s*</defs>\s*", "", text)
    ids = set(re.findall(r'\bid="([^"]+)"', text))

    def rename(m: re.Match[str]) -> str:
        name = m.group(2)
        return f"{m.group(1)}{prefix}-{name}" if name in ids else m.group(0)

    text = _ID.sub(rename, text)
    # Let CSS size the figure (the viewBox keeps its proportions); the stroke defaults of the
    # removed <style> element go on the root, where they are inherited.
    aria = f' role="img" aria-label="{_attr(label)}"' if label else ' role="img"'
    text = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
        lambda m: f'<svg{m.group(1)} style="stroke-linejoin: round; stroke-linecap: butt"{aria}',
        text,
        count=1,
    )
    return text.strip() + "\n"


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


# ---------------------------------------------------------------------------------------------
# Weekly series
# ---------------------------------------------------------------------------------------------


def _band(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max over replications, by day (NaN values ignored)."""
    wide = frame.pivot_table(index="day", columns="replication", values="value", dropna=False)
    values = wide.to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        ok = ~np.isnan(values)
        counts = ok.sum(axis=1)
        mean = np.where(counts > 0, np.nansum(values, axis=1) / np.maximum(counts, 1), np.nan)
        lo = np.where(counts > 0, np.nanmin(np.where(ok, values, np.inf), axis=1), np.nan)
        hi = np.where(counts > 0, np.nanmax(np.where(ok, values, -np.inf), axis=1), np.nan)
    return pd.DataFrame({"mean": mean, "low": lo, "high": hi}, index=wide.index)


def _date_axis(ax: Any) -> None:
    """Month names on a date axis in the current language (Babel), the year on January and
    on the first tick."""
    from babel.dates import format_date
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.ticker import FuncFormatter

    from accesssim.i18n import locale_name

    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=10))

    def label(value: float, pos: int | None) -> str:
        day = num2date(value).date()
        fmt = "MMM y" if day.month == 1 or pos == 0 else "MMM"
        return format_date(day, fmt, locale=locale_name())

    ax.xaxis.set_major_formatter(FuncFormatter(label))


def _x(days: np.ndarray, start_date: dt.date | None) -> np.ndarray:
    if start_date is None:
        return np.asarray(days, dtype=float)
    return np.datetime64(start_date.isoformat(), "D") + np.asarray(days, dtype="timedelta64[D]")


@_styled
def weekly_series(
    weekly: pd.DataFrame,
    series: str,
    *,
    warmup_days: int,
    horizon_days: int | None = None,
    start_date: dt.date | None = None,
    events: Sequence[Event] = (),
    labels: Sequence[str] | None = None,
    ylabel: str | None = None,
    title: str | None = None,
) -> Figure:
    """One weekly series over time: the mean over replications and the lowest-highest band.

    Parameters
    ----------
    weekly
        ``weekly.parquet``: scenario, replication, week, day, series, value.
    series
        The series to draw (see docs/metrics.md); shares are drawn in %.
    warmup_days
        Shaded: the warm-up, not measured.
    horizon_days
        When given, a last partial week (shorter than 7 days) is left out.
    start_date
        Calendar date of day 0: the x axis shows dates (else day numbers).
    events
        Vertical lines (policy starts, GP arrivals and departures); an event with a
        ``scenario`` is drawn in that scenario's colour.
    labels
        Scenarios to draw, in order (default: all, sorted); colours follow this order.
    """
    df = weekly[weekly["series"] == series]
    if horizon_days is not None:
        df = df[df["day"] + 7 <= horizon_days]
    names = _labels(df, labels)
    colours = scenario_colours(labels if labels is not None else names)
    scale = 100.0 if _is_share(series) else 1.0
    fig = _new(WIDTH, 2.9 + 0.15 * max(0, len(names) - 2))
    ax = fig.add_subplot()
    n_reps = 0
    for z, lab in enumerate(names):
        band = _band(df[df["scenario"] == lab])
        n_reps = max(n_reps, int(df[df["scenario"] == lab]["replication"].nunique()))
        x = _x(band.index.to_numpy(), start_date)
        ax.fill_between(
            x,
            scale * band["low"].to_numpy(),
            scale * band["high"].to_numpy(),
            color=colours[lab],
            alpha=0.18 if len(names) == 1 else 0.1,
            linewidth=0,
        )
        ax.plot(
            x,
            scale * band["mean"].to_numpy(),
            color=colours[lab],
            linewidth=1.4,
            label=lab,
            zorder=3 + len(names) - z,  # the first (baseline) on top
        )
    x0 = _x(np.array([0]), start_date)[0]
    xw = _x(np.array([warmup_days]), start_date)[0]
    ax.axvspan(x0, xw, color="#999999", alpha=0.15, linewidth=0)
    ax.text(
        x0,
        1.0,
        " " + _("warm-up (not measured)"),
        transform=ax.get_xaxis_transform(),
        va="top",
        ha="left",
        fontsize=7,
        color="#555555",
    )
    by_day: dict[int, list[Event]] = {}
    for ev in events:
        by_day.setdefault(ev.day, []).append(ev)
    for day in sorted(by_day):
        evs = by_day[day]
        colour = colours.get(evs[0].scenario or "", "#333333") if len(evs) == 1 else "#333333"
        xe = _x(np.array([day]), start_date)[0]
        ax.axvline(xe, color=colour, linestyle="--", linewidth=0.9)
        text = "; ".join((f"{e.scenario}: " if e.scenario else "") + e.label for e in evs)
        ax.text(
            xe,
            0.02,
            " " + text,
            transform=ax.get_xaxis_transform(),
            rotation=90,
            va="bottom",
            ha="right",
            fontsize=6.5,
            color=colour,
            clip_on=True,
        )
    ax.set_ylabel(ylabel or series)
    if title:
        ax.set_title(title, loc="left")
    handles, texts = ax.get_legend_handles_labels()
    handles.append(Patch(color="#777777", alpha=0.3, linewidth=0))
    texts.append(_("lowest to highest of {n} replication(s)").format(n=n_reps))
    fig.legend(handles, texts, loc="outside lower center", ncols=min(len(texts), 3))
    if start_date is None:
        ax.set_xlabel(_("day of the simulation"))
    else:
        _date_axis(ax)
    return fig


# ---------------------------------------------------------------------------------------------
# Waits
# ---------------------------------------------------------------------------------------------


def _rep_histograms(waits: pd.DataFrame, kinds: Sequence[str]) -> dict[int, np.ndarray]:
    """Per replication, counts of appointments by day of wait (all days kept)."""
    df = waits[waits["kind"].isin(list(kinds))]
    if df.empty:
        return {}
    size = int(df["days"].max()) + 1
    out: dict[int, np.ndarray] = {}
    for rep, part in df.groupby("replication", sort=True):
        h = np.zeros(size, dtype=np.float64)
        np.add.at(h, part["days"].to_numpy(dtype=np.int64), part["count"].to_numpy(dtype=float))
        out[int(rep)] = h
    return out


def wait_summary(waits: pd.DataFrame, kinds: Sequence[str]) -> dict[str, float]:
    """Median and mean delay (days) of one scenario's ``waits`` rows, averaged over replications.

    The per-replication median is the lower median of the counts, as the model's metrics
    (``wait_planned_median_days``, ``wait_all_median_days``) compute it.
    """
    medians, means = [], []
    for h in _rep_histograms(waits, kinds).values():
        total = h.sum()
        if total <= 0:
            continue
        medians.append(float(np.searchsorted(np.cumsum(h), 0.5 * total, side="left")))
        means.append(float((h * np.arange(h.size)).sum() / total))
    nan = float("nan")
    return {
        "median": float(np.mean(medians)) if medians else nan,
        "mean": float(np.mean(means)) if means else nan,
        "replications": float(len(means)),
    }


WAIT_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Planned requests"), ("planned",)),
    (N_("All requests"), ("planned", "unscheduled_24h", "unscheduled_48h")),
)


@_styled
def wait_distribution(
    waits: pd.DataFrame,
    *,
    labels: Sequence[str] | None = None,
    max_days: int = 60,
) -> Figure:
    """Cumulative share of appointments within d days: planned requests, and all requests.

    One curve per scenario (mean over replications, band: lowest to highest replication);
    dots mark the simulated median, triangles the mean (means over replications, as in the
    metrics); the DREES 2018 reference (all GP appointments: median 2, mean 6 days) is drawn on
    the all-requests panel. Waits longer than ``max_days`` stay in the denominator: a curve
    ending below 100 % shows the longer waits.
    """
    names = _labels(waits, labels)
    colours = scenario_colours(labels if labels is not None else names)
    fig = _new(WIDTH, 3.2 + 0.15 * len(names))
    axes = fig.subplots(1, 2, sharey=True)
    days = np.arange(max_days + 1)
    handles: list[Any] = []
    texts: list[str] = []
    for ax, (title, kinds) in zip(axes, WAIT_PANELS, strict=True):
        for lab in names:
            part = waits[waits["scenario"] == lab]
            hists = _rep_histograms(part, kinds)
            if not hists:
                continue
            cdfs = []
            for h in hists.values():
                total = h.sum()
                c = np.cumsum(h) / total if total > 0 else np.full(h.size, np.nan)
                c = np.concatenate([c, np.full(max(0, max_days + 1 - c.size), c[-1])])
                cdfs.append(c[: max_days + 1])
            arr = 100.0 * np.vstack(cdfs)
            mean = arr.mean(axis=0)
            ax.fill_between(
                days,
                arr.min(axis=0),
                arr.max(axis=0),
                step="post",
                color=colours[lab],
                alpha=0.2,
                linewidth=0,
            )
            (line,) = ax.step(days, mean, where="post", color=colours[lab], linewidth=1.3)
            if ax is axes[0]:
                handles.append(line)
                texts.append(lab)
            summ = wait_summary(part, kinds)
            for value, marker in ((summ["median"], "o"), (summ["mean"], "v")):
                if math.isnan(value) or value > max_days:
                    continue
                y = float(mean[min(int(math.floor(value)), max_days)])
                ax.plot(
                    [value],
                    [y],
                    marker=marker,
                    color=colours[lab],
                    markersize=5,
                    markeredgecolor="black",
                    markeredgewidth=0.5,
                    linestyle="none",
                )
        if len(kinds) > 1:
            l_med = ax.axvline(DREES_2018_MEDIAN_DAYS, color="black", linestyle=":", linewidth=1)
            l_mean = ax.axvline(DREES_2018_MEAN_DAYS, color="black", linestyle="--", linewidth=1)
            handles.append((l_med, l_mean))
            texts.append(_("DREES 2018, all GP appointments: median 2, mean 6 days"))
        ax.set_title(_(title), loc="left")
        ax.set_xlim(0, max_days)
        ax.set_ylim(0, 100)
        ax.set_xlabel(_("days from request to appointment"))
    axes[0].set_ylabel(_("appointments within that delay (%)"))
    handles += [
        Line2D([], [], marker="o", color="#777777", markeredgecolor="black", linestyle="none"),
        Line2D([], [], marker="v", color="#777777", markeredgecolor="black", linestyle="none"),
    ]
    texts += [_("simulated median"), _("simulated mean")]
    fig.legend(
        handles,
        texts,
        loc="outside lower center",
        ncols=2,
        handler_map={tuple: HandlerTuple(ndivide=None)},
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------------------------

UNSCHEDULED = ("unscheduled_24h", "unscheduled_48h")


def outcome_shares(
    outcomes: pd.DataFrame,
    kinds: Sequence[str] = UNSCHEDULED,
    window: str = "measured",
) -> pd.DataFrame:
    """Share of the needs of ``kinds`` ending in each outcome, per scenario and replication
    (a request followed by another of the same need, ``asked_again``, is not an end).

    Returns a long table: scenario, replication, outcome, count, share.
    """
    df = outcomes[
        (outcomes["window"] == window)
        & outcomes["kind"].isin(list(kinds))
        & (outcomes["outcome"] != "asked_again")
    ]
    g = df.groupby(["scenario", "replication", "outcome"], sort=False)["count"].sum().reset_index()
    totals = g.groupby(["scenario", "replication"])["count"].transform("sum")
    g["share"] = np.where(totals > 0, g["count"] / totals.where(totals > 0, 1), np.nan)
    return g


@_styled
def outcome_flows(
    outcomes: pd.DataFrame,
    *,
    labels: Sequence[str] | None = None,
    kinds: Sequence[str] = UNSCHEDULED,
    window: str = "measured",
) -> Figure:
    """A 100 % stacked bar per scenario: where the requests of ``kinds`` ended up.

    Segments are the mean share over replications of each outcome, in the order of
    :data:`OUTCOME_COLOURS`; labelled when 4 % or more.
    """
    shares = outcome_shares(outcomes, kinds, window)
    names = _labels(shares, labels)
    mean = shares.groupby(["scenario", "outcome"])["share"].mean()
    fig = _new(WIDTH, 0.9 + 0.42 * len(names))
    ax = fig.add_subplot()
    ax.grid(False)
    ys = np.arange(len(names))[::-1]
    for y, lab in zip(ys, names, strict=True):
        left = 0.0
        for outcome, colour in OUTCOME_COLOURS.items():
            share = float(mean.get((lab, outcome), 0.0))
            if not share > 0:
                continue
            ax.barh(y, 100 * share, left=100 * left, color=colour, height=0.62, linewidth=0)
            if share >= 0.04:
                dark = outcome in ("own_mt", "pharmacist", "ed_direct", "ed", "forgone")
                ax.text(
                    100 * (left + share / 2),
                    y,
                    pct(round(share, 2)),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
            left += share
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("share of soins non programmés (unscheduled needs, 24 h and 48 h) (%)"))
    handles = [Patch(color=c) for c in OUTCOME_COLOURS.values()]
    fig.legend(
        handles, [outcome_label(o) for o in OUTCOME_COLOURS], loc="outside lower center", ncols=4
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


@_styled
def differences_forest(
    differences: pd.DataFrame,
    *,
    metrics: Sequence[str],
    labels: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """Paired differences (alternative - baseline) in each indicator's own unit, with their
    95 % CIs: shares in percentage points, as in the tables.

    One row per metric with its own scale and unit, one marker per alternative (filled when
    the CI excludes 0); the vertical line is "no change"; the label says which side is better.
    """
    alts = labels if labels is not None else sorted(differences["alternative"].unique())
    cols = dict(colours) if colours is not None else scenario_colours(["(baseline)", *alts])
    metrics = [m for m in metrics if m in set(differences["metric"])]
    n_alt = max(len(alts), 1)
    row_h = 0.42 + 0.12 * n_alt
    fig = _new(WIDTH, 0.55 + row_h * max(len(metrics), 1))
    axes = np.atleast_1d(fig.subplots(max(len(metrics), 1), 1, squeeze=False)).ravel()
    step = 0.7 / n_alt
    for i, metric in enumerate(metrics):
        ax = axes[i]
        share = _is_share(metric)
        scale = 100.0 if share else 1.0
        ax.axvline(0.0, color="black", linewidth=0.9)
        if i % 2 == 0:
            ax.set_facecolor("#f6f6f6")
        lim = 0.0
        for j, alt in enumerate(alts):
            row = differences[
                (differences["alternative"] == alt) & (differences["metric"] == metric)
            ]
            if row.empty:
                continue
            r = row.iloc[0]
            y = (n_alt - 1) / 2 * step - j * step
            d, lo, hi = (scale * float(r[k]) for k in ("diff", "low", "high"))
            colour = cols.get(alt, "#333333")
            if not (math.isnan(lo) or math.isnan(hi)):
                ax.plot([lo, hi], [y, y], color=colour, linewidth=1.6, solid_capstyle="butt")
                lim = max(lim, abs(lo), abs(hi))
            if not math.isnan(d):
                lim = max(lim, abs(d))
            sig = bool(r["significant"])
            ax.plot(
                [d],
                [y],
                marker="o",
                markersize=4.5,
                color=colour,
                markerfacecolor=colour if sig else "white",
                markeredgewidth=1.2,
                linestyle="none",
            )
        lim = lim * 1.15 or 1.0
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.5, 0.5)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
        ax.tick_params(axis="x", labelsize=6.5, pad=1)
        unit = _("pt") if share else metric_unit(metric)
        ax.set_ylabel(
            f"{metric_short(metric)}\n{better_words(metric)}  ({unit})",
            rotation=0,
            ha="right",
            va="center",
            fontsize=7.5,
        )
        ax.spines["left"].set_visible(False)
    handles = [
        Line2D([], [], color=cols.get(a, "#333333"), marker="o", linewidth=1.6) for a in alts
    ]
    texts = list(alts)
    handles.append(
        Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linestyle="none")
    )
    texts.append(_("hollow: 95 % CI includes 0"))
    fig.legend(handles, texts, loc="outside lower center", ncols=min(3, len(texts)))
    return fig


# ---------------------------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------------------------


def prcc_interval(r: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Approximate CI of a PRCC (for results tables written without one)."""
    from accesssim.analysis import partial_correlation_ci

    return partial_correlation_ci(r, n, k, level)


def top_factor(indices: pd.DataFrame, metric: str) -> str | None:
    """The most influential factor of ``metric`` (largest |PRCC|, ST or main-effect range)."""
    part = indices[indices["metric"] == metric]
    if part.empty:
        return None
    if (part["method"] == "sobol").any():
        part = part[part["measure"] == "ST"]
    part = part.assign(size=part["value"].abs()).sort_values(
        ["size", "factor"], ascending=[False, True]
    )
    return str(part.iloc[0]["factor"]) if part["size"].notna().any() else None


@_styled
def sensitivity_tornado(
    indices: pd.DataFrame, metric: str, *, n_points: int | None = None
) -> Figure:
    """Sensitivity of one metric to each factor, most influential at the top.

    * Sobol (``sobol``): first-order S1 and total ST indices with their 95 % bootstrap CIs;
    * PRCC (``lhs``): partial rank correlations, p-values written at the bar ends, and an
      approximate 95 % CI (Fisher z) when ``n_points`` is given;
    * grid: main effects, each bar spanning the lowest to the highest level mean.
    """
    part = indices[indices["metric"] == metric]
    method = str(part["method"].iloc[0]) if not part.empty else "prcc"
    factors = list(dict.fromkeys(part["factor"].tolist()))
    fig = _new(WIDTH, 0.9 + 0.38 * max(len(factors), 1))
    ax = fig.add_subplot()
    ax.grid(axis="y", visible=False)
    if method == "sobol":
        wide = {m: part[part["measure"] == m].set_index("factor") for m in ("S1", "ST")}
        order = sorted(factors, key=lambda f: (-float(wide["ST"].loc[f, "value"]), f))
        ys = np.arange(len(order))[::-1]
        for off, m, colour in ((0.18, "ST", PALETTE[0]), (-0.18, "S1", PALETTE[4])):
            v = np.array([float(wide[m].loc[f, "value"]) for f in order])
            lo = np.array([float(wide[m].loc[f, "low"]) for f in order])
            hi = np.array([float(wide[m].loc[f, "high"]) for f in order])
            label = _("total ST") if m == "ST" else _("first order S1")
            ax.barh(ys + off, v, height=0.34, color=colour, label=label)
            ax.errorbar(
                v,
                ys + off,
                xerr=np.vstack([v - lo, hi - v]),
                fmt="none",
                ecolor="black",
                elinewidth=0.8,
                capsize=2,
            )
        ax.axvline(0, color="black", linewidth=0.8)
        # Indices lie in [0, 1]; a tiny sample's CIs can be far wider: they are cut at the edges.
        values = part["value"].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        left = max(-0.3, min(-0.05, float(finite.min()) - 0.05)) if finite.size else -0.05
        right = min(1.3, max(1.0, float(finite.max()) + 0.05)) if finite.size else 1.0
        ax.set_xlim(left, right)
        ax.set_xlabel(_("Sobol index (share of the variance explained), with 95 % CI"))
        ax.legend(loc="lower right")
    elif method == "grid":
        rows = part.set_index("factor")
        order = sorted(factors, key=lambda f: (-float(rows.loc[f, "value"]), f))
        ys = np.arange(len(order))[::-1]
        scale = 100.0 if _is_share(metric) else 1.0
        lo = np.array([float(rows.loc[f, "low"]) for f in order]) * scale
        hi = np.array([float(rows.loc[f, "high"]) for f in order]) * scale
        ax.barh(ys, hi - lo, left=lo, height=0.55, color=PALETTE[0])
        for y, a, b in zip(ys, lo, hi, strict=True):
            ax.text(b, y, "  " + _("range {r}").format(r=f"{b - a:.3g}"), va="center", fontsize=7)
        unit = "%" if scale == 100 else metric_unit(metric)
        ax.set_xlabel(
            _("{label} ({unit}): lowest to highest mean over a factor's levels").format(
                label=metric_label(metric), unit=unit
            )
        )
        ax.margins(x=0.25)
    else:
        rows = part.set_index("factor")
        order = sorted(factors, key=lambda f: (-abs(float(rows.loc[f, "value"])), f))
        ys = np.arange(len(order))[::-1]
        v = np.array([float(rows.loc[f, "value"]) for f in order])
        colours = [PALETTE[0] if x >= 0 else PALETTE[1] for x in v]
        ax.barh(ys, v, height=0.55, color=colours)
        k = len(factors)
        for y, f, x in zip(ys, order, v, strict=True):
            if n_points is not None:
                lo, hi = prcc_interval(x, n_points, k)
                if not math.isnan(lo):
                    ax.errorbar(
                        [x],
                        [y],
                        xerr=[[x - lo], [hi - x]],
                        fmt="none",
                        ecolor="black",
                        elinewidth=0.8,
                        capsize=2,
                    )
            p = float(rows.loc[f, "p_value"])
            ptxt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
            ax.text(
                1.02 if x >= 0 else -1.02,
                y,
                ptxt,
                va="center",
                ha="left" if x >= 0 else "right",
                fontsize=7,
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlim(-1.45, 1.45)
        ax.set_xticks([-1, -0.5, 0, 0.5, 1])
        ax.set_xlabel(
            _("partial rank correlation coefficient (PRCC)")
            + (_(", with approximate 95 % CI") if n_points is not None else "")
        )
    ax.set_yticks(ys, order)
    ax.set_title(metric_label(metric), loc="left")
    return fig


@_styled
def response_scatter(
    design: pd.DataFrame, metrics: pd.DataFrame, metric: str, factor: str
) -> Figure:
    """Mean of ``metric`` at each design point against one factor's value.

    With several replications per point, a vertical bar spans the lowest to the highest
    replication. A categorical factor's levels are placed at equal spacing, in design order.
    """
    m = metrics[metrics["metric"] == metric]
    stats_ = m.groupby("point")["value"].agg(["mean", "min", "max", "count"])
    d = design.set_index("point").reindex(stats_.index)
    x_raw = d[factor]
    scale = 100.0 if _is_share(metric) else 1.0
    fig = _new(WIDTH / 2 + 0.4, 2.8)
    ax = fig.add_subplot()
    try:
        x = x_raw.to_numpy(dtype=float)
        ticks = None
    except (TypeError, ValueError):
        levels = list(dict.fromkeys(design[factor].tolist()))
        x = np.array([levels.index(v) for v in x_raw], dtype=float)
        ticks = levels
    y = scale * stats_["mean"].to_numpy(dtype=float)
    if int(stats_["count"].max()) > 1:
        lo = scale * stats_["min"].to_numpy(dtype=float)
        hi = scale * stats_["max"].to_numpy(dtype=float)
        ax.errorbar(
            x, y, yerr=np.vstack([y - lo, hi - y]), fmt="none", ecolor="#999999", elinewidth=0.8
        )
    ax.plot(
        x,
        y,
        marker="o",
        linestyle="none",
        markersize=4,
        color=PALETTE[0],
        markeredgecolor="white",
        markeredgewidth=0.5,
    )
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), [str(t) for t in ticks])
    unit = "%" if scale == 100 else metric_unit(metric)
    ax.set_xlabel(factor)
    ax.set_ylabel(f"{unit}")
    ax.set_title(metric_label(metric), loc="left", fontsize=8.5)
    return fig


@_styled
def acceptability_curves(
    table: pd.DataFrame,
    *,
    labels: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """Cost-effectiveness acceptability curves: one panel per gain, one line per alternative:
    the probability that it is cost-effective against the baseline (y) at each willingness to
    pay for a unit of gain (x, euros)."""
    from accesssim.wording import gain_words

    gains = list(dict.fromkeys(table["gain"]))
    names = [lab for lab in (labels or list(dict.fromkeys(table["alternative"])))]
    names = [lab for lab in names if lab in set(table["alternative"])]
    fig = _new(WIDTH, 2.5)
    axes = fig.subplots(1, max(len(gains), 1), squeeze=False)[0]
    for ax, gain in zip(axes, gains, strict=True):
        part = table[table["gain"] == gain]
        for lab in names:
            one = part[part["alternative"] == lab].sort_values("wtp_eur")
            ax.plot(
                one["wtp_eur"],
                100 * one["probability"],
                color=(colours or {}).get(lab),
                label=lab,
                linewidth=1.4,
            )
        ax.set_ylim(-2, 102)
        ax.axhline(50, color="0.6", linewidth=0.6, linestyle="--")
        ax.set_title(gain_words(gain), fontsize=8, wrap=True)
        ax.set_xlabel(_("willingness to pay per unit (€)"))
        ax.xaxis.set_major_locator(MaxNLocator(4))
    axes[0].set_ylabel(_("probability cost-effective (%)"))
    if names:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return fig
