"""``accesssim optimise`` and ``accesssim discover`` end to end (the installed CLI).

* the same optimisation on the serial, processes and Dask executors gives identical tables;
* killed with SIGKILL mid-run and resumed with ``--resume``, it ends with exactly the tables
  of an uninterrupted run and reruns nothing that finished;
* bad optimisation files give one ``FILE:LINE: field: reason`` line each, exit code 2;
* ``discover`` on a sweep with levers, mixes and uncertainties writes its JSON and Parquet
  outputs and refuses a sweep without uncertainties.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

BASE = """\
name: tiny
population: {size: 5000}
calendar: {horizon_days: 150, warmup_days: 28}
gps: {count: 4}
policies:
  unscheduled_slots: {reserved_share: 0.2, release_day: same, release_time_hours: 12}
  teleconsultation: {platform_daily_capacity: 0}
  nurses: {fte: 0}
"""

EXPERIMENT = """\
name: tiny-opt
base: base.yaml
levers:
  - {path: policies.unscheduled_slots.reserved_share, range: [0.0, 0.5], step: 0.05}
  - {path: policies.teleconsultation.platform_daily_capacity, range: [0, 10], type: integer}
  - {path: policies.nurses.fte, range: [0, 2], step: 0.5, name: nurses}
budget: {amount_eur: 20000, per: year}
objectives:
  - {metric: unscheduled_within_48h_share, sense: maximise}
  - {metric: wait_planned_mean_days, sense: minimise}
constraints:
  - {metric: wait_planned_mean_days, max: 12}
search: {population: 8, generations: 3, seed: 1}
replications: 2
confirm: {finalists: 3, first_stage: 4, batch: 2, max_replications: 8}
executor: serial
"""


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "accesssim.cli", *args], capture_output=True, text=True, **kw
    )


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "opt.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_parquet(out / f"{name}.parquet")
        for name in ("metrics", "mixes", "comparisons", "estimates")
    }


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.mark.slow
def test_every_executor_gives_the_same_optimisation(experiment: Path, tmp_path: Path) -> None:
    runs = {}
    for executor in ("serial", "processes", "dask"):
        out = tmp_path / executor
        res = cli(
            "optimise",
            str(experiment),
            "--out",
            str(out),
            "--executor",
            executor,
            "--workers",
            "2",
            timeout=600,
        )
        assert res.returncode == 0, res.stderr
        runs[executor] = tables(out)
    assert "confirmed Pareto set" in res.stdout
    assert_same(runs["serial"], runs["processes"])
    assert_same(runs["serial"], runs["dask"])
    pareto = json.loads((tmp_path / "serial" / "pareto.json").read_text())
    assert pareto["pareto"][0]["label"] == "baseline" or pareto["pareto"]
    mixes = runs["serial"]["mixes"]
    assert {"extra_cost_mean", "unscheduled_within_48h_share_low", "dominated"} <= set(mixes)


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_run(experiment: Path, tmp_path: Path) -> None:
    text = experiment.read_text().replace("generations: 3", "generations: 6")
    experiment.write_text(text.replace("executor: serial", "executor: processes\nworkers: 2"))
    full = tmp_path / "full"
    assert cli("optimise", str(experiment), "--out", str(full)).returncode == 0
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim.cli", "optimise", str(experiment), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    parts = out / "parts" / "metrics"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(parts.glob("p*.parquet"))) < 30:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    n_before = len(list(parts.glob("p*.parquet")))
    n_total = len(list((full / "parts" / "metrics").glob("p*.parquet")))
    assert 30 <= n_before < n_total, "the kill must land mid-way"

    again = cli("optimise", str(experiment), "--out", str(out))
    assert again.returncode == 2
    assert "--resume" in again.stderr
    resumed = cli("optimise", str(experiment), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"({n_total - n_before} run now)" in resumed.stderr
    assert_same(tables(out), tables(full))


@pytest.mark.parametrize(
    ("change", "path", "line"),
    [
        (("replications: 2", "replications: 0"), "replications", 14),
        (("sense: minimise}", "sense: smallest}"), "objectives.1.sense", 10),
        (("metric: unscheduled_within_48h_share", "metric: nope"), "objectives.0.metric", 9),
        (("policies.nurses.fte, range", "policies.nurses.ftee, range"), "levers.2.path", 6),
        (("range: [0, 10]", "range: [10, 0]"), "levers.1", 5),
        (("base: base.yaml", "base: missing.yaml"), "base", 2),
        (("amount_eur: 20000", "amount_eur: -1"), "budget.amount_eur", 7),
        (("step: 0.5, name", "step: 0.5, type: integer, name"), "levers.2", 6),
        (
            ("search: {population: 8", "search: {algorithm: exhaustive, population: 8"),
            "levers.0.step",
            4,
        ),
    ],
)
def test_bad_optimisation_files(
    experiment: Path, tmp_path: Path, change: tuple[str, str], path: str, line: int
) -> None:
    text = experiment.read_text()
    assert change[0] in text
    if path == "levers.0.step":
        text = text.replace("range: [0.0, 0.5], step: 0.05", "range: [0.0, 0.5]")
    experiment.write_text(text.replace(*change))
    res = cli("optimise", str(experiment), "--out", str(tmp_path / "out"))
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr
    assert f"opt.yaml:{line}: {path}" in res.stderr, res.stderr


def test_a_lever_in_a_block_the_base_lacks_is_refused(experiment: Path, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.replace("  nurses: {fte: 0}\n", ""))
    res = cli("optimise", str(experiment), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "opt.yaml:6: levers.2.path: the base scenario has no value" in res.stderr
    assert "set:" in res.stderr


SWEEP = """\
name: robust
base: base.yaml
levers:
  - {path: policies.nurses.fte, name: nurses, range: [0, 2]}
  - {path: policies.teleconsultation.platform_daily_capacity, name: tele, range: [0, 10]}
mixes:
  - {name: today, values: {nurses: 0, tele: 0}}
  - {name: chosen, values: {nurses: 1.5, tele: 8}}
uncertainties:
  - {path: gps.departure_rate_60_plus, range: [0.0, 0.6], name: retirement}
  - {path: policies.teleconsultation.eligible.unscheduled_48h.age_16_59, range: [0.5, 1.5],
     scale: true, also: [policies.teleconsultation.eligible.unscheduled_24h.age_16_59],
     name: tele_uptake}
design: {kind: lhs, points: 24, seed: 3}
replications: 1
thresholds:
  - {metric: unscheduled_within_48h_share, min: 0.88}
executor: serial
"""


def test_discover_on_a_crossed_sweep(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "sweep.yaml").write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    res = cli("sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), timeout=600)
    assert res.returncode == 0, res.stderr
    design = pd.read_parquet(out / "design.parquet")
    assert list(design["mix"].unique()) == ["today", "chosen"]
    assert len(design) == 48
    # Both mixes face the same uncertainty samples.
    a, b = design[design.mix == "today"], design[design.mix == "chosen"]
    assert (a["retirement"].to_numpy() == b["retirement"].to_numpy()).all()
    res = cli("discover", str(out), "--report")
    assert res.returncode == 0, res.stderr
    assert "Robustness of each mix" in res.stdout
    disc = json.loads((out / "discovery.json").read_text())
    assert set(disc["mixes"]) == {"today", "chosen"}
    for name in ("robustness", "prim-trajectory", "prim-boxes", "feature-scores"):
        assert (out / f"{name}.parquet").is_file()
    rob = pd.read_parquet(out / "robustness.parquet")
    row = rob[(rob.mix == "chosen") & (rob.metric == "unscheduled_within_48h_share")].iloc[0]
    assert 0.0 <= row["satisficing"] <= 1.0
    assert row["regret_max"] >= 0.0
    # Another threshold from the command line.
    res = cli("discover", str(out), "--threshold", "mt_coverage_end>=0.5", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["thresholds"][0]["metric"] == "mt_coverage_end"
    assert (out / "report.html").is_file()


def test_discover_refuses_a_sweep_without_uncertainties(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "plain.yaml").write_text(
        "name: plain\nbase: base.yaml\nfactors:\n"
        "  - {path: policies.nurses.fte, range: [0, 1]}\n"
        "design: {kind: lhs, points: 3}\nexecutor: serial\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert cli("sweep", str(tmp_path / "plain.yaml"), "--out", str(out)).returncode == 0
    res = cli("discover", str(out))
    assert res.returncode == 2
    assert "uncertainties" in res.stderr
    assert "Traceback" not in res.stderr
    res = cli("discover", str(out), "--threshold", "nope>=1")
    assert res.returncode == 2
    assert "unknown metric" in res.stderr


def test_an_exhaustive_search_too_large_is_refused(experiment: Path, tmp_path: Path) -> None:
    text = experiment.read_text().replace("step: 0.05}", "step: 0.0001}")
    experiment.write_text(text.replace("search: {", "search: {algorithm: exhaustive, "))
    res = cli("optimise", str(experiment), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "opt.yaml:13: search.algorithm: exhaustive search over 275,055 mixes" in res.stderr
