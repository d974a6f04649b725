"""End to end, several measured years: ``accesssim run`` and ``compare`` as subprocesses.

* ``run --format json`` has ``by_year``: the mean and CI of every year's metrics, years 1..N;
* ``--out`` writes ``years.parquet``, tidy (scenario, point, replication, seed, year, metric,
  value), whose values are those of the Python API for the same replication;
* ``compare --format json`` has ``differences_by_year`` and ``--out`` writes
  ``differences_by_year.parquet``; the report has the year-by-year section.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from accesssim.model import simulate
from accesssim.scenario import load_scenario
from accesssim.vocabulary import YEAR_METRICS

Cli = Callable[..., subprocess.CompletedProcess[str]]
SETS = [
    "population.size=4000",
    "gps.count=3",
    "calendar.warmup_days=14",
    "calendar.horizon_years=2",
]
COMMON = ["--replications", "2", "--executor", "serial"]
for _s in SETS:
    COMMON += ["--set", _s]


def test_run_json_and_out_have_the_years(cli: Cli, repo_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    proc = cli(
        "run", "scenarios/france-baseline.yaml", *COMMON, "--format", "json", "--out", out,
        cwd=repo_root,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    rows = payload["by_year"]
    assert {r["year"] for r in rows} == {1, 2}
    assert {r["metric"] for r in rows} == set(YEAR_METRICS)
    years = pd.read_parquet(out / "years.parquet")
    assert list(years.columns) == [
        "scenario", "point", "replication", "seed", "year", "metric", "value",
    ]  # fmt: skip
    scenario = load_scenario(repo_root / "scenarios/france-baseline.yaml", SETS)
    again = simulate(scenario, seed=0, replication=1)
    mine = years[(years.replication == 1) & (years.year == 2)].set_index("metric")["value"]
    for metric in ("gp_headcount_end", "population_end", "mt_coverage_end"):
        assert mine[metric] == again.by_year[1][metric]


def test_compare_has_paired_differences_by_year(cli: Cli, repo_root: Path, tmp_path: Path) -> None:
    alt = tmp_path / "alt.yaml"
    alt.write_text(
        f"extends: {repo_root / 'scenarios/france-baseline.yaml'}\n"
        "name: with-attraction\n"
        "policies:\n"
        "  gp_attraction: {msp_openings: 1, gps_per_msp_per_100k: 50, start: 14, end: 500}\n",
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    proc = cli(
        "compare", "scenarios/france-baseline.yaml", alt, *COMMON, "--format", "json",
        "--out", out, "--report", cwd=repo_root,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    rows = [r for r in payload["differences_by_year"] if r["metric"] == "gp_headcount_end"]
    assert [r["year"] for r in rows] == [1, 2]
    assert all(r["diff"] >= 0 for r in rows)  # the policy only adds GPs
    table = pd.read_parquet(out / "differences_by_year.parquet")
    assert set(table["year"]) == {1, 2}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="years"' in html
