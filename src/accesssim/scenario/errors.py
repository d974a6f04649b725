"""Input problems reported to the user as ``FILE:LINE: field.path: reason``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from accesssim.i18n import N_, _, language

__all__ = [
    "REASONS",
    "InputError",
    "Problem",
    "ScenarioError",
    "printable",
    "translate_reason",
    "translated",
]
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


#: The reasons of problems, as written in English by the loaders, the schema and pydantic
#: (``{name}`` stands for any text). A problem's reason that matches one is shown translated;
#: a part of a reason (``; did you mean ...?``) too. File names, field paths and values are
#: never translated. The English text stays the reference (tests, scripts that parse errors).
REASONS: tuple[str, ...] = (
    N_("file not found"),
    N_("is a directory, not a file"),
    N_("is a directory, not an HTML file"),
    N_("not a text file (binary content)"),
    N_("not UTF-8 text (byte {n}): binary content?"),
    N_("cannot read: {why}"),
    N_("the file is empty"),
    N_("the file holds no data"),
    N_("the file must be a mapping of fields, not {kind}"),
    N_("YAML syntax: {why}"),
    N_("duplicate key: {why}"),
    N_("YAML tag {tag} is not allowed"),
    N_("key {key} must be a text name"),
    N_("must be a file name or a list of them"),
    N_("cycle of overlays: {chain}"),
    N_("base file {name} not found (looked for {where})"),
    N_("expected PATH=VALUE, got {text}"),
    N_("empty field name in path {path}"),
    N_("index {i} is out of range (the list has {n} items)"),
    N_("unknown field {name}"),
    N_("unknown field"),
    N_("required field is missing"),
    N_("input should be greater than or equal to {n}"),
    N_("input should be greater than {n}"),
    N_("input should be less than or equal to {n}"),
    N_("input should be less than {n}"),
    N_("input should be a valid number, unable to parse string as a number"),
    N_("input should be a valid number"),
    N_("input should be a valid integer, unable to parse string as an integer"),
    N_("input should be a valid integer, got a number with a fractional part"),
    N_("input should be a valid integer"),
    N_("input should be a valid boolean, unable to interpret input"),
    N_("input should be a valid boolean"),
    N_("input should be a valid string"),
    N_("input should be a valid list"),
    N_("input should be a valid dictionary or instance of {model}"),
    N_("input should be a finite number"),
    N_("input should be {choices}"),
    N_("list should have at least {n} items after validation, not {m}"),
    N_("list should have at most {n} items after validation, not {m}"),
    N_("expected a day number (int >= 0) or an ISO date (YYYY-MM-DD)"),
    N_("a day number must be >= 0"),
    N_("age shares must sum to 1 (they sum to {total})"),
    N_("at least one weekday must have a positive intensity"),
    N_("practice shares must sum to 1 (they sum to {total})"),
    N_("cystitis_max_age must be >= cystitis_min_age"),
    N_("give gp_ids or a count > 0"),
    N_("expected table, json or csv, got {value}"),
    N_("expected serial, processes or dask, got {value}"),
    N_("missing: the report is written to --out DIR/report.html, give --out DIR"),
    N_("results directory not found"),
    N_("not a directory (give the --out directory of run, compare or sweep)"),
    N_(
        "no experiment.json: not a results directory (write one with accesssim "
        "run/compare/sweep --out DIR)"
    ),
    N_("is not valid JSON ({why})"),
    N_("is not a JSON object"),
    N_("unknown kind of results {kind} (expected run, compare, sweep or optimise)"),
    N_("missing"),
    N_("no scenario listed"),
    N_("resolved scenario {label} not found"),
    N_("no scenario file for {label}"),
    N_("give population.size or territory.communes"),
    N_("{size} differs from the sum of commune populations ({total})"),
    N_("{when} is outside the horizon ({start} to {end}, days 0-{last})"),
    N_("day {n}"),
    N_("commune {code} is not in territory.communes"),
    N_("must come after start"),
    N_("unknown practice {name} (not in gps.practices)"),
    N_("unknown GP id {name} (not in gps.roster)"),
    N_("give count_fte or set all_gps: true"),
    N_("give either range: [low, high] or levels: [...]"),
    N_("range must be [low, high] with low < high"),
    N_("levels go with a categorical factor"),
    N_("a categorical factor needs levels, not a range"),
    N_("sobol: base_samples must be a power of 2 (got {n})"),
)

#: Parts of reasons, translated wherever they appear (a hint, the value given, the fields).
_PARTS: tuple[str, ...] = (
    N_("; did you mean {hint}?"),
    N_(" (allowed: {fields})"),
    N_(" (got {value})"),
)


def _pattern(template: str, whole: bool) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", template)
    names = re.findall(r"\{(\w+)\}", template)
    body = ""
    for i, part in enumerate(parts):
        body += re.escape(part)
        if i < len(names):
            body += f"(?P<{names[i]}>.+?)"
    return re.compile(f"^{body}$" if whole else body)


def translate_reason(reason: str) -> str:
    """A problem's reason in the current language (as it is when no template matches)."""
    if language() == "en" or not reason:
        return reason
    tail = ""
    for part in _PARTS:
        m = _pattern(part, whole=False).search(reason)
        if m is not None and m.end() == len(reason):  # parts stand at the end of a reason
            tail = _(part).format(**m.groupdict()) + tail
            reason = reason[: m.start()]
    for part in _PARTS:  # a hint and the value can follow each other
        m = _pattern(part, whole=False).search(reason)
        if m is not None and m.end() == len(reason):
            tail = _(part).format(**m.groupdict()) + tail
            reason = reason[: m.start()]
    for template in REASONS:
        m = _pattern(template, whole=True).match(reason)
        if m is not None:
            inner = {
                k: translate_reason(v) if k in ("why", "when") else v
                for k, v in m.groupdict().items()
            }
            return _(template).format(**inner) + tail
    return reason + tail


def translated(problem: Problem) -> Problem:
    """The problem with its reason in the current language."""
    return replace(problem, reason=translate_reason(problem.reason))
