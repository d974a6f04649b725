"""Signals to ``accesssim run --executor processes`` leave no process behind (docs/reliability.md).

A real command runs in its own session; once its workers are busy, the parent gets Ctrl-C
(SIGINT to the whole process group, as a terminal sends it), SIGTERM (to the parent alone, as
``timeout``, systemd or a batch scheduler send it) or SIGKILL (to the parent alone). Then:

* the parent exits, with 130 (SIGINT) or 143 (SIGTERM), keeping the finished replications:
  ``experiment.json`` is written (``complete: false``) and lists exactly the runs on disk;
* no process of its session is left (workers and the multiprocessing resource tracker),
  counted by scanning ``/proc`` for the session id: workers notice their parent's death;
* after SIGKILL, ``--resume`` finishes the experiment.

The time from the signal to the parent's exit is printed (``-s``), not asserted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

SCENARIO = "scenarios/monts-du-lyonnais.yaml"
ARGS = ["-r", "6", "--executor", "processes", "--workers", "2", "--horizon", "150"]


def session_processes(sid: int) -> list[int]:
    """Live (non-zombie) processes whose session id is ``sid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def start(out: Path, repo_root: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim.cli", "run", SCENARIO, *ARGS, "--out", str(out)],
        cwd=repo_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    parts = out / "parts" / "metrics"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not list(parts.glob("[!.]*.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.05)
    assert len(session_processes(proc.pid)) >= 3, "parent and workers should be running"
    return proc


def left_after(sid: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        left = session_processes(sid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "to_group", "code"),
    [("SIGINT", True, 130), ("SIGTERM", False, 143), ("SIGKILL", False, -9)],
)
def test_a_signal_leaves_no_process_and_keeps_finished_runs(
    repo_root: Path,
    tmp_path: Path,
    cli: Callable[..., subprocess.CompletedProcess[str]],
    name: str,
    to_group: bool,
    code: int,
) -> None:
    out = tmp_path / "out"
    proc = start(out, repo_root)
    sig = getattr(signal, name)
    t0 = time.monotonic()
    (os.killpg if to_group else os.kill)(proc.pid, sig)
    try:
        returncode = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # where the parent hangs: its threads' stacks (SIGUSR1)
        os.kill(proc.pid, signal.SIGUSR1)
        time.sleep(2.0)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        stacks = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        pytest.fail(f"the parent did not exit within 60 s of {name}; its stacks:\n{stacks}")
    exited = time.monotonic() - t0
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    left = left_after(proc.pid, 5.0)
    print(f"{name}: parent exited after {exited:.2f} s; processes left: {len(left)}")
    assert returncode == code
    assert not left, f"processes left after {name}: {left}"
    assert "Traceback" not in stderr
    on_disk = sorted(int(p.stem[-5:]) for p in (out / "parts" / "metrics").glob("[!.]*.parquet"))
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["complete"] is False
    if name != "SIGKILL":
        assert "finished replication(s) kept" in stderr
        assert meta["replications"] == on_disk
        table = pd.read_parquet(out / "metrics.parquet")
        assert sorted(table.replication.unique()) == on_disk
    else:
        resumed = cli("run", SCENARIO, *ARGS, "--out", out, "--resume", cwd=repo_root, timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        meta = json.loads((out / "experiment.json").read_text())
        assert meta["complete"] is True
        assert meta["replications"] == list(range(6))


def handles(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (its SigCgt mask in /proc)."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


@pytest.mark.slow
def test_sigusr1_prints_every_threads_stack_and_the_run_goes_on(
    repo_root: Path, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "accesssim.cli", "run", SCENARIO, "-r", "2", "--horizon", "150"],
        cwd=repo_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not handles(proc.pid, signal.SIGUSR1):
            assert proc.poll() is None, "the command ended before handling SIGUSR1"
            assert time.monotonic() < deadline, "no SIGUSR1 handler within 120 s"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    text = stderr.decode()
    assert proc.returncode == 0, text
    assert "most recent call first" in text
