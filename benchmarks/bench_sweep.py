"""Benchmark: sweep throughput by executor, and start-up costs.

Prints runs per second on a small territory (Monts du Lyonnais, one simulated year) for:
serial, processes with 1 and 2 workers, and a dask LocalCluster of 2 workers; the parallel
efficiency at 2 workers (runs/s at 2 workers over twice the runs/s at 1); and, separately, the
start-up costs: importing accesssim, compiling the booking kernel with an empty numba cache
versus loading it from the cache (the second start), starting a process pool, starting a
LocalCluster. Every figure is the median of ``--repeat`` measurements (3 by default), and the
machine's load average is printed before and after (the machine may be shared). Nothing is
asserted.

Usage::

    python benchmarks/bench_sweep.py [--runs 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _bench import footer, header, median, run_child

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "monts-du-lyonnais.yaml"

START_CHILD = r"""
import time, json
t0 = time.perf_counter()
import accesssim.model
from accesssim.scenario import load_scenario
t1 = time.perf_counter()
s = load_scenario(__import__("sys").argv[1], horizon_days=120)
t2 = time.perf_counter()
accesssim.model.simulate(s, 0)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_run": t3 - t2}))
"""


def startup(cache_dir: str) -> dict:
    return run_child(START_CHILD, str(SCENARIO), env={**os.environ, "NUMBA_CACHE_DIR": cache_dir})


def throughput(executor: str, workers: int, runs: int) -> tuple[float, float]:
    """(seconds to first result incl. start-up, runs per second after the first result)."""
    from accesssim.experiment import replicate
    from accesssim.scenario import load_scenario

    scenario = load_scenario(SCENARIO, horizon_days=365)
    stamps: list[float] = []
    t0 = time.perf_counter()
    replicate(
        scenario,
        runs,
        seed=0,
        executor=executor,
        workers=workers,
        progress=lambda done, total: stamps.append(time.perf_counter()),
    )
    first = stamps[0] - t0
    steady = (len(stamps) - workers) / (stamps[-1] - stamps[workers - 1])
    return first, steady


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header("bench_sweep: sweep throughput by executor, and start-up costs")
    colds, warms = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            colds.append(startup(cache))
            warms.append(startup(cache))
    print(
        f"start-up (fresh Python process, Monts du Lyonnais, 120 simulated days; median of "
        f"{args.repeat}):"
    )
    imp = median([c["import"] for c in colds + warms])
    print(f"  import accesssim.model                        {imp:6.2f} s")
    cold = median([c["first_run"] for c in colds])
    print(f"  first simulate, empty numba cache (compile)   {cold:6.2f} s")
    warm = median([w["first_run"] for w in warms])
    print(f"  first simulate, numba cache on disk (reload)  {warm:6.2f} s")

    from distributed import Client, LocalCluster

    starts = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=":0", host="127.0.0.1"
        )
        client = Client(cluster)
        starts.append(time.perf_counter() - t0)
        client.close()
        cluster.close()
    print(f"  dask LocalCluster(2 workers) start            {median(starts):6.2f} s")
    print()
    print(
        f"throughput: {args.runs} runs of one simulated year (Monts du Lyonnais, 49,047 "
        "inhabitants, about 40 GPs)"
    )
    print(f"{'executor':24s} {'first result s':>15s} {'runs/s':>8s}")
    rows = {}
    for label, executor, workers in (
        ("serial", "serial", 1),
        ("processes, 1 worker", "processes", 1),
        ("processes, 2 workers", "processes", 2),
        ("dask LocalCluster, 2", "dask", 2),
    ):
        runs = [throughput(executor, workers, args.runs) for _ in range(args.repeat)]
        first = median([r[0] for r in runs])
        rate = median([r[1] for r in runs])
        rows[label] = rate
        print(f"{label:24s} {first:15.2f} {rate:8.2f}", flush=True)
    eff = rows["processes, 2 workers"] / (2 * rows["processes, 1 worker"])
    eff_dask = rows["dask LocalCluster, 2"] / (2 * rows["processes, 1 worker"])
    print(
        f"parallel efficiency at 2 workers: processes {eff:.0%}, dask {eff_dask:.0%} "
        "(runs/s at 2 workers / (2 x runs/s with 1 worker process))"
    )
    print(f"(median of {args.repeat} measurements each)")
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
