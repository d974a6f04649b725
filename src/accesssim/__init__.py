"""accesssim: discrete-event simulation of access to primary care in French health territories.

The public API: :func:`load_scenario` reads a scenario file; :func:`simulate` runs one
replication; :func:`replicate` runs several; :func:`compare` runs alternatives against a
baseline with common random numbers; :func:`report` writes the HTML report of a results
directory. Everything the command line does can be done from here.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from accesssim._version import __version__

# Where each public name lives. They are imported on first use (PEP 562), so that a program
# that only simulates does not import pandas, the report or the executors.
_PUBLIC = {
    "Comparison": "accesssim.experiment.compare",
    "compare": "accesssim.experiment.compare",
    "AutoStop": "accesssim.experiment.replicate",
    "Replications": "accesssim.experiment.replicate",
    "replicate": "accesssim.experiment.replicate",
    "METRIC_NAMES": "accesssim.model",
    "RunResult": "accesssim.model",
    "simulate": "accesssim.model",
    "Scenario": "accesssim.scenario",
    "ScenarioError": "accesssim.scenario",
    "load_scenario": "accesssim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'accesssim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC) | {"report"})


class _Package(types.ModuleType):
    """``accesssim.report`` is the function, though a subpackage has the same name: importing
    the subpackage binds it on its parent, which this property ignores (the subpackage stays
    importable as ``accesssim.report.<module>`` through ``sys.modules``)."""

    @property
    def report(self) -> Any:
        return importlib.import_module("accesssim.report.build").report

    @report.setter
    def report(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package


__all__ = [
    "METRIC_NAMES",
    "AutoStop",
    "Comparison",
    "Replications",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "replicate",
    "report",
    "simulate",
]
