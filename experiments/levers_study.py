"""Which levers matter most for same-day access and MT coverage in the Monts du Lyonnais?

Reproduces the figures and tables of experiments/levers-study.md from the two sweeps:

* ``levers-monts-sobol.yaml``: Sobol first-order and total indices with 95 % CIs (SALib);
* ``levers-monts-lhs.yaml``: partial rank correlation coefficients with p-values, and the
  response of each metric to its most influential lever.

Usage::

    python experiments/levers_study.py            # run the sweeps if needed, then draw
    python experiments/levers_study.py --resume   # finish interrupted sweeps first

Results go to results/levers-sobol and results/levers-lhs; figures to experiments/figures/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from accesssim.experiment.sweep import load_experiment, sweep

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURES = HERE / "figures"
METRICS = {
    "unscheduled_within_48h_share": "unscheduled needs met within 48 h (share)",
    "mt_coverage_end": "adults with a declared GP at the horizon (share)",
    "wait_planned_mean_days": "mean delay of planned requests (days)",
}


def run_or_load(name: str, resume: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Design, metrics and sensitivity tables of a sweep, running it if needed."""
    out = ROOT / "results" / name.replace("levers-monts-", "levers-")
    exp = load_experiment(HERE / f"{name}.yaml")
    if not (out / "sensitivity-indices.parquet").exists() or resume:
        sweep(exp, out, resume=True)
    return (
        pd.read_parquet(out / "design.parquet"),
        pd.read_parquet(out / "metrics.parquet"),
        pd.read_parquet(out / "sensitivity-indices.parquet"),
    )


def tornado(indices: pd.DataFrame, metric: str, path: Path) -> None:
    """Total and first-order Sobol indices with their 95 % CIs, largest total first."""
    part = indices[indices.metric == metric]
    wide = part.pivot(index="factor", columns="measure", values=["value", "low", "high"])
    order = wide[("value", "ST")].sort_values().index
    y = np.arange(order.size)
    fig, ax = plt.subplots(figsize=(7, 0.6 * order.size + 1.4))
    for k, (measure, colour) in enumerate((("ST", "#1f5f8b"), ("S1", "#8fbcd4"))):
        val = wide.loc[order, ("value", measure)].to_numpy()
        lo = wide.loc[order, ("low", measure)].to_numpy()
        hi = wide.loc[order, ("high", measure)].to_numpy()
        ax.barh(
            y + (0.2 if k == 0 else -0.2),
            val,
            height=0.38,
            color=colour,
            label={"ST": "total (ST)", "S1": "first order (S1)"}[measure],
        )
        ax.errorbar(
            val,
            y + (0.2 if k == 0 else -0.2),
            xerr=[val - lo, hi - val],
            fmt="none",
            ecolor="black",
            capsize=3,
            lw=1,
        )
    ax.set_yticks(y, order)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Sobol index (share of the output variance), 95 % CI")
    ax.set_title(METRICS[metric], fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def response(
    design: pd.DataFrame, metrics: pd.DataFrame, metric: str, factor: str, path: Path
) -> None:
    """The metric at each LHS point against one lever (mean over replications)."""
    y = metrics[metrics.metric == metric].groupby("point")["value"].mean()
    x = design.set_index("point").loc[y.index, factor]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x, y, s=12, alpha=0.6, color="#1f5f8b")
    coef = np.polyfit(x.astype(float), y, 1)
    xs = np.linspace(float(x.min()), float(x.max()), 50)
    ax.plot(xs, np.polyval(coef, xs), color="#c0392b", lw=1.5, label="least-squares line")
    ax.set_xlabel(factor)
    ax.set_ylabel(METRICS[metric])
    ax.set_title("Each point: one lever setting (other levers vary too)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resume", action="store_true", help="finish interrupted sweeps")
    args = parser.parse_args()
    FIGURES.mkdir(exist_ok=True)
    _, _, sobol = run_or_load("levers-monts-sobol", args.resume)
    design, metrics, prcc = run_or_load("levers-monts-lhs", args.resume)
    lines = []
    for metric in METRICS:
        tornado(sobol, metric, FIGURES / f"sobol-{metric}.png")
        part = prcc[prcc.metric == metric].copy()
        part = part.reindex(part.value.abs().sort_values(ascending=False).index)
        top = str(part.iloc[0].factor)
        response(design, metrics, metric, top, FIGURES / f"response-{metric}.png")
        lines.append(f"\n## {METRICS[metric]}\n")
        lines.append("| lever | S1 [95 % CI] | ST [95 % CI] | PRCC (p-value) |")
        lines.append("|---|---|---|---|")
        s = sobol[sobol.metric == metric].pivot(
            index="factor", columns="measure", values=["value", "low", "high"]
        )
        for f in s[("value", "ST")].sort_values(ascending=False).index:
            p = part.set_index("factor").loc[f]
            lines.append(
                f"| {f} | {s.loc[f, ('value', 'S1')]:.3f} [{s.loc[f, ('low', 'S1')]:.3f}, "
                f"{s.loc[f, ('high', 'S1')]:.3f}] | {s.loc[f, ('value', 'ST')]:.3f} "
                f"[{s.loc[f, ('low', 'ST')]:.3f}, {s.loc[f, ('high', 'ST')]:.3f}] | "
                f"{p.value:+.3f} ({p.p_value:.2g}) |"
            )
        lines.append(f"\n![Sobol indices](figures/sobol-{metric}.png)")
        lines.append(f"![Response to {top}](figures/response-{metric}.png)")
    (HERE / "levers-study-tables.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
