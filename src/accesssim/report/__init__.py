"""The planner's report: figures (matplotlib) and one self-contained HTML page (jinja2).

:func:`report` turns a results directory (``accesssim run``, ``compare`` or ``sweep`` with
``--out``) into ``report.html``; :mod:`accesssim.report.figures` holds the figure functions
(each returns a :class:`matplotlib.figure.Figure` built from the results tables), for reuse
elsewhere, e.g. in a web application.

Note that ``accesssim.report`` at the top level is the *function* (``from accesssim import
report``); import the figures as ``from accesssim.report import figures`` or
``import accesssim.report.figures``.
"""

from accesssim.report.build import render_report, report
from accesssim.report.results import Results, load_results

__all__ = ["Results", "load_results", "render_report", "report"]
