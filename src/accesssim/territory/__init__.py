"""French territories from the packaged commune table: selection and scenario files.

* :mod:`accesssim.territory.table`: the table of every commune of France and its overseas
  départements (INSEE code, name, département, région, EPCI, population, point), packaged with
  accesssim; lookups by code, name, département, EPCI and distance.
* :mod:`accesssim.territory.render`: writing a scenario file with its provenance in comments
  (also used by ``tools/build_seed_scenarios.py`` for the seed territories).
* :mod:`accesssim.territory.build`: what ``accesssim territory`` does (selection, GPs from a
  count, the density or a CSV, today's practice scaled to the population).
"""

from accesssim.territory.table import CommuneRecord, CommuneTable, load_table

__all__ = ["CommuneRecord", "CommuneTable", "load_table"]
