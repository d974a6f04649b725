"""Reading a results directory written by ``accesssim run``, ``compare`` or ``sweep``.

:func:`load_results` checks the directory and its ``experiment.json`` and loads the resolved
scenarios; tables are read on first use. Every problem is an :class:`InputError` (one clear
message on the command line, exit code 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from accesssim.scenario.errors import InputError, Problem
from accesssim.scenario.schema import Scenario

__all__ = ["KINDS", "REQUIRED", "Results", "load_results"]

KINDS = ("run", "compare", "sweep", "optimise")

#: Tables without which a report of each kind cannot be built.
REQUIRED: dict[str, tuple[str, ...]] = {
    "run": ("metrics",),
    "compare": ("metrics",),
    "sweep": ("metrics", "design"),
    "optimise": ("metrics", "mixes"),
}


@dataclass
class Results:
    """A results directory: its metadata, resolved scenarios and tables."""

    path: Path
    meta: dict[str, Any]
    scenarios: dict[str, Scenario]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def labels(self) -> list[str]:
        """Scenario labels, baseline first for a comparison."""
        if self.kind == "compare":
            return [self.meta["baseline"], *self.meta.get("alternatives", [])]
        return list(self.scenarios)

    def table(self, name: str) -> pd.DataFrame | None:
        """``NAME.parquet`` as a DataFrame, or None when the file is absent."""
        if name not in self._tables:
            path = self.path / f"{name}.parquet"
            if not path.is_file():
                self._tables[name] = None
            else:
                try:
                    self._tables[name] = pd.read_parquet(path)
                except Exception as exc:  # a truncated or foreign file
                    raise InputError(
                        [Problem(str(path), None, "", f"cannot be read as Parquet ({exc})")]
                    ) from None
        return self._tables[name]

    def has(self, name: str) -> bool:
        df = self.table(name)
        return df is not None and not df.empty


def _problem(path: Path, reason: str, field: str = "") -> InputError:
    return InputError([Problem(str(path), None, field, reason)])


def load_results(path: Path | str) -> Results:
    """Open a results directory; check its kind, its scenarios and its required tables.

    Raises
    ------
    InputError
        The directory is missing, has no (readable) ``experiment.json``, an unknown kind, a
        missing or invalid scenario file, or lacks a table the report needs.
    """
    path = Path(path)
    if not path.exists():
        raise _problem(path, "results directory not found", "RESULTS_DIR")
    if not path.is_dir():
        raise _problem(
            path,
            "not a directory (give the --out directory of run, compare or sweep)",
            "RESULTS_DIR",
        )
    meta_path = path / "experiment.json"
    if not meta_path.is_file():
        raise _problem(
            path,
            "no experiment.json: not a results directory (write one with "
            "accesssim run/compare/sweep --out DIR)",
            "RESULTS_DIR",
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _problem(meta_path, f"is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise _problem(meta_path, "is not a JSON object")
    kind = meta.get("kind")
    if kind not in KINDS:
        raise InputError(
            [
                Problem(
                    str(meta_path),
                    None,
                    "kind",
                    f"unknown kind of results {kind!r} (expected run, compare, sweep or optimise)",
                )
            ]
        )
    if kind == "compare" and not meta.get("baseline"):
        raise InputError([Problem(str(meta_path), None, "baseline", "missing")])
    from accesssim.scenario import load_scenario

    files = meta.get("scenarios") or {}
    if not isinstance(files, dict) or not files:
        raise InputError([Problem(str(meta_path), None, "scenarios", "no scenario listed")])
    scenarios: dict[str, Scenario] = {}
    for label, rel in files.items():
        file = path / str(rel)
        if not file.is_file():
            raise _problem(file, f"resolved scenario {label!r} not found")
        scenarios[str(label)] = load_scenario(file)
    results = Results(path=path, meta=meta, scenarios=scenarios)
    if kind == "compare":
        missing = [lab for lab in results.labels if lab not in scenarios]
        if missing:
            raise InputError(
                [Problem(str(meta_path), None, "scenarios", f"no scenario file for {missing[0]!r}")]
            )
    for name in REQUIRED[kind]:
        if not results.has(name):
            raise _problem(
                path / f"{name}.parquet",
                "missing or empty: the experiment did not finish any run "
                "(or the directory was not consolidated)",
            )
    return results
