"""accesssim: discrete-event simulation of access to primary care in French health territories.

The public API: :func:`load_scenario` reads a scenario file; :func:`simulate` runs one
replication; :func:`replicate` runs several; :func:`compare` runs alternatives against a
baseline with common random numbers; :func:`report` writes the HTML report of a results
directory. Everything the command line does can be done from here.
"""

from accesssim._version import __version__
from accesssim.experiment.compare import Comparison, compare
from accesssim.experiment.replicate import AutoStop, Replications, replicate
from accesssim.model import METRIC_NAMES, RunResult, simulate
from accesssim.report import report
from accesssim.scenario import Scenario, ScenarioError, load_scenario

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
