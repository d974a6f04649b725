"""Benchmark: how the cost of one replication grows with the territory's size.

The France baseline (aspatial, national-average demand and GP density: 78 GPs per 100,000
inhabitants) scaled with ``--set population.size=N`` to 50,000, 500,000, 2,000,000 and
8,000,000 inhabitants, one simulated year (365 days, warm-up included). Each size runs in a
fresh Python process (so the peak memory is its own): one untimed run (loads or compiles the
kernel), then ``--repeat`` timed runs; the table shows their median wall time, requests per
second and the process's peak resident memory, with the 1-minute load average when the size
finished.

The last line is the exponent b of a least-squares fit of log(time) = a + b log(requests)
over the sizes: b = 1 means the cost is proportional to the number of requests. Nothing is
asserted.

Usage::

    python benchmarks/bench_scaling.py [--sizes 50000,500000,2000000,8000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from _bench import footer, header, median, run_child

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "france-baseline.yaml"

CHILD = r"""
import json, resource, sys, time
from accesssim.model import simulate
from accesssim.scenario import load_scenario

path, size, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scenario = load_scenario(path, [f"population.size={size}"], horizon_days=365)
simulate(scenario, seed=1)
times = []
for i in range(repeat):
    t0 = time.perf_counter()
    r = simulate(scenario, seed=2 + i)
    times.append(time.perf_counter() - t0)
print(json.dumps({
    "times": times, "requests": int(r.requests_generated.sum()),
    "gps": r.diagnostics["n_gps"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
}))
"""


def run_size(size: int, repeat: int) -> dict:
    return run_child(CHILD, str(SCENARIO), str(size), str(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,500000,2000000,8000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    header("bench_scaling: one simulated year of the France baseline at four sizes")
    print(
        f"{'inhabitants':>12s} {'GPs':>6s} {'requests':>11s} {'median s':>9s} "
        f"{'req/s':>11s} {'peak MB':>8s} {'load':>5s}"
    )
    xs, ys = [], []
    for size in (int(s) for s in args.sizes.split(",")):
        res = run_size(size, args.repeat)
        med = median(res["times"])
        xs.append(res["requests"])
        ys.append(med)
        print(
            f"{size:>12,d} {res['gps']:>6,d} {res['requests']:>11,d} {med:>9.3f} "
            f"{res['requests'] / med:>11,.0f} {res['peak_mb']:>8.0f} {os.getloadavg()[0]:>5.2f}",
            flush=True,
        )
    if len(xs) >= 2:
        b, a = np.polyfit(np.log(xs), np.log(ys), 1)
        print(
            f"log-log least-squares fit: time = {np.exp(a):.3g} s x requests^{b:.3f} "
            f"(exponent {b:.3f}; 1 = proportional to the requests)"
        )
    print(f"(median of {args.repeat} timed runs per size, each size in a fresh process)")
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
