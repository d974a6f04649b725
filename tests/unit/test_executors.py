"""Executors give the same numbers for the same seed, survive a dead worker, and stop cleanly.

* serial, processes and dask (a real LocalCluster) produce identical per-replication metrics;
* a real ``dask scheduler`` and ``dask worker``, started as separate processes on the loopback
  address, run ``accesssim run --dask-address`` to the same table as the serial executor;
* killing a worker process mid-run (SIGKILL, processes and dask executors) loses nothing: the
  lost tasks are rerun and the final table equals the serial one;
* Ctrl-C (SIGINT) on ``accesssim run --out`` keeps the finished replications on disk;
* common random numbers make the paired CI of a difference narrower than the unpaired one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from accesssim.experiment import replicate
from accesssim.experiment.compare import compare
from accesssim.model import METRIC_NAMES
from accesssim.scenario import Scenario

SMALL = {
    "name": "small",
    "population": {"size": 4000},
    "calendar": {"horizon_days": 120, "warmup_days": 28},
    "gps": {"count": 4},
}


def small() -> Scenario:
    return Scenario.model_validate(SMALL)


def table(reps) -> np.ndarray:
    return np.array([[r.metrics[m] for m in METRIC_NAMES] for r in reps.results])


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def serial_table() -> np.ndarray:
    return table(replicate(small(), 4, seed=5, executor="serial"))


def test_processes_equal_serial(serial_table: np.ndarray) -> None:
    reps = replicate(small(), 4, seed=5, executor="processes", workers=2)
    assert [r.replication for r in reps.results] == [0, 1, 2, 3]
    assert_same(table(reps), serial_table)


@pytest.mark.slow
def test_dask_local_cluster_equals_serial(serial_table: np.ndarray) -> None:
    reps = replicate(small(), 4, seed=5, executor="dask", workers=2)
    assert_same(table(reps), serial_table)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def _dask_bin() -> list[str]:
    return [sys.executable, "-m", "distributed.cli.dask_scheduler"]


@pytest.fixture
def dask_cluster():
    """A real scheduler and one worker (2 processes) as separate OS processes on loopback."""
    port = _free_port()
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    sched = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker = None
    try:
        _wait_for_port(port)
        address = f"tcp://127.0.0.1:{port}"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in (worker, sched):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.mark.slow
def test_cli_through_a_running_dask_scheduler(dask_cluster: str, tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(json.dumps(SMALL), encoding="utf-8")  # JSON is YAML
    common = [
        sys.executable,
        "-m",
        "accesssim.cli",
        "run",
        str(path),
        "--replications",
        "3",
        "--seed",
        "5",
        "--format",
        "json",
    ]
    serial = subprocess.run(
        [*common, "--executor", "serial"], capture_output=True, text=True, check=True
    )
    dask = subprocess.run(
        [*common, "--dask-address", dask_cluster], capture_output=True, text=True, check=True
    )
    a, b = json.loads(serial.stdout), json.loads(dask.stdout)
    assert a["metrics"] == b["metrics"]
    assert b["replications"] == 3


class WorkerKiller:
    """Progress callback that SIGKILLs one worker process when the first replication is done.

    Work is still pending at that moment (more tasks than workers), so the kill lands mid-run.
    """

    def __init__(self) -> None:
        self.killed: list[int] = []

    def __call__(self, done: int, total: int) -> None:
        if self.killed or done >= total:
            return
        for child in psutil.Process().children(recursive=True):
            try:
                cmd = " ".join(child.cmdline())
            except psutil.Error:
                continue
            if "spawn_main" in cmd:  # a pool or dask worker, not the resource tracker
                child.send_signal(signal.SIGKILL)
                self.killed.append(child.pid)
                return


FAULT = {
    **SMALL,
    "population": {"size": 30000},
    "gps": {"count": 25},
    "calendar": {"horizon_days": 200, "warmup_days": 28},
}


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executor_survives_a_killed_worker(executor: str) -> None:
    scenario = Scenario.model_validate(FAULT)
    expected = table(replicate(scenario, 8, seed=9, executor="serial"))
    killer = WorkerKiller()
    reps = replicate(scenario, 8, seed=9, executor=executor, workers=2, progress=killer)
    assert killer.killed, "no worker process was killed: the test did not test anything"
    assert [r.replication for r in reps.results] == list(range(8))
    assert_same(table(reps), expected)


def test_ctrl_c_keeps_finished_replications(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        json.dumps({**SMALL, "population": {"size": 20000}, "gps": {"count": 16}}), encoding="utf-8"
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accesssim.cli",
            "run",
            str(path),
            "--replications",
            "200",
            "--executor",
            "serial",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    parts = out / "parts" / "metrics"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("*.parquet"))) < 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    metrics = pd.read_parquet(out / "metrics.parquet")
    kept = sorted(metrics.replication.unique())
    assert len(kept) >= 2
    assert kept == list(range(len(kept)))
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["complete"] is False
    assert "GP slots booked" in stdout  # the table of what finished


def test_paired_ci_is_narrower_than_unpaired() -> None:
    # The point of common random numbers: the same patients in both scenarios, so the noise
    # they share cancels in the paired difference.
    base = Scenario.model_validate({**SMALL, "population": {"size": 12000}, "gps": {"count": 9}})
    alt = Scenario.model_validate(
        {
            **SMALL,
            "population": {"size": 12000},
            "gps": {"count": 9},
            "policies": {"teleconsultation": {"platform_daily_capacity": 10}},
        }
    )
    cmp = compare(base, [alt], 8, seed=3, labels=["base", "alt"], executor="serial")
    diffs = cmp.differences().set_index("metric")
    for metric in ("ed_visits_per_1000", "forgone_care_share", "unscheduled_within_48h_share"):
        row = diffs.loc[metric]
        assert row["half_width"] < row["unpaired_half_width"], metric
        assert row["significant"], metric


def _interrupted_while_loading() -> None:
    # What numba raises when Ctrl-C lands while it loads a compiled function from its cache.
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        raise SystemError("returned a result with an exception set") from exc


def test_a_ctrl_c_reported_as_a_system_error_is_an_interruption() -> None:
    from accesssim.experiment.executors import SerialExecutor, raise_interrupt_behind

    with pytest.raises(KeyboardInterrupt):
        list(SerialExecutor().run(_interrupted_while_loading, [()]))
    raise_interrupt_behind(SystemError("another error"))  # nothing behind it: returns
    with pytest.raises(SystemError):
        list(SerialExecutor().run(_raise_system_error, [()]))


def _exit_now_in_process(code: int) -> None:
    # the command line ends an interrupted process with os._exit: here, an exception instead
    raise SystemExit(code)


def _raise_system_error() -> None:
    raise SystemError("a real error")


def test_a_ctrl_c_reported_as_a_system_error_outside_a_run_exits_130(monkeypatch, capsys) -> None:
    # Ctrl-C while numba loads a compiled function before any run has started: the command
    # line reports an interruption (exit 130), not a traceback.
    from accesssim import cli

    monkeypatch.setattr(cli, "app", _interrupted_while_loading)
    monkeypatch.setattr(cli, "_exit_now", _exit_now_in_process)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 130
    assert "interrupted" in capsys.readouterr().err
    monkeypatch.setattr(cli, "app", _raise_system_error)
    with pytest.raises(SystemError):
        cli.main()
