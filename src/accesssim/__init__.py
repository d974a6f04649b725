"""accesssim: discrete-event simulation of access to primary care in French health territories.

The public API: :func:`load_scenario` reads a scenario file; :func:`simulate` runs one
replication; :func:`replicate`, :func:`compare`, :func:`sweep` and :func:`report` build on it.
"""

from accesssim._version import __version__
from accesssim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "__version__", "load_scenario"]
