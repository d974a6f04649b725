"""Helpers shared by the benchmark scripts: machine description, load, medians.

The machine running the benchmarks may be shared: every script prints the load average
(``os.getloadavg``) before and after its figures, so that a reader can tell a quiet run from
a busy one. Every figure is the median of several runs (3 by default).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path


def cpu_model() -> str:
    """``lscpu``'s model name (or the platform's processor string)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def load() -> str:
    """The 1, 5 and 15-minute load averages, e.g. ``load 1.02 / 0.87 / 0.75``."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def header(title: str) -> None:
    """Print the title, date, machine, versions and current load."""
    import numba
    import numpy
    import simpy

    print(title)
    print(
        f"{dt.datetime.now():%Y-%m-%d %H:%M}; {cpu_model()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"numba {numba.__version__}, simpy {simpy.__version__}"
    )
    print(f"before: {load()}", flush=True)


def footer() -> None:
    print(f"after:  {load()}", flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


PY = sys.executable


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh Python process (repository root as working directory, ``env``
    as environment if given) with ``args`` in ``sys.argv``; return the JSON object of its last
    output line."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])
