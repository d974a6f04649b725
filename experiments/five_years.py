"""Monts du Lyonnais, five years ahead: "do nothing" against "the CPTS plan".

Reproduces the figure and the table of docs/howto-years.md: runs (or reads) the comparison of
``scenarios/monts-du-lyonnais-5-years.yaml`` with ``monts-du-lyonnais-5-years-cpts-plan.yaml``
(same seeds), draws the year-by-year trajectories from the figure catalogue (the report and the
app draw the same), and prints the trajectories of coverage, ED visits and GP headcount with
their 95 % CIs, and the paired differences by year.

Usage::

    python experiments/five_years.py [--replications 20] [--workers 2]

Results go to results/five-years; the figure to docs/figures/five-years.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "results" / "five-years"
FIGURE = ROOT / "docs" / "figures" / "five-years.png"
METRICS = ("mt_coverage_end", "patients_without_mt_end", "ed_visits_per_1000", "gp_headcount_end")


def run(replications: int, workers: int) -> None:
    cmd = [
        sys.executable,
        "-m",
        "accesssim.cli",
        "compare",
        "scenarios/monts-du-lyonnais-5-years.yaml",
        "scenarios/monts-du-lyonnais-5-years-cpts-plan.yaml",
        "--replications",
        str(replications),
        "--workers",
        str(workers),
        "--out",
        str(OUT),
        "--lang",
        "en",
        "--format",
        "csv",
    ]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (OUT / "differences_by_year.parquet").exists():
        run(args.replications, args.workers)
    from accesssim.i18n import set_language
    from accesssim.report import load_results
    from accesssim.report.catalogue import trajectory_figure
    from accesssim.report.tables import year_difference_rows, year_rows

    set_language("en")
    res = load_results(OUT)
    spec = trajectory_figure(res)
    assert spec is not None
    fig = spec.draw()
    fig.savefig(FIGURE, dpi=110)
    print(f"figure written to {FIGURE.relative_to(ROOT)}")
    labels = res.labels
    print("| indicator | year | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for r in year_rows(res.table("years"), labels, METRICS):
        cells = " | ".join(f"{v} {ci}".strip() for v, ci in r.cells)
        print(f"| {r.label} | {r.year} | {cells} |")
    print()
    print("| indicator | year | difference [95 % CI] |")
    print("|---|---|---|")
    for r in year_difference_rows(res.table("differences_by_year"), labels[1], METRICS):
        print(f"| {r.label} | {r.year} | {r.cells[2][0]} {r.cells[2][1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
