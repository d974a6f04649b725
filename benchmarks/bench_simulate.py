"""Benchmark: one replication of one simulated year, three territory sizes.

Prints wall time (after JIT compilation), requests per second and peak memory for:

1. Monts du Lyonnais (about 49,000 inhabitants, 30 communes);
2. a 1-million-inhabitant territory (the France baseline scaled to 1,000,000 people);
3. the Auvergne-Rhône-Alpes region (about 8 million inhabitants, 4,025 communes, 6,500 GPs).

Each case runs in a fresh Python process (so peak memory is its own): the process runs the
scenario once to load or compile the kernel, then ``--repeat`` timed runs; the median is
printed, with the machine's 1-minute load average when the case finished (the machine may be
shared). One replication runs on one core (numpy and the numba kernel run single-threaded
here). Nothing is asserted: this is a measurement, not a test.

Usage::

    python benchmarks/bench_simulate.py [--cases monts,1m,region] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from _bench import footer, header, run_child

ROOT = Path(__file__).resolve().parents[1]

CASES: dict[str, tuple[str, list[str]]] = {
    "monts": ("scenarios/monts-du-lyonnais.yaml", []),
    "1m": ("scenarios/france-baseline.yaml", ["population.size=1000000"]),
    "region": ("scenarios/auvergne-rhone-alpes.yaml", []),
}

CHILD = r"""
import json, resource, sys, time
from accesssim.model import simulate
from accesssim.scenario import load_scenario

path, sets, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
# One simulated year: 365 days, the default 91-day warm-up included.
scenario = load_scenario(path, sets, horizon_days=365)
t0 = time.perf_counter()
first = simulate(scenario, seed=1)
first_s = time.perf_counter() - t0
times = []
for i in range(repeat):
    t0 = time.perf_counter()
    r = simulate(scenario, seed=2 + i)
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({
    "first_s": first_s, "times": times, "requests": int(r.requests_generated.sum()),
    "people": r.diagnostics["n_people"], "gps": r.diagnostics["n_gps"],
    "days": scenario.calendar.horizon_days, "peak_mb": peak,
}))
"""


def run_case(name: str, repeat: int) -> dict:
    path, sets = CASES[name]
    return run_child(CHILD, str(ROOT / path), json.dumps(sets), str(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="monts,1m,region")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    header("bench_simulate: one replication of one simulated year")
    print(
        f"{'case':8s} {'people':>10s} {'GPs':>6s} {'days':>5s} {'requests':>11s} "
        f"{'first s':>8s} {'median s':>9s} {'req/s':>11s} {'peak MB':>8s} {'load':>5s}"
    )
    for name in args.cases.split(","):
        res = run_case(name.strip(), args.repeat)
        med = statistics.median(res["times"])
        print(
            f"{name:8s} {res['people']:>10,d} {res['gps']:>6,d} {res['days']:>5d} "
            f"{res['requests']:>11,d} {res['first_s']:>8.2f} {med:>9.2f} "
            f"{res['requests'] / med:>11,.0f} {res['peak_mb']:>8.0f} {os.getloadavg()[0]:>5.2f}",
            flush=True,
        )
    print(
        "(one simulated year of 365 days, warm-up included; median of --repeat runs after "
        "one untimed run; peak MB = maximum resident set size of the process; load = 1-minute "
        "load average when the case finished)"
    )
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
