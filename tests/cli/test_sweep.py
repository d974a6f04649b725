"""``accesssim sweep``: resumable after SIGKILL, clear errors on bad experiment files.

The kill test runs a sweep in its own process group, kills the whole group with SIGKILL once
some runs are on disk (as a crash would), resumes it with ``--resume`` and checks the final
table equals an uninterrupted run's: every (point, replication) exactly once, same values.
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
"""

EXPERIMENT = """\
name: resumable
base: base.yaml
factors:
  - {path: policies.unscheduled_slots.reserved_share, range: [0.0, 0.5]}
  - {path: gps.count, range: [3, 6], type: integer}
  - {path: policies.unscheduled_slots.release_day, levels: [same, previous]}
design: {kind: lhs, points: 12, seed: 4}
replications: 2
metrics: [unscheduled_within_48h_share, mt_coverage_end]
executor: processes
workers: 2
"""


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "accesssim.cli", *args], capture_output=True, text=True, **kw
    )


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


def table(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / "metrics.parquet")
    return df.sort_values(["point", "replication", "metric"]).reset_index(drop=True)


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_run(experiment: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    done = cli("sweep", str(experiment), "--out", str(full))
    assert done.returncode == 0, done.stderr
    assert "PRCC" in done.stdout
    assert "95 % CI" in done.stdout  # PRCC with its CI

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim.cli", "sweep", str(experiment), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    parts = out / "parts" / "metrics"
    deadline = time.time() + 180
    while time.time() < deadline and len(list(parts.glob("p*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    n_before = len(list(parts.glob("p*.parquet")))
    assert 5 <= n_before < 24, "the kill must land mid-way"

    again = cli("sweep", str(experiment), "--out", str(out))
    assert again.returncode == 2
    assert "--resume" in again.stderr

    resumed = cli("sweep", str(experiment), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    got, want = table(out), table(full)
    keys = got[["point", "replication", "metric"]]
    assert not keys.duplicated().any()
    assert len(got.groupby(["point", "replication"])) == 12 * 2
    pd.testing.assert_frame_equal(got, want)
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["points"] == 12
    assert (out / "design.parquet").exists()
    assert (out / "sensitivity-indices.parquet").exists()


def test_resume_refuses_a_changed_experiment(experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = (
        experiment.read_text()
        .replace("points: 12", "points: 3")
        .replace("executor: processes", "executor: serial")
    )
    experiment.write_text(small)
    assert cli("sweep", str(experiment), "--out", str(out)).returncode == 0
    experiment.write_text(small.replace("seed: 4", "seed: 5"))
    res = cli("sweep", str(experiment), "--out", str(out), "--resume")
    assert res.returncode == 2
    assert "changed" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("change", "path", "line"),
    [
        (("replications: 2", "replications: 0"), "replications", 8),
        (("design: {kind: lhs", "design: {kind: lhx"), "design.kind", 7),
        (("metrics: [unscheduled_within_48h_share", "metrics: [nope"), "metrics.0", 9),
        (("gps.count, range", "gps.cnt, range"), "factors.1.path", 5),
        (("range: [0.0, 0.5]", "range: [0.5, 0.0]"), "factors.0", 4),
        (("base: base.yaml", "base: missing.yaml"), "base", 2),
        (("replications: 2", "replicates: 2"), "replicates", 8),
        (
            ("design: {kind: lhs, points: 12, seed: 4}", "design: {kind: sobol, base_samples: 12}"),
            "design",
            7,
        ),
    ],
)
def test_bad_experiment_files(
    experiment: Path, tmp_path: Path, change: tuple[str, str], path: str, line: int
) -> None:
    text = experiment.read_text()
    assert change[0] in text
    experiment.write_text(text.replace(*change))
    res = cli("sweep", str(experiment), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "exp.yaml" in res.stderr
    assert f": {path}" in res.stderr
    assert f"exp.yaml:{line}:" in res.stderr
