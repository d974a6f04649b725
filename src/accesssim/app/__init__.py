"""The planner's web app (``accesssim app``): a Streamlit page over the public API.

:mod:`accesssim.app.logic` holds everything that is not drawing widgets (finding the seed
territories, reading an uploaded file, the policy levers and the overrides they make, running
and caching comparisons, writing the results directory, the figures and the report); it does
not import Streamlit and is tested directly. :mod:`accesssim.app.streamlit_app` is the page
(``streamlit run`` runs it; ``accesssim app`` starts it). Streamlit comes with the ``app``
extra: ``pip install 'accesssim[app]'``.
"""

from pathlib import Path

__all__ = ["APP_FILE"]

#: The Streamlit script, as ``streamlit run`` needs a file.
APP_FILE = Path(__file__).resolve().parent / "streamlit_app.py"
