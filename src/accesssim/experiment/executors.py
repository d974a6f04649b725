"""Executors: where replications run. One interface, three back ends.

* ``serial``: in this process, one task after the other;
* ``processes``: a pool of worker processes on this machine (default: all cores); a worker
  that dies is replaced and the tasks it held are run again;
* ``dask``: a ``distributed`` cluster, given by the address of a running scheduler
  (``tcp://host:8786``) or a ``LocalCluster`` started for the run; tasks lost with a worker are
  recomputed by the scheduler.

Stopping (docs/reliability.md): Ctrl-C or SIGTERM in the parent stops the worker processes at
once (finished results are kept by the caller); a worker whose parent dies (killed, even by
SIGKILL) notices within a second and exits, so no process is left behind.

A task is a top-level function and its arguments (here: a resolved scenario, a seed and a
replication index), so no number depends on which worker ran what: every executor gives the
same results for the same tasks. Results are yielded as ``(task index, result)`` as they
complete; callers sort them.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, Protocol

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "ProcessExecutor",
    "SerialExecutor",
    "choose_executor",
    "make_executor",
]

#: How often a worker checks that its parent process is still alive (seconds).
PARENT_POLL_SECONDS = 0.5
#: How long connecting to a Dask scheduler may take before the address is refused (seconds).
DASK_CONNECT_SECONDS = 5.0

ExecutorName = Literal["serial", "processes", "dask"]


class Executor(Protocol):
    """Runs ``fn(*args)`` for each task; yields ``(index, result)`` as tasks complete."""

    name: str
    workers: int

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs tasks one after the other in this process."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        for i, args in enumerate(tasks):
            yield i, fn(*args)

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_SECONDS)
        if os.getppid() != parent:  # the parent died: this process was adopted
            os._exit(1)


def _worker_init(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent (which stops the workers itself), and exit
    when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent").start()


def choose_executor(name: str, tasks: int, dask_address: str | None = None) -> str:
    """The executor to use for ``tasks`` tasks: ``--dask-address`` implies ``dask``, and a
    pool of processes for a single task is replaced by ``serial`` (no pool to start)."""
    if dask_address:
        return "dask"
    if name == "processes" and tasks <= 1:
        return "serial"
    return name


class ProcessExecutor:
    """A pool of worker processes; lost tasks are rerun when a worker dies.

    Workers are started with the ``spawn`` method, so each imports accesssim afresh (numba
    loads the compiled kernel from its on-disk cache).
    """

    name = "processes"

    def __init__(self, workers: int | None = None, max_restarts: int = 5) -> None:
        self.workers = workers or default_workers()
        self.max_restarts = max_restarts
        self._pool: cf.ProcessPoolExecutor | None = None

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def _stop(self) -> None:
        """Stop the pool now: kill its workers (a task under way is lost, never half kept)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for p in procs:
            with contextlib.suppress(OSError, ValueError):
                p.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + 1.0
        for p in procs:
            with contextlib.suppress(OSError, ValueError):
                p.join(max(deadline - time.monotonic(), 0.0))
                if p.is_alive():
                    p.kill()

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        pending = set(range(len(tasks)))
        restarts = 0
        while pending:
            if self._pool is None:
                self._pool = self._new_pool()
            futures = {self._pool.submit(fn, *tasks[i]): i for i in sorted(pending)}
            try:
                for fut in cf.as_completed(futures):
                    i = futures[fut]
                    result = fut.result()
                    pending.discard(i)
                    yield i, result
            except cf.process.BrokenProcessPool:
                # A worker died: drop the pool and rerun the tasks without a result.
                self._stop()
                restarts += 1
                if restarts > self.max_restarts:
                    raise
            except BaseException:  # Ctrl-C, SIGTERM, an error of the caller: stop at once
                self._stop()
                raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dask_problem(address: str, reason: str) -> Exception:
    from accesssim.scenario.errors import InputError, Problem

    return InputError([Problem("--dask-address", None, "dask_address", f"{address!r}: {reason}")])


def check_dask_address(address: str) -> None:
    """Refuse an address that is not ``protocol://host:port`` (``tcp://10.0.0.5:8786``)."""
    import re

    if not re.fullmatch(
        r"(tcp|tls|ucx|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)(:[0-9]{1,5})?/?", address.strip()
    ):
        raise _dask_problem(
            address, "not a scheduler address; expected tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
        )


class DaskExecutor:
    """Tasks on a ``distributed`` cluster (a running scheduler, or a LocalCluster)."""

    name = "dask"

    def __init__(
        self, address: str | None = None, workers: int | None = None, retries: int = 3
    ) -> None:
        from distributed import Client, LocalCluster

        self.retries = retries
        self._cluster = None
        if address:
            check_dask_address(address)
            try:
                self._client = Client(address, timeout=f"{DASK_CONNECT_SECONDS:g}s")
            except (OSError, TimeoutError) as exc:
                raise _dask_problem(
                    address,
                    f"no Dask scheduler answered within {DASK_CONNECT_SECONDS:g} s "
                    f"({type(exc).__name__}); start one with `dask scheduler`, or check the "
                    "address and the network",
                ) from None
        else:
            n = workers or default_workers()
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
                host="127.0.0.1",
            )
            self._client = Client(self._cluster)
        info = self._client.scheduler_info()
        self.workers = max(len(info.get("workers", {})), 1)
        self.address = self._client.scheduler.address

    def run(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        futures = [
            self._client.submit(fn, *args, pure=False, retries=self.retries) for args in tasks
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(
    name: str = "processes", workers: int | None = None, dask_address: str | None = None
) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """An executor by name; ``--dask-address`` implies ``dask``."""
    if dask_address and name != "dask":
        name = "dask"
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(dask_address, workers)
    raise ValueError(f"unknown executor {name!r} (serial, processes or dask)")
