"""Replications of one scenario: a fixed number, or until the CIs are narrow enough."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from accesssim.analysis import Estimate, mean_ci, replications_needed
from accesssim.experiment.executors import choose_executor, make_executor
from accesssim.model import METRIC_NAMES, RunResult, simulate
from accesssim.scenario.schema import Scenario

__all__ = ["AutoStop", "Replications", "replicate", "run_replication"]

ProgressFn = Callable[[int, int], None]


def run_replication(scenario: Scenario, seed: int, replication: int) -> RunResult:
    """One task: a replication fully described by (scenario, seed, replication)."""
    return simulate(scenario, seed, replication)


@dataclass(frozen=True)
class AutoStop:
    """Keep adding replications until every chosen metric's 95 % CI half-width is at most
    ``relative`` x |mean| (or ``absolute`` for metrics whose mean is near 0), or until
    ``max_replications``."""

    metrics: tuple[str, ...] = (
        "wait_planned_mean_days",
        "unscheduled_within_48h_share",
        "mt_coverage_end",
    )
    relative: float = 0.05
    absolute: float = 1e-3
    min_replications: int = 5
    max_replications: int = 100
    batch: int = 0  # 0: as many as workers

    def needed(self, values: dict[str, np.ndarray]) -> int:
        """Replications needed so that every chosen metric meets the target.

        Not capped: a number above ``max_replications`` means the cap stops the run before
        the target is met (:meth:`Replications.converged` is then False).
        """
        need = self.min_replications
        for name in self.metrics:
            x = values[name]
            x = x[~np.isnan(x)]
            if x.size < 2:
                continue
            est = mean_ci(x)
            if est.half_width <= max(self.relative * abs(est.mean), self.absolute):
                continue
            need = max(need, replications_needed(x, self.relative), x.size + 1)
        return need


@dataclass
class Replications:
    """The replications of one scenario, in replication order."""

    scenario: Scenario
    seed: int
    results: list[RunResult] = field(default_factory=list)
    complete: bool = True
    auto: AutoStop | None = None

    @property
    def n(self) -> int:
        return len(self.results)

    def values(self, metric: str) -> np.ndarray:
        """One value per replication."""
        return np.array([r.metrics[metric] for r in self.results], dtype=float)

    def summary(self, level: float = 0.95) -> dict[str, Estimate]:
        """Mean and CI of every metric."""
        return {m: mean_ci(self.values(m), level) for m in METRIC_NAMES}

    def summary_frame(self, level: float = 0.95) -> pd.DataFrame:
        """The summary as a table (one row per metric)."""
        rows = [{"metric": m, **e.as_dict()} for m, e in self.summary(level).items()]
        return pd.DataFrame(rows)

    def converged(self) -> bool:
        """With automatic replications: whether the precision target was met."""
        return self.auto is None or self.needed() <= self.n

    def needed(self) -> int:
        """With automatic replications: about how many replications the precision target
        needs, from the replications run (may exceed the cap); without: how many were run."""
        if self.auto is None:
            return self.n
        return self.auto.needed({m: self.values(m) for m in self.auto.metrics})


def replicate(
    scenario: Scenario,
    replications: int = 10,
    seed: int = 0,
    *,
    executor: str = "processes",
    workers: int | None = None,
    dask_address: str | None = None,
    auto: AutoStop | None = None,
    progress: ProgressFn | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    first_replication: int = 0,
    skip: Sequence[int] = (),
    prior: Iterable[RunResult] = (),
) -> Replications:
    """Run replications of ``scenario``.

    Parameters
    ----------
    scenario
        The resolved scenario.
    replications
        How many (ignored when ``auto`` is given, except as the first batch size).
    seed
        Root seed; replication ``i`` uses child ``i`` of ``SeedSequence(seed)``.
    executor, workers, dask_address
        Where to run (see :mod:`accesssim.experiment.executors`).
    auto
        Automatic number of replications (precision target and cap).
    progress
        Called with (done, total) after each replication.
    on_result
        Called with each finished replication (e.g. to write it to disk at once).
    skip
        Replication indices not to run (already on disk); they are not in the result.
    prior
        Replications already run (read back from a results directory on ``--resume``): not
        run again, and part of the result (and of the automatic stopping rule).

    Returns
    -------
    Replications
        ``complete`` is False when interrupted (Ctrl-C); finished ones are kept.
    """
    out = Replications(scenario=scenario, seed=seed, auto=auto)
    done: dict[int, RunResult] = {r.replication: r for r in prior}
    skip_set = set(skip) | set(done)
    first_batch = range(first_replication, first_replication + replications)
    tasks_n = sum(r not in skip_set for r in first_batch) if auto is None else 2
    exe = make_executor(choose_executor(executor, tasks_n, dask_address), workers, dask_address)
    try:
        if auto is None:
            target = first_replication + replications
        else:
            first = max(auto.min_replications, replications if replications > 0 else 0, 2)
            target = first_replication + min(first, auto.max_replications)
        next_rep = first_replication
        while True:
            batch = [r for r in range(next_rep, target) if r not in skip_set]
            next_rep = target
            tasks = [(scenario, seed, r) for r in batch]
            for i, result in exe.run(run_replication, tasks):
                done[batch[i]] = result
                if on_result is not None:
                    on_result(result)
                if progress is not None:
                    progress(len(done), max(target - first_replication - len(skip), 1))
            if auto is None:
                break
            ordered = [done[r] for r in sorted(done)]
            vals = {m: np.array([x.metrics[m] for x in ordered]) for m in auto.metrics}
            need = auto.needed(vals)
            if need <= len(done) or target - first_replication >= auto.max_replications:
                break
            step = auto.batch or max(exe.workers, 1)
            target = first_replication + min(max(need, len(done) + step), auto.max_replications)
    except KeyboardInterrupt:
        out.complete = False
    finally:
        exe.close()
    out.results = [done[r] for r in sorted(done)]
    return out
