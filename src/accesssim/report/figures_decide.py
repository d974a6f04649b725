"""Figures of decision support: the Pareto front of an optimisation, PRIM and feature scores.

Same contract as :mod:`accesssim.report.figures`: pure functions of the results tables
(``mixes.parquet`` of ``accesssim optimise``; ``prim-trajectory.parquet`` and
``feature-scores.parquet`` of ``accesssim discover``), each returning a new matplotlib Figure
in the report's style, deterministic (no jitter; ties in a fixed order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accesssim.report.figures import PALETTE, WIDTH, _is_share, _new, _styled
from accesssim.vocabulary import SHORT_LABELS
from accesssim.wording import metric_label

__all__ = ["feature_score_bars", "pareto_front", "prim_peeling"]


@_styled
def pareto_front(
    mixes: pd.DataFrame,
    objectives: Sequence[dict[str, Any]],
    *,
    budget: float | None = None,
    cost_column: str = "budget_spend",
    cost_label: str = "Extra cost over the baseline (EUR thousand)",
    cost_metric: str = "policy_cost_eur",
) -> Figure:
    """Each objective against the cost: every evaluated mix, the front, its 95 % CIs.

    Grey dots: every mix evaluated by the search (search-stage means); open circles: the
    finalists; filled: the confirmed Pareto set, with 95 % CIs on both axes and their numbers;
    a square: the baseline; a dashed line: the budget.
    """
    objs = [o for o in objectives if o["metric"] != cost_metric]
    n = max(len(objs), 1)
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    fig = _new(WIDTH, 2.6 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    x_all = mixes[f"search_{cost_column}"].to_numpy(float) / 1000.0
    for ax, o in zip(axes, objs, strict=False):
        metric = o["metric"]
        scale = 100.0 if _is_share(metric) else 1.0
        y_all = mixes[f"search_{metric}"].to_numpy(float) * scale
        ok = mixes["search_feasible"].to_numpy(bool)
        ax.scatter(x_all[~ok], y_all[~ok], s=6, color="#d0d0d0", label="infeasible (search)")
        ax.scatter(x_all[ok], y_all[ok], s=6, color="#8c8c8c", label="evaluated (search)")
        fin = mixes[mixes["finalist"]]
        ax.scatter(
            fin[f"{cost_column}_mean"] / 1000.0,
            fin[f"{metric}_mean"] * scale,
            s=28,
            facecolors="none",
            edgecolors=PALETTE[0],
            linewidths=0.8,
            label="finalist",
        )
        front = mixes[mixes["pareto"]].sort_values(f"{cost_column}_mean", kind="stable")
        fx = front[f"{cost_column}_mean"].to_numpy(float) / 1000.0
        fy = front[f"{metric}_mean"].to_numpy(float) * scale
        xlo = front[f"{cost_column}_low"].to_numpy(float) / 1000.0
        xhi = front[f"{cost_column}_high"].to_numpy(float) / 1000.0
        ylo = front[f"{metric}_low"].to_numpy(float) * scale
        yhi = front[f"{metric}_high"].to_numpy(float) * scale
        xerr = np.nan_to_num(np.vstack([fx - xlo, xhi - fx]))
        yerr = np.nan_to_num(np.vstack([fy - ylo, yhi - fy]))
        ax.errorbar(
            fx,
            fy,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            markersize=5,
            color=PALETTE[1],
            ecolor=PALETTE[1],
            elinewidth=0.8,
            capsize=2,
            label="confirmed Pareto set (95 % CI)",
        )
        for x, y, label in zip(fx, fy, front["mix"].to_numpy(int), strict=True):
            ax.annotate(str(label), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
        base = mixes[mixes["mix"] == 0]
        if not base.empty:
            ax.scatter(
                base[f"{cost_column}_mean"] / 1000.0,
                base[f"{metric}_mean"] * scale,
                marker="s",
                s=30,
                color="black",
                label="baseline (today)",
                zorder=3,
            )
        if budget is not None:
            ax.axvline(budget / 1000.0, color="black", linestyle="--", linewidth=0.8)
        unit = "%" if scale == 100.0 else ""
        better = "higher is better" if o["sense"] == "maximise" else "lower is better"
        short = SHORT_LABELS.get(metric, metric_label(metric))
        ax.set_ylabel(f"{short}{' (' + unit + ')' if unit else ''}", fontsize=7.5)
        ax.set_title(f"{short} ({better})", fontsize=8)
        ax.set_xlabel(cost_label, fontsize=7.5)
    for ax in axes[len(objs) :]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


@_styled
def prim_peeling(trajectory: pd.DataFrame, mix: str) -> Figure:
    """PRIM's peeling trajectory of one mix: coverage against density, the chosen box marked.

    Each dot is a box: peeling moves from the top left (every case: full coverage, low
    density) to the bottom right; the colour is the number of inputs the box restricts.
    """
    part = trajectory[trajectory["mix"] == mix].sort_values("step", kind="stable")
    fig = _new(WIDTH * 0.55, 2.8)
    ax = fig.add_subplot()
    cov = part["coverage"].to_numpy(float) * 100
    den = part["density"].to_numpy(float) * 100
    k = part["restricted"].to_numpy(int)
    ax.plot(cov, den, color="#bbbbbb", linewidth=0.8, zorder=1)
    sc = ax.scatter(cov, den, c=k, cmap="viridis", s=14, zorder=2, vmin=0, vmax=max(k.max(), 1))
    chosen = part[part["chosen"]]
    if not chosen.empty:
        ax.scatter(
            chosen["coverage"] * 100,
            chosen["density"] * 100,
            s=90,
            facecolors="none",
            edgecolors=PALETTE[1],
            linewidths=1.4,
            zorder=3,
            label="chosen box",
        )
        ax.legend(loc="lower left")
    cb = fig.colorbar(sc, ax=ax, pad=0.01)
    cb.set_label("inputs restricted", fontsize=7)
    ax.set_xlabel("coverage: share of all failures inside the box (%)")
    ax.set_ylabel("density: share of the box's cases that fail (%)")
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    return fig


@_styled
def feature_score_bars(scores: pd.DataFrame, mix: str) -> Figure:
    """Feature scores of the uncertainties for one mix, one bar group per outcome."""
    part = scores[scores["mix"] == mix]
    outcomes = list(dict.fromkeys(part["outcome"].tolist()))
    names = list(dict.fromkeys(part["uncertainty"].tolist()))
    fail = part[part["outcome"] == outcomes[0]].set_index("uncertainty")["score"]
    names = sorted(names, key=lambda u: (-float(fail.get(u, 0.0)), u))
    fig = _new(WIDTH * 0.45, 1.3 + 0.18 * len(outcomes) + 0.25 * len(names) * len(outcomes))
    ax = fig.add_subplot()
    ax.grid(axis="y", visible=False)
    height = 0.8 / max(len(outcomes), 1)
    ys = np.arange(len(names))[::-1]
    for i, outcome in enumerate(outcomes):
        s = part[part["outcome"] == outcome].set_index("uncertainty")["score"]
        v = np.array([float(s.get(u, 0.0)) for u in names])
        label = "failure (any threshold)" if outcome == "fails" else metric_label(outcome)
        ax.barh(
            ys + 0.4 - height * (i + 0.5),
            v,
            height=height,
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_yticks(ys, names)
    ax.set_xlabel("feature score (extra-trees importance, sums to 1)")
    ax.set_xlim(0, 1)
    fig.legend(loc="outside lower center", fontsize=6.5, ncols=1)
    return fig
