"""Units behind docs/reliability.md: executor choice, Dask addresses, safe names, limits.

* one rule picks the executor (``--dask-address`` implies dask; a pool for one task is serial);
* a Dask address is checked before anything starts, and an unreachable scheduler is one clear
  message within :data:`DASK_CONNECT_SECONDS` (not a traceback after 30 s);
* the dashboard of a LocalCluster listens on 127.0.0.1 only;
* scenario names of any length and content give safe, distinct file names;
* terminal escapes in text are shown, not obeyed;
* reading a file never blocks or reads without bound (FIFOs, devices, huge files).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from accesssim.experiment.executors import (
    DASK_CONNECT_SECONDS,
    DaskExecutor,
    check_dask_address,
    choose_executor,
)
from accesssim.experiment.store import MAX_LABEL, atomic_write_bytes, labels_for, safe_label
from accesssim.scenario.errors import InputError, Problem, printable
from accesssim.scenario.loading import MAX_FILE_BYTES, load_document


def test_one_rule_chooses_the_executor() -> None:
    assert choose_executor("processes", 1) == "serial"
    assert choose_executor("processes", 0) == "serial"
    assert choose_executor("processes", 2) == "processes"
    assert choose_executor("serial", 10) == "serial"
    assert choose_executor("serial", 10, "tcp://h:1") == "dask"
    assert choose_executor("dask", 1) == "dask"


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "tcp://scheduler", "tls://a.b.c:1", "tcp://[::1]:8786"]
)
def test_good_dask_addresses_pass(address: str) -> None:
    check_dask_address(address)


@pytest.mark.parametrize(
    "address", ["not an address", "127.0.0.1:8786", "inproc://x", "tcp://", "tcp://a b:1"]
)
def test_bad_dask_addresses_are_refused_at_once(address: str) -> None:
    with pytest.raises(InputError) as info:
        check_dask_address(address)
    assert "expected tcp://HOST:PORT" in str(info.value)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clear_message() -> None:
    t0 = time.monotonic()
    with pytest.raises(InputError) as info:
        DaskExecutor("tcp://127.0.0.1:1")
    waited = time.monotonic() - t0
    (problem,) = info.value.problems
    assert f"no Dask scheduler answered within {DASK_CONNECT_SECONDS:g} s" in problem.reason
    print(f"refused after {waited:.1f} s")


@pytest.mark.slow
def test_the_dask_dashboard_listens_on_loopback_only() -> None:
    exe = DaskExecutor(workers=1)
    try:
        link = exe._cluster.dashboard_link  # type: ignore[union-attr]
        assert "127.0.0.1" in link, link
        http = exe._cluster.scheduler.http_server  # type: ignore[union-attr]
        hosts = {sock.getsockname()[0] for sock in http._sockets.values()}
        assert hosts == {"127.0.0.1"}, hosts
    finally:
        exe.close()


def test_long_and_odd_names_give_safe_distinct_labels() -> None:
    a, b = "x" * 299 + "a", "x" * 299 + "b"
    la, lb = safe_label(a), safe_label(b)
    assert la != lb
    assert len(la) <= MAX_LABEL
    assert len(f"{la}-vs-{lb}-0123456789ab".encode()) < 255
    assert safe_label("Vénissieux \x1b[31m/../etc") == "V-nissieux-31m-..-etc"
    assert safe_label("...") == "scenario"
    assert labels_for(["a/" + "y" * 240 + ".yaml", "b/" + "y" * 240 + ".yaml"])[1].endswith("-2")


def test_terminal_escapes_are_shown_not_obeyed() -> None:
    text = "name\x1b[2J\x07\u202eevil"
    shown = printable(text)
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\u202e" not in shown
    assert shown == "name\\x1b[2J\\x07\\u202eevil"
    line = str(Problem("f.yaml\x1b]0;title\x07", 3, "a\nb", "bad \x1b[31m"))
    assert "\x1b" not in line
    assert "\n" not in line


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done: list[BaseException] = []

    def read() -> None:
        try:
            load_document(fifo)
        except BaseException as exc:
            done.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # unblock the reader so the test process can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO blocked")
    assert isinstance(done[0], InputError)
    assert "not a regular file" in str(done[0])


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * MAX_FILE_BYTES)  # sparse: large on paper, no disk used
    with pytest.raises(InputError) as info:
        load_document(big)
    assert "too large" in str(info.value)


def test_a_full_disk_is_one_message_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError) as info:
        atomic_write_bytes(b"data", tmp_path / "out" / "metrics.parquet")
    (problem,) = info.value.problems
    assert problem.path == "--out"
    assert problem.reason == "cannot write: No space left on device"
    assert list((tmp_path / "out").iterdir()) == []
