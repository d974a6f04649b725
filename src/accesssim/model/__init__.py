"""The simulation: population, demand, agendas, booking kernel, policies and metrics.

``simulate(scenario, seed, replication)`` is the one entry point. This package never imports
pandas I/O, dask, matplotlib or the command line.
"""

# Before any compiled function is defined: their on-disk caches follow the modules they import.
from accesssim.model.compiled_cache import register

register()

from accesssim.model.engine import simulate  # noqa: E402
from accesssim.model.result import HEADLINE_METRICS, METRIC_NAMES, METRICS, RunResult  # noqa: E402

__all__ = ["HEADLINE_METRICS", "METRICS", "METRIC_NAMES", "RunResult", "simulate"]
