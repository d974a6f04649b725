"""Executors: where replications run. One interface, three back ends.

* ``serial``: in this process, one task after the other;
* ``processes``: a pool of worker processes on this machine (default: all cores); a worker
  that dies is replaced and the tasks it held are run again;
* ``dask``: a ``distributed`` cluster, given by the address of a running scheduler
  (``tcp://host:8786``) or a ``LocalCluster`` started for the run; tasks lost with a worker are
  recomputed by the scheduler.

A task is a top-level function and its arguments (here: a resolved scenario, a seed and a
replication index), so no number depends on which worker ran what: every executor gives the
same results for the same tasks. Results are yielded as ``(task index, result)`` as they
complete; callers sort them.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, Protocol

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "ProcessExecutor",
    "SerialExecutor",
    "make_executor",
]

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
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"))

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
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                restarts += 1
                if restarts > self.max_restarts:
                    raise
            except BaseException:
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
            self._client = Client(address, timeout="30s")
        else:
            n = workers or default_workers()
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
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
