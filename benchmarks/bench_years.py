"""Benchmark: several simulated years of the region, whole process.

Prints, for horizons of one and five simulated years (365 and 1,825 days, the default 91-day
warm-up included) of Auvergne-Rhône-Alpes (about 8.2 million inhabitants on day 0, 6,500 GPs):
the wall time of the whole process (Python start, imports, loading the scenario, building the
run, simulating, collecting the results; the numba cache already on disk), its peak memory,
the people and requests simulated, and the cost per simulated year. Each run is a fresh
process; the median of ``--repeat`` runs is printed with the machine's 1-minute load average
(the machine may be shared). Nothing is asserted: this is a measurement, not a test.

Usage::

    python benchmarks/bench_years.py [--years 1,5] [--repeat 3] [--case region]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _bench import footer, header

ROOT = Path(__file__).resolve().parents[1]

CASES: dict[str, tuple[str, list[str]]] = {
    "region": ("scenarios/auvergne-rhone-alpes.yaml", []),
    "monts": ("scenarios/monts-du-lyonnais.yaml", []),
    "1m": ("scenarios/france-baseline.yaml", ["population.size=1000000"]),
}

CHILD = r"""
import json, sys
from accesssim.model import simulate
from accesssim.scenario import load_scenario

path, sets, days = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
scenario = load_scenario(path, sets, horizon_days=days)
r = simulate(scenario, seed=int(sys.argv[4]))
print(json.dumps({
    "requests": int(r.requests_generated.sum()), "people": r.diagnostics["n_people"],
    "people_day0": r.diagnostics["n_people_day0"], "gps": r.diagnostics["n_gps"],
    "years": len(r.by_year),
}))
"""


def run_once(case: str, days: int, seed: int) -> dict:
    """One fresh process: its wall time (start to exit) and peak memory."""
    path, sets = CASES[case]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / path), json.dumps(sets), str(days), str(seed)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    out["peak_mb"] = max(peak, before) / 1024.0  # the largest child so far
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,5")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", default="region")
    args = parser.parse_args(argv)
    header("bench_years: several simulated years, whole process (fresh Python each run)")
    # Warm the numba cache (and check the scenario runs) before timing.
    run_once(args.case, 120, 0)
    print(
        f"{'case':7s} {'years':>5s} {'days':>5s} {'people':>11s} {'requests':>12s} "
        f"{'median s':>9s} {'s/year':>7s} {'peak MB':>8s} {'load':>5s}"
    )
    per_year = {}
    for years in (int(y) for y in args.years.split(",")):
        days = 365 * years
        runs = [run_once(args.case, days, 1 + i) for i in range(args.repeat)]
        med = statistics.median(r["wall_s"] for r in runs)
        per_year[years] = med / years
        r = runs[-1]
        print(
            f"{args.case:7s} {years:5d} {days:5d} {r['people']:11,d} {r['requests']:12,d} "
            f"{med:9.2f} {med / years:7.2f} {max(x['peak_mb'] for x in runs):8.0f} "
            f"{os.getloadavg()[0]:5.2f}",
            flush=True,
        )
    if len(per_year) > 1:
        first = min(per_year)
        for years, cost in sorted(per_year.items()):
            if years != first:
                print(
                    f"cost per simulated year over {years} years: {cost:.2f} s, "
                    f"{cost / per_year[first]:.2f} x that of {first} year(s)"
                )
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
