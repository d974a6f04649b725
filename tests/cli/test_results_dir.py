"""Results directories never mix experiments (docs/reliability.md), in-process.

* ``run``/``compare --out DIR`` refuse a directory that holds other results (another scenario,
  other replications, other files): exit 2, one message, nothing written; ``--overwrite``
  replaces what accesssim wrote there (never foreign files); ``--resume`` continues the same
  experiment only (same digest) and keeps its finished runs;
* ``sweep --resume`` refuses a directory written by ``run`` or without ``experiment.json``;
  it accepts a change of what does not affect runs (metrics analysed, executor, description);
* a second writer is refused while the first holds ``.accesssim.lock``; a lock left by a
  killed process is taken over;
* a zero-length or truncated part file is redone by ``--resume``;
* file-system errors on ``--out`` and ``report --out`` are one message and exit 2;
* result files get the permissions the umask gives (not 0600).
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from accesssim.cli import app
from accesssim.experiment.store import LOCK_NAME

SCENARIO = """\
name: tiny
population: {size: 1500}
gps: {count: 2}
calendar: {horizon_days: 35, warmup_days: 7}
"""
OTHER = SCENARIO.replace("name: tiny", "name: other").replace("count: 2", "count: 3")
RUN = ["--executor", "serial", "--format", "json"]


def invoke(*args: object) -> tuple[int, str, str]:
    """Run the command line in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "tiny.yaml"
    b = tmp_path / "other.yaml"
    a.write_text(SCENARIO)
    b.write_text(OTHER)
    return a, b


def metrics(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "metrics.parquet")


def test_run_refuses_other_replications_in_the_same_directory(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "3", "--out", out, *RUN)[0] == 0
    before = metrics(out)
    code, _, err = invoke("run", a, "-r", "2", "--set", "gps.count=3", "--out", out, *RUN)
    assert code == 2
    assert "is not empty" in err
    assert "--overwrite" in err
    assert "Traceback" not in err
    pd.testing.assert_frame_equal(metrics(out), before)
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["replications"] == [0, 1, 2]
    assert sorted(metrics(out).replication.unique()) == [0, 1, 2]


def test_a_second_scenario_never_joins_the_first(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "2", "--out", out, *RUN)[0] == 0
    code, _, err = invoke("run", b, "-r", "2", "--out", out, *RUN)
    assert code == 2
    assert "results of another experiment" in err
    assert set(metrics(out).scenario) == {"tiny"}


def test_overwrite_replaces_the_results(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "3", "--out", out, *RUN)[0] == 0
    code, _, err = invoke("run", b, "-r", "2", "--out", out, "--overwrite", *RUN)
    assert code == 0, err
    table = metrics(out)
    assert set(table.scenario) == {"other"}
    assert sorted(table.replication.unique()) == [0, 1]
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == ["other.yaml"]
    assert json.loads((out / "experiment.json").read_text())["replications"] == [0, 1]


def test_overwrite_never_empties_a_folder_of_other_files(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    code, _, err = invoke("run", a, "-r", "1", "--out", out, "--overwrite", *RUN)
    assert code == 2
    assert "did not write (thesis.tex)" in err
    assert (out / "thesis.tex").read_text() == "precious"


def test_resume_keeps_finished_runs_and_gives_the_same_tables(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    full, part = tmp_path / "full", tmp_path / "part"
    code, want, _ = invoke("run", a, "-r", "3", "--out", full, *RUN)
    assert code == 0
    assert invoke("run", a, "-r", "3", "--out", part, *RUN)[0] == 0
    # As if interrupted after replication 0: replications 1 and 2 lost, metadata incomplete.
    for folder in (part / "parts").iterdir():
        for f in folder.glob("tiny-r0000[12].parquet"):
            f.unlink()
    meta = json.loads((part / "experiment.json").read_text())
    (part / "experiment.json").write_text(json.dumps({**meta, "complete": False}))
    kept = (part / "parts" / "metrics" / "tiny-r00000.parquet").stat().st_mtime_ns
    code, got, err = invoke("run", a, "-r", "3", "--out", part, "--resume", *RUN)
    assert code == 0, err
    assert (part / "parts" / "metrics" / "tiny-r00000.parquet").stat().st_mtime_ns == kept
    pd.testing.assert_frame_equal(metrics(part), metrics(full))
    assert json.loads(got)["metrics"] == json.loads(want)["metrics"]
    assert json.loads((part / "experiment.json").read_text())["complete"] is True


def test_resume_accepts_a_change_of_description_executor_or_format(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "2", "--out", out, *RUN)[0] == 0
    a.write_text(SCENARIO + "description: now described\nsources: [a note]\n")
    code, _, err = invoke(
        "run", a, "-r", "2", "--out", out, "--resume", "--executor", "processes", "--format", "csv"
    )
    assert code == 0, err
    assert "now described" in (out / "scenarios" / "tiny.yaml").read_text()


def test_resume_refuses_another_experiment(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "2", "--out", out, *RUN)[0] == 0
    code, _, err = invoke("run", a, "-r", "2", "--seed", "7", "--out", out, "--resume", *RUN)
    assert code == 2
    assert "changed since it was written" in err


def test_resume_refuses_a_directory_without_metadata(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "2", "--out", out, *RUN)[0] == 0
    (out / "experiment.json").unlink()
    code, _, err = invoke("run", a, "-r", "2", "--out", out, "--resume", *RUN)
    assert code == 2
    assert "no readable experiment.json" in err


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_resume_redoes_a_damaged_part_file(
    files: tuple[Path, Path], tmp_path: Path, damage: str
) -> None:
    a, _ = files
    full, out = tmp_path / "full", tmp_path / "out"
    assert invoke("run", a, "-r", "2", "--out", full, *RUN)[0] == 0
    assert invoke("run", a, "-r", "2", "--out", out, *RUN)[0] == 0
    part = out / "parts" / "weekly" / "tiny-r00001.parquet"
    part.write_bytes(b"" if damage == "empty" else part.read_bytes()[:100])
    code, _, err = invoke("run", a, "-r", "2", "--out", out, "--resume", *RUN)
    assert code == 0, err
    for name in ("metrics", "weekly"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / f"{name}.parquet"), pd.read_parquet(full / f"{name}.parquet")
        )


def test_compare_refuses_mixing_and_resumes(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = files
    out = tmp_path / "cmp"
    code, want, _ = invoke("compare", a, b, "-r", "2", "--out", out, *RUN)
    assert code == 0
    code, _, err = invoke("compare", b, a, "-r", "2", "--out", out, *RUN)
    assert code == 2
    assert "is not empty" in err
    for f in (out / "parts").rglob("*-r00001.parquet"):
        f.unlink()
    code, got, err = invoke("compare", a, b, "-r", "2", "--out", out, "--resume", *RUN)
    assert code == 0, err
    assert json.loads(got)["differences"] == json.loads(want)["differences"]
    assert sorted(metrics(out).replication.unique()) == [0, 1]


def test_a_second_writer_is_refused_and_a_dead_ones_lock_taken_over(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    out.mkdir()
    lock = out / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"4242 somehost\n")
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the directory
    try:
        code, _, err = invoke("run", a, "-r", "1", "--out", out, *RUN)
    finally:
        os.close(fd)
    assert code == 2
    assert "another accesssim process (pid 4242 on somehost) is writing" in err
    assert not (out / "experiment.json").exists()
    # The holder died (its lock file is left, nobody holds it): the next run takes over.
    assert lock.exists()
    code, _, err = invoke("run", a, "-r", "1", "--out", out, *RUN)
    assert code == 0, err
    assert not lock.exists()


def test_sweep_resume_refuses_a_run_directory(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "1", "--out", out, *RUN)[0] == 0
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        f"base: {a.name}\nfactors: [{{path: gps.count, levels: [1, 3]}}]\n"
        "design: {kind: grid, levels: 2}\nexecutor: serial\n"
    )
    code, _, err = invoke("sweep", exp, "--out", out, "--resume")
    assert code == 2
    assert "holds another experiment (run" in err
    (out / "experiment.json").unlink()
    code, _, err = invoke("sweep", exp, "--out", out, "--resume")
    assert code == 2
    assert "no readable experiment.json" in err


def test_sweep_resume_accepts_changes_that_do_not_affect_runs(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    exp = tmp_path / "exp.yaml"
    text = (
        f"base: {a.name}\nfactors: [{{path: gps.count, levels: [1, 3]}}]\n"
        "design: {kind: grid, levels: 2}\nexecutor: serial\n"
    )
    exp.write_text(text)
    assert invoke("sweep", exp, "--out", out)[0] == 0
    exp.write_text(
        text.replace("executor: serial", "executor: processes")
        + "description: now with a description\nmetrics: [gp_utilisation]\n"
    )
    code, _, err = invoke("sweep", exp, "--out", out, "--resume", "--executor", "serial")
    assert code == 0, err
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["metrics"] == ["gp_utilisation"]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("file/sub", "cannot write: Not a directory"),
        ("/proc/accesssim-results", "cannot write"),
        ("/dev/null/out", "cannot write"),
    ],
)
def test_file_system_errors_are_one_message(
    files: tuple[Path, Path], tmp_path: Path, where: str, reason: str
) -> None:
    a, _ = files
    (tmp_path / "file").write_text("x")
    target = tmp_path / where if not where.startswith("/") else Path(where)
    code, _, err = invoke("run", a, "-r", "1", "--out", target, *RUN)
    assert code == 2
    assert reason in err
    assert "--out" in err
    assert "Traceback" not in err
    # One problem (the tiny scenario's plausibility warnings may come before it).
    assert len([line for line in err.splitlines() if ": warning: " not in line]) == 1


def test_report_out_file_system_error_is_one_message(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = files
    out = tmp_path / "out"
    assert invoke("run", a, "-r", "1", "--out", out, *RUN)[0] == 0
    (tmp_path / "file").write_text("x")
    code, _, err = invoke("report", out, "--out", tmp_path / "file" / "report.html")
    assert code == 2
    assert "cannot write: Not a directory" in err
    assert "Traceback" not in err


def test_result_files_follow_the_umask(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = files
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert invoke("run", a, "-r", "1", "--out", out, *RUN)[0] == 0
        assert invoke("report", out)[0] == 0
    finally:
        os.umask(old)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in written}
    assert set(modes.values()) == {0o644}, modes
