"""The simulation: population, demand, agendas, booking kernel, policies and metrics.

``simulate(scenario, seed, replication)`` is the one entry point. This package never imports
pandas I/O, dask, matplotlib or the command line.
"""

from accesssim.model.engine import simulate
from accesssim.model.result import HEADLINE_METRICS, METRIC_NAMES, METRICS, RunResult

__all__ = ["HEADLINE_METRICS", "METRICS", "METRIC_NAMES", "RunResult", "simulate"]
