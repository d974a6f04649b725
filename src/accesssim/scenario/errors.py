"""Input problems reported to the user as ``FILE:LINE: field.path: reason``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InputError", "Problem", "ScenarioError"]


@dataclass(frozen=True)
class Problem:
    """One problem of an input file."""

    file: str
    line: int | None
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        path = self.path or "(document)"
        return f"{where}: {path}: {self.reason}"


class InputError(Exception):
    """Bad input (a scenario, an experiment file, an option): one or more problems.

    The command line prints every problem, one per line, and exits with code 2.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputError):
    """A scenario file (or its overlays and overrides) is not valid."""
