"""Benchmark: the shipped optimisation end to end, and its scaling on Dask workers.

1. ``experiments/monts-contract-optimise.yaml`` as shipped (Monts du Lyonnais, five measured
   years per run; search then confirmation) with the ``processes`` executor on all cores:
   wall time from the command line, the runs and the simulated years, median of
   ``--repeat`` runs (each in a fresh results directory).
2. Dask scaling: the same experiment cut to its first ``--generations`` generations, no extra
   confirmation replications, on a LocalCluster of 1 and of 2 worker processes: runs per
   second between the first and the last result (cluster start-up excluded), and the parallel
   efficiency at 2 workers, rate(2) / (2 x rate(1)). The generation barrier (the next
   generation waits for the slowest run of the current one) is part of what is measured.
   Also the workers' utilisation: the time the workers spent inside simulations (timed in the
   worker) over workers x the elapsed time. On a machine shared with other jobs the wall-clock
   efficiency mostly measures the other jobs (two workers need two free cores); the
   utilisation measures what the optimiser and Dask control: idle workers at the generation
   barriers, scheduling and transfer overheads.

The machine may be shared: the load average is printed before and after; nothing is asserted.

Usage::

    python benchmarks/bench_optimise.py [--repeat 3] [--generations 2] [--skip-full]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _bench import footer, header, load, median

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "experiments" / "monts-contract-optimise.yaml"


def full_run(out: Path) -> tuple[float, int, float, float]:
    """(wall seconds, runs, simulated years, CPU seconds of the command and its workers) of
    the shipped optimisation via the CLI."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "accesssim.cli", "optimise", str(EXPERIMENT), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    meta = json.loads((out / "experiment.json").read_text())
    runs = int(meta["runs"])
    return wall, runs, runs * float(meta["years_measured"]), cpu


def timed_simulator(scenario: Any, seed: int, replication: int) -> Any:
    """The simulator, with the run's own duration (in the worker) added to its metrics."""
    from accesssim.model import simulate

    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario, seed, replication)
    result.metrics["bench_task_seconds"] = time.perf_counter() - t0
    result.metrics["bench_task_cpu_seconds"] = time.process_time() - c0
    return result


def scaling_run(workers: int, generations: int, out: Path) -> tuple[float, int, float, float]:
    """(runs per second after the first result, runs, worker utilisation, CPU seconds per run)
    on a LocalCluster of ``workers``."""
    from accesssim.experiment.optimise import OptimiseExperiment, load_optimise, optimise

    exp = load_optimise(EXPERIMENT)
    spec = exp.spec.model_copy(
        update={
            "search": exp.spec.search.model_copy(update={"generations": generations}),
            "confirm": exp.spec.confirm.model_copy(
                update={"first_stage": exp.spec.replications, "max_replications": 2}
            ),
        }
    )
    cut = OptimiseExperiment(spec, exp.file, exp.base_doc, exp.base_scenario, exp.baseline)
    finished: dict[int, float] = {}

    def progress(done: int, total: int) -> None:
        # Called after each finished run (and once before each batch, with no new run).
        finished.setdefault(done, time.perf_counter())

    optimise(cut, out, executor="dask", workers=workers, progress=progress, model=timed_simulator)
    times = [finished[k] for k in sorted(finished) if k > 0]
    n = len(times)
    metrics = pd.read_parquet(out / "metrics.parquet")
    busy = metrics.loc[metrics["metric"] == "bench_task_seconds", "value"].to_numpy(float)
    span = times[-1] - times[0] + float(np.median(busy))
    util = float(busy.sum()) / (workers * span)
    cpu = metrics.loc[metrics["metric"] == "bench_task_cpu_seconds", "value"].to_numpy(float)
    rate = (n - 1) / (times[-1] - times[0]) if n > 2 else float("nan")
    return rate, n, util, float(np.median(cpu))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    header("bench_optimise: the shipped optimisation, and Dask scaling")
    rates: dict[int, list[float]] = {1: [], 2: []}
    utils: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    n_runs = 0
    for _ in range(0 if args.skip_scaling else args.repeat):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                rate, n_runs, util, cpu = scaling_run(workers, args.generations, Path(tmp) / "out")
            rates[workers].append(rate)
            utils[workers].append(util)
            cpus[workers].append(cpu)
            print(
                f"  dask {workers} worker(s): {rate:.2f} runs/s, workers busy {util:.0%}, "
                f"{cpu:.2f} CPU s per run ({load()})",
                flush=True,
            )
    if not args.skip_scaling:
        r1, r2 = median(rates[1]), median(rates[2])
        u1, u2 = median(utils[1]), median(utils[2])
        c1, c2 = median(cpus[1]), median(cpus[2])
        print(
            f"Dask scaling, {args.generations} generation(s) of the shipped search "
            f"(~{n_runs} five-year runs), median of {args.repeat}: 1 worker {r1:.2f} runs/s, "
            f"2 workers {r2:.2f} runs/s: wall-clock efficiency at 2 workers {r2 / (2 * r1):.0%}"
        )
        print(
            f"  workers busy {u1:.0%} (1 worker), {u2:.0%} (2 workers); CPU per run {c1:.2f} s "
            f"(1 worker), {c2:.2f} s (2 workers): on two free cores, efficiency "
            f"= busy share ratio x CPU ratio = {min(u2 / u1, 1.0) * c1 / c2:.0%}"
        )
    if not args.skip_full:
        walls, cpus, runs, years = [], [], 0, 0.0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                wall, runs, years, cpu = full_run(Path(tmp) / "out")
            walls.append(wall)
            cpus.append(cpu)
            print(
                f"  full optimisation: {wall:.1f} s wall, {cpu:.0f} CPU s, {runs} runs ({load()})",
                flush=True,
            )
        print(
            f"shipped optimisation (processes, all cores): {median(walls):.0f} s wall, "
            f"{median(cpus):.0f} CPU s over all processes (median of {args.repeat}); {runs} "
            f"runs = {years:,.0f} simulated years measured (+ a 91-day warm-up each)"
        )
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
