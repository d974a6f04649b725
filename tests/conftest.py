"""Shared test configuration: the hypothesis profile and small fixtures.

The ``accesssim`` hypothesis profile (loaded by default) has no deadline (the first example of
a test pays for imports and JIT compilation), prints the reproduction blob of a failing
example, and runs 50 examples per test; ``HYPOTHESIS_PROFILE=ci`` (set by .ci/run) makes the
examples the same on every run; ``HYPOTHESIS_PROFILE=name`` selects any other profile.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# After a failure, hypothesis's pytest plugin writes a patch of the failing examples with
# ``hypothesis.extra._patching``, which imports libcst, which imports a deprecated
# ``mypy_extensions.TypedDict``. Under ``filterwarnings = error`` that DeprecationWarning turns
# a readable failure into a pytest INTERNALERROR; importing the module once here, with that
# warning silenced, keeps failures readable. Nothing else is silenced.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

settings.register_profile("accesssim", deadline=None, print_blob=True, max_examples=50)
# CI: the same examples on every run (derived from each test's name), so a run is reproducible;
# local runs stay random and keep exploring.
settings.register_profile(
    "ci", parent=settings.get_profile("accesssim"), derandomize=True, database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "accesssim"))

REPO_ROOT = Path(__file__).resolve().parent.parent

# Outputs in English unless a test asks for French (whatever the machine's locale), and a
# French text without a translation is an error (accesssim.i18n), in this process and in the
# command lines the tests start.
os.environ["ACCESSSIM_LANG"] = "en"
os.environ["ACCESSSIM_STRICT_I18N"] = "1"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture
def tmp_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text to a file under ``tmp_path`` and return its path.

    ``tmp_yaml(text, name="scenario.yaml")``; ``name`` may contain folders (created).
    """

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m accesssim.cli ARGS`` in a subprocess (the installed package); ``env``
    adds to (or overrides) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "accesssim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The :func:`run_cli` helper: ``cli("validate", path)`` -> CompletedProcess."""
    return run_cli
