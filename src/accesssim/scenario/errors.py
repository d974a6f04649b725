"""Input problems reported to the user as ``FILE:LINE: field.path: reason``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InputError", "Problem", "ScenarioError", "printable"]

# C0 and C1 control characters (ESC starts terminal escape sequences), DEL, and the Unicode
# bidirectional overrides that can make printed text read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (a terminal escape sequence
    in a scenario name, say) are shown as ``\\xNN`` / ``\\uNNNN`` instead of being obeyed."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


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
        return printable(f"{where}: {path}: {self.reason}").replace("\n", "\\n")


class InputError(Exception):
    """Bad input (a scenario, an experiment file, an option): one or more problems.

    The command line prints every problem, one per line, and exits with code 2.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputError):
    """A scenario file (or its overlays and overrides) is not valid."""
