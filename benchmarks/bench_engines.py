"""Benchmark: accesssim's booking throughput against a SimPy process-per-request M/M/c.

Both run in this process, on this machine, one after the other; each figure is the median of
``--repeat`` runs (3 by default).

* **SimPy reference**: an M/M/c queue written the usual SimPy way. c = 20 servers are a
  ``simpy.Resource(capacity=20)``; 1,000,000 customers arrive with exponential inter-arrival
  times at load rho = lambda / (c mu) = 0.9; each customer is a SimPy process that requests the
  resource, holds it for an exponential service time and releases it. The inter-arrival and
  service times are drawn beforehand with numpy (so only SimPy's event loop is timed), and the
  mean wait is checked against the Erlang C formula.
* **accesssim, M/M/c-like territory**: the France baseline (aspatial) with ``gps.count=20`` and
  26,500 inhabitants, over ten years (3,650 days, the longest horizon allowed): about 1,000,000
  requests and a GP utilisation of about 0.9 (printed). Its requests are not an M/M/c's: they
  book slots in half-day sessions of 20 GPs (plus successors of those who leave), with lead
  times, patience and the booking cascade; what is compared is the rate at which each engine
  gets through its requests.

  - *kernel*: the time spent in ``kernel.book_day`` only (the numba booking kernel, given each
    day's requests already generated), requests booked per second. This is the figure compared
    with SimPy's. It is timed in runs that book a day per call (``simulate()`` books the days
    of a range in one compiled call, :mod:`accesssim.model.block`, with the kernel inside it):
    the same numbers, the kernel's calls timed one by one.
  - *end to end*: ``simulate()`` as a whole (building the territory, generating the demand with
    its random streams, SimPy's calendar of days, snapshots, metrics), requests per second. With
    only about 270 requests a day, its per-day overhead dominates.
* **accesssim, one year of a large territory** (end to end): the France baseline scaled to
  265,000 inhabitants, one simulated year, about 1,000,000 requests.

Usage::

    python benchmarks/bench_engines.py [--repeat 3] [--customers 1000000]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import simpy

from _bench import footer, header, median

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "france-baseline.yaml"


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    rho = a / c
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / math.factorial(c) / (1 - rho)
    p_wait = last / (terms + last)
    return p_wait / (c * mu - lam)


def simpy_mmc(customers: int, c: int = 20, rho: float = 0.9, seed: int = 0) -> tuple[float, float]:
    """(seconds, mean wait) of one run of the SimPy M/M/c, one process per customer."""
    mu = 1.0
    lam = rho * c * mu
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1.0 / lam, customers).tolist()
    service = rng.exponential(1.0 / mu, customers).tolist()
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    wait_sum = [0.0]

    def customer(i: int):
        arrival = env.now
        with servers.request() as req:
            yield req
            wait_sum[0] += env.now - arrival
            yield env.timeout(service[i])

    def source():
        for i in range(customers):
            yield env.timeout(inter[i])
            env.process(customer(i))

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0, wait_sum[0] / customers


def accesssim_run(
    overrides: list[str], horizon: int, seed: int, kernel_calls: bool = False
) -> dict[str, float]:
    """One simulate() run: total seconds, seconds inside the kernel (``kernel_calls``: booked
    a day per call, each call timed; otherwise NaN), requests, utilisation."""
    from accesssim.model import engine, kernel
    from accesssim.scenario import load_scenario

    scenario = load_scenario(BASELINE, overrides, horizon_days=horizon)
    book_day, in_blocks = kernel.book_day, engine.compiled_quantiles
    spent = [0.0 if kernel_calls else math.nan]

    def timed_book_day(*args):
        t = time.perf_counter()
        out = book_day(*args)
        spent[0] += time.perf_counter() - t
        return out

    if kernel_calls:  # a day per call, through the module's kernel.book_day
        kernel.book_day, engine.compiled_quantiles = timed_book_day, lambda gen: None
    try:
        t0 = time.perf_counter()
        res = engine.simulate(scenario, seed=seed)
        total = time.perf_counter() - t0
    finally:
        kernel.book_day, engine.compiled_quantiles = book_day, in_blocks
    return {
        "total": total,
        "kernel": spent[0],
        "requests": float(res.requests_generated.sum()),
        "utilisation": res.metrics["gp_utilisation"],
        "gps": res.diagnostics["n_gps"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    header("bench_engines: accesssim booking throughput vs a SimPy process-per-request M/M/c")

    # accesssim first (one untimed run loads or compiles the kernel).
    mmc_like = (["population.size=26500", "gps.count=20"], 3650)
    large = (["population.size=265000"], 365)
    accesssim_run(*mmc_like, seed=0)
    accesssim_run(*mmc_like, seed=0, kernel_calls=True)
    kernel_runs = [accesssim_run(*mmc_like, 1 + i, kernel_calls=True) for i in range(args.repeat)]
    small_runs = [accesssim_run(*mmc_like, seed=1 + i) for i in range(args.repeat)]
    large_runs = [accesssim_run(*large, seed=1 + i) for i in range(args.repeat)]
    kernel_rate = median([r["requests"] / r["kernel"] for r in kernel_runs])
    e2e_rate = median([r["requests"] / r["total"] for r in small_runs])
    large_rate = median([r["requests"] / r["total"] for r in large_runs])

    sim = [simpy_mmc(args.customers, seed=i) for i in range(args.repeat)]
    simpy_rate = median([args.customers / s for s, _ in sim])
    wait = median([w for _, w in sim])
    theory = erlang_c_wait(20, 0.9 * 20, 1.0)

    s0 = small_runs[0]
    print()
    print(
        f"SimPy M/M/c, c = 20, rho = 0.9, {args.customers:,} customers, one process each: "
        f"mean wait {wait:.4f} (Erlang C {theory:.4f}) service times"
    )
    print(
        f"accesssim M/M/c-like territory: {s0['gps']} GPs over 10 years, "
        f"{s0['requests']:,.0f} requests, GP utilisation {s0['utilisation']:.3f}"
    )
    print()
    rows = [
        ("SimPy M/M/c, one process per customer", simpy_rate, None),
        ("accesssim kernel (book_day), M/M/c-like", kernel_rate, kernel_rate / simpy_rate),
        ("accesssim simulate() end to end, same", e2e_rate, e2e_rate / simpy_rate),
        ("accesssim simulate() end to end, 265k people", large_rate, large_rate / simpy_rate),
    ]
    print(f"{'engine':46s} {'requests/s':>12s} {'x SimPy':>8s}")
    for label, rate, ratio in rows:
        print(f"{label:46s} {rate:>12,.0f} {'' if ratio is None else f'{ratio:8.1f}'}")
    print(f"(median of {args.repeat} runs each)")
    footer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
