"""End to end: ``accesssim run`` as a subprocess (``python -m accesssim.cli``).

* ``--format json`` prints parseable JSON with every metric of ``METRIC_NAMES`` and its mean
  and confidence bounds; ``--format csv`` prints a CSV table of the same metrics;
* ``--out DIR`` writes the tidy tables (``metrics.parquet`` keyed by scenario, point,
  replication and seed; ``weekly.parquet``; ``outcomes.parquet``), ``experiment.json`` and the
  resolved scenario, which validates and reproduces replication 0 exactly when run again
  in-process (STYLE.md habit 7: any number can be reproduced);
* a missing scenario file exits with code 2 and one clear message, no traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from accesssim.model import METRIC_NAMES, simulate
from accesssim.scenario import load_scenario

SCENARIO = "scenarios/monts-du-lyonnais.yaml"
OVERRIDES = ["calendar.warmup_days=30"]
HORIZON = 120
COMMON = [
    "--replications",
    "2",
    "--executor",
    "serial",
    "--horizon",
    str(HORIZON),
    "--set",
    OVERRIDES[0],
]

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def json_run(
    cli: Cli, repo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("run") / "results"
    proc = cli("run", SCENARIO, *COMMON, "--format", "json", "--out", out, cwd=repo_root)
    return proc, out


def test_run_json(json_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = json_run
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["replications"] == 2
    assert payload["seed"] == 0
    assert payload["complete"] is True
    metrics = payload["metrics"]
    assert set(metrics) == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        entry = metrics[name]
        for key in ("mean", "low", "high"):
            assert key in entry, (name, key)
        assert 0 <= entry["n"] <= 2  # NaN values are dropped from an interval
        if entry["low"] is not None:
            assert entry["low"] <= entry["mean"] <= entry["high"], name
    assert metrics["wait_planned_mean_days"]["mean"] > 0
    assert "Traceback" not in proc.stderr


def test_run_reports_output_analysis_advice(
    json_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    # The suggested warm-up (MSER-5 on the weekly planned waits) and the replications needed
    # for a 95 % CI within 5 % of the mean (accesssim.analysis.advice).
    payload = json.loads(json_run[0].stdout)
    hints = payload["advice"]
    assert hints["warmup_used_days"] == 30
    assert 0 <= hints["warmup_suggested_days"] <= HORIZON
    assert hints["replications_run"] == 2
    assert hints["relative_precision"] == 0.05
    for metric, n in hints["replications_needed"].items():
        assert metric in METRIC_NAMES
        assert n >= 2


def test_run_csv(cli: Cli, repo_root: Path) -> None:
    proc = cli("run", SCENARIO, *COMMON, "--format", "csv", cwd=repo_root)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["metric"] for r in rows] == list(METRIC_NAMES)
    for r in rows:
        assert {"mean", "low", "high"} <= set(r)
        if r["mean"] not in ("", "nan"):
            float(r["mean"])
    wait = next(r for r in rows if r["metric"] == "wait_planned_mean_days")
    assert float(wait["low"]) <= float(wait["mean"]) <= float(wait["high"])


def test_run_out_directory(
    json_run: tuple[subprocess.CompletedProcess[str], Path], repo_root: Path
) -> None:
    proc, out = json_run
    assert proc.returncode == 0, proc.stderr
    for name in (
        "metrics.parquet",
        "weekly.parquet",
        "outcomes.parquet",
        "experiment.json",
        "scenarios/monts-du-lyonnais.yaml",
    ):
        assert (out / name).is_file(), name

    metrics = pd.read_parquet(out / "metrics.parquet")
    assert list(metrics.columns[:6]) == [
        "scenario",
        "point",
        "replication",
        "seed",
        "metric",
        "value",
    ]
    assert sorted(metrics["replication"].unique()) == [0, 1]
    assert set(metrics["seed"]) == {0}
    assert set(metrics["scenario"]) == {"monts-du-lyonnais"}
    assert len(metrics) == 2 * len(METRIC_NAMES)
    for rep in (0, 1):
        assert set(metrics.loc[metrics["replication"] == rep, "metric"]) == set(METRIC_NAMES)
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert sorted(weekly["replication"].unique()) == [0, 1]
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert {"window", "kind", "outcome", "count"} <= set(outcomes.columns)
    meta = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "run"
    assert meta["replications"] == [0, 1]
    assert meta["seed"] == 0
    assert "accesssim_version" in meta

    # The resolved scenario validates and reproduces replication 0 exactly.
    resolved = load_scenario(out / "scenarios" / "monts-du-lyonnais.yaml")
    original = load_scenario(repo_root / SCENARIO, OVERRIDES, horizon_days=HORIZON)
    assert resolved == original
    again = simulate(resolved, seed=0, replication=0).metrics
    direct = simulate(original, seed=0, replication=0).metrics
    stored = metrics[metrics["replication"] == 0].set_index("metric")["value"]
    for name in METRIC_NAMES:
        a, b, c = again[name], direct[name], float(stored[name])
        if math.isnan(b):
            assert math.isnan(a)
            assert math.isnan(c)
        else:
            assert a == b == c, name


def test_run_bad_scenario_path(cli: Cli, tmp_path: Path) -> None:
    proc = cli("run", tmp_path / "no-such-file.yaml", "--executor", "serial", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Traceback" not in proc.stdout
    assert "no-such-file.yaml" in proc.stderr


TINY = """\
name: tiny
population:
  size: 3000
gps:
  count: 3
calendar:
  horizon_days: 80
  warmup_days: 40
"""


def test_auto_at_the_cap_says_not_met(cli: Cli, tmp_path: Path) -> None:
    """``--auto`` stopped by its cap says so, with the number the target would need.

    A 0.1 % precision target on a 3,000-inhabitant territory is out of reach of 2
    replications (the cap): the CI half-widths of two noisy replications are far wider.
    """
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    args = ["run", "tiny.yaml", "--auto", "--precision", "0.001", "--max-replications", "2"]
    table = cli(*args, "--executor", "serial", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    line = next(x for x in table.stderr.splitlines() if x.startswith("automatic replications"))
    line = line.replace("\u202f", " ").replace("\xa0", " ")  # Babel's narrow spaces
    head, needed = line.split(", about ")
    assert head == (
        "automatic replications: 2 run; precision target 0.1 % not met: cap of 2 reached"
    )
    assert int(needed.removesuffix(" needed")) > 2
    payload = json.loads(
        cli(*args, "--executor", "serial", "--format", "json", cwd=tmp_path).stdout
    )
    assert payload["replications"] == 2
    assert payload["precision_target_met"] is False
    assert payload["replications_needed"] == int(needed.removesuffix(" needed"))
