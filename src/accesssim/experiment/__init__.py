"""Experiments: replications, common random numbers, comparisons, sweeps, executors, results."""

from accesssim.experiment.executors import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from accesssim.experiment.replicate import AutoStop, Replications, replicate, run_replication
from accesssim.experiment.store import ResultsDir, dump_scenario_yaml, run_tables

__all__ = [
    "AutoStop",
    "DaskExecutor",
    "ProcessExecutor",
    "Replications",
    "ResultsDir",
    "SerialExecutor",
    "dump_scenario_yaml",
    "make_executor",
    "replicate",
    "run_replication",
    "run_tables",
]
