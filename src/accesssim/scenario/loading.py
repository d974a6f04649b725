"""Reading scenario (and experiment) files: YAML with line numbers, overlays, overrides.

* YAML is read with ruamel.yaml in round-trip mode, which records the line of every key and
  item, refuses duplicate keys and follows YAML 1.2 (no octal ``010``, ``yes`` stays a string).
  A file of plain data is first read by libyaml (:mod:`accesssim.scenario.fast_yaml`, ten
  times faster on the region file), which gives the same values and lines or hands the file
  over.
  Loading is safe: any explicit tag (``!!python/object``, ``!foo``, ``!!binary``, ...) is
  refused, so a file can never build a Python object.
* ``extends: base.yaml`` (or a list of files) overlays this file on its bases: mappings merge
  key by key, everything else (numbers, lists) is replaced. Paths are relative to the file
  that names them; cycles are refused.
* Overrides ``a.b.c=VALUE`` set one field after the overlays; VALUE is read as a YAML scalar
  (or flow collection) and the path must exist in the schema.

Every problem is reported with the file and line where the offending value was written.

Input limits (docs/reliability.md): a file is read only if it is a regular file of at most
:data:`MAX_FILE_BYTES`; YAML may nest at most :data:`MAX_DEPTH` levels and expand (aliases
included) to at most :data:`MAX_VALUES` values. Each limit gives one problem, in bounded time
and memory, before any large allocation.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from accesssim.scenario.errors import InputError, Problem, ScenarioError
from accesssim.scenario.fast_yaml import plain_document

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "Document",
    "apply_overrides",
    "load_document",
    "load_scenario",
    "load_scenario_document",
    "parse_override",
    "validate_document",
]

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_UNION_TAGS = {"fixed", "uniform", "triangular", "normal", "exponential"}

#: Largest scenario or experiment file read (bytes): 2 MiB, more than five times the largest
#: shipped scenario (the Auvergne-Rhône-Alpes region, 4,025 communes, 370 kB), and about 15 s
#: of YAML parsing on one core. No published figure: a technical bound.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Deepest YAML nesting (mappings and lists); scenario files use at most 6 levels.
MAX_DEPTH = 64
#: Most values (scalars, mappings, lists) a file may expand to, aliases counted each time they
#: are used: a "billion laughs" alias bomb stops here instead of filling the memory.
MAX_VALUES = 500_000


@dataclass
class Document:
    """Plain data read from YAML, with the (file, line) where each value was written."""

    data: dict[str, Any]
    origin: dict[Loc, tuple[str, int | None]] = field(default_factory=dict)
    file: str = "<memory>"

    def where(self, loc: Loc) -> tuple[str, int | None]:
        """(file, line) of the value at ``loc``, or of its nearest written ancestor."""
        for n in range(len(loc), -1, -1):
            hit = self.origin.get(tuple(loc[:n]))
            if hit is not None:
                return hit
        return self.file, None


# ---------------------------------------------------------------------------------------------
# YAML reading
# ---------------------------------------------------------------------------------------------


class _Constructor(RoundTripConstructor):
    """Round-trip constructor whose dates never raise: ``2025-02-30`` looks like a date to
    YAML but is none; it stays text, so the schema reports it with its field path and line."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError):
            return str(node.value)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    y.Constructor = _Constructor
    y.max_depth = MAX_DEPTH
    return y


class _Budget:
    """Counts the values built from a document (aliases expand each time they are used)."""

    def __init__(self, fname: str) -> None:
        self.fname = fname
        self.values = 0

    def spend(self, loc: Loc, line: int | None) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise InputError(
                [
                    Problem(
                        self.fname,
                        line,
                        _dotted(loc),
                        f"the file expands to more than {MAX_VALUES:,} values (YAML aliases "
                        "are counted each time they are used): too large for a scenario",
                    )
                ]
            )
        if len(loc) > MAX_DEPTH:
            raise InputError(
                [
                    Problem(
                        self.fname,
                        line,
                        _dotted(loc[:8]) + "...",
                        f"nested more than {MAX_DEPTH} levels deep (a YAML alias that "
                        "contains itself?)",
                    )
                ]
            )


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", None) if tag is not None else None
    return value if isinstance(value, str) else None


#: Fields whose keys are ages (``AgeSchedule`` in the schema): the one place a whole number may
#: be a key (``retirement_by_age: {60: 0.03, 65: 0.09}``). tests/unit/test_loading.py checks the
#: list against the schema.
AGE_KEYED_FIELDS = frozenset(
    {
        "age_profile",
        "death_probability_by_age",
        "fertility_by_age",
        "out_migration_by_age",
        "retirement_by_age",
    }
)


def _key_allowed(key: Any, loc: Loc) -> bool:
    """A text name, or a whole number under a field keyed by age."""
    if isinstance(key, str):
        return True
    is_int = isinstance(key, int) and not isinstance(key, bool)
    return is_int and bool(loc) and loc[-1] in AGE_KEYED_FIELDS


def _plain(
    node: Any,
    loc: Loc,
    fname: str,
    origin: dict,
    problems: list[Problem],
    budget: _Budget | None = None,
) -> Any:
    """Turn ruamel nodes into plain Python data, recording lines and refusing tags."""
    line_of_self = origin.get(loc, (fname, None))[1]
    if budget is None:
        budget = _Budget(fname)
    budget.spend(loc, line_of_self)
    if isinstance(node, TaggedScalar):
        problems.append(
            Problem(
                fname,
                line_of_self,
                _dotted(loc),
                f"YAML tag {_tag_of(node) or '?'} is "
                "not allowed (scenario files hold plain data only)",
            )
        )
        return None
    if isinstance(node, CommentedMap):
        tag = _tag_of(node)
        if tag and not tag.startswith("tag:yaml.org,2002:map"):
            problems.append(
                Problem(fname, line_of_self, _dotted(loc), f"YAML tag {tag} is not allowed")
            )
            return None
        out: dict[str, Any] = {}
        for key in node:
            try:
                line = node.lc.key(key)[0] + 1
            except (AttributeError, KeyError, TypeError):
                line = line_of_self
            if not _key_allowed(key, loc):
                problems.append(
                    Problem(fname, line, _dotted(loc), f"key {key!r} must be a text name")
                )
                continue
            sub = (*loc, key)
            origin[sub] = (fname, line)
            out[key] = _plain(node[key], sub, fname, origin, problems, budget)
        return out
    if isinstance(node, CommentedSeq):
        tag = _tag_of(node)
        if tag and not tag.startswith("tag:yaml.org,2002:seq"):
            problems.append(
                Problem(fname, line_of_self, _dotted(loc), f"YAML tag {tag} is not allowed")
            )
            return None
        items = []
        for i, item in enumerate(node):
            try:
                line = node.lc.item(i)[0] + 1
            except (AttributeError, KeyError, TypeError, IndexError):
                line = line_of_self
            sub = (*loc, i)
            origin[sub] = (fname, line)
            items.append(_plain(item, sub, fname, origin, problems, budget))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime | dt.date):
        return node
    kind = _YAML_KINDS.get(type(node).__name__)
    if kind is not None:
        problems.append(
            Problem(
                fname,
                line_of_self,
                _dotted(loc),
                f"{kind} is not allowed (scenario files hold numbers, text, dates, lists and "
                "mappings of fields)",
            )
        )
        return None
    problems.append(
        Problem(
            fname,
            line_of_self,
            _dotted(loc),
            "unsupported YAML value (a tag such as !!binary, !!set or !!omap is not allowed)",
        )
    )
    return None


_YAML_KINDS = {
    "CommentedSet": "a YAML set (? key, tag !!set)",
    "CommentedOrderedMap": "an ordered map (tag !!omap)",
    "CommentedKeySeq": "a list used as a key",
    "CommentedKeyMap": "a mapping used as a key",
    "bytes": "binary data (tag !!binary)",
}


def _read_bytes(path: Path, fname: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES` (never blocks: a FIFO,
    a device such as /dev/zero or a directory is refused before anything is read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError([Problem(fname, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Problem(fname, None, "", "is a directory, not a file")]) from None
    except OSError as exc:
        raise InputError([Problem(fname, None, "", f"cannot read: {exc.strerror}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError([Problem(fname, None, "", "is a directory, not a file")])
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                [Problem(fname, None, "", "not a regular file (a device, pipe or socket)")]
            )
        if info.st_size > MAX_FILE_BYTES:
            raise InputError([_too_big(fname, info.st_size)])
        chunks, size = [], 0
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError as exc:
                raise InputError(
                    [Problem(fname, None, "", f"cannot read: {exc.strerror}")]
                ) from None
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_FILE_BYTES:  # the file grew while being read
                raise InputError([_too_big(fname, size)])
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(fname: str, size: int) -> Problem:
    return Problem(
        fname,
        None,
        "",
        f"the file is too large ({size:,} bytes; at most {MAX_FILE_BYTES:,} bytes, see "
        "docs/reliability.md)",
    )


def decode_text(raw: bytes, fname: str) -> str:
    """UTF-8 text of a file's bytes; binary or non-UTF-8 content is one clear problem."""
    if len(raw) > MAX_FILE_BYTES:
        raise InputError([_too_big(fname, len(raw))])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError([Problem(fname, line, "", "not a text file (binary content)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            [
                Problem(
                    fname,
                    line,
                    "",
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}): save "
                    "the file as UTF-8",
                )
            ]
        ) from None


def _read_text(path: Path, fname: str) -> str:
    return decode_text(_read_bytes(path, fname), fname)


def read_yaml(path: Path | str, *, text: str | None = None) -> Document:
    """Read one YAML file (no overlays) into a :class:`Document`; the root must be a mapping."""
    path = Path(path)
    fname = _display(path)
    if text is None:
        text = _read_text(path, fname)
    elif len(text) > MAX_FILE_BYTES:
        raise InputError([_too_big(fname, len(text.encode("utf-8", "surrogatepass")))])
    if not text.strip():
        raise InputError([Problem(fname, None, "", "the file is empty")])
    fast = plain_document(text, fname, MAX_DEPTH, MAX_VALUES)
    if fast is not None:  # plain data, read by libyaml exactly as below
        return Document(data=fast[0], origin=fast[1], file=fname)
    return _yaml_document(text, fname)


def _yaml_document(text: str, fname: str) -> Document:
    """:func:`read_yaml` of ``text`` by ruamel.yaml's round-trip reader (every problem reported
    with its line)."""
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if isinstance(exc, MaxDepthExceededError):
            raise InputError(
                [Problem(fname, line, "", f"nested more than {MAX_DEPTH} levels deep")]
            ) from None
        reason = " ".join(str(exc.problem or exc.context or "YAML error").split())
        if "duplicate key" in reason:
            reason = f"duplicate key: {reason}"
        raise InputError([Problem(fname, line, "", f"YAML syntax: {reason}")]) from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        raise InputError(
            [
                Problem(
                    fname,
                    line,
                    "",
                    f"YAML syntax: control character U+{code:04X} is not allowed in YAML text",
                )
            ]
        ) from None
    except YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise InputError([Problem(fname, None, "", f"YAML syntax: {reason}")]) from None
    except RecursionError:
        raise InputError(
            [Problem(fname, None, "", f"nested more than {MAX_DEPTH} levels deep")]
        ) from None
    if node is None:
        raise InputError([Problem(fname, None, "", "the file holds no data")])
    if not isinstance(node, CommentedMap):
        kind = "a list" if isinstance(node, CommentedSeq) else f"a {type(node).__name__}"
        raise InputError(
            [Problem(fname, 1, "", f"the file must be a mapping of fields, not {kind}")]
        )
    origin: dict[Loc, tuple[str, int | None]] = {(): (fname, 1)}
    problems: list[Problem] = []
    data = _plain(node, (), fname, origin, problems)
    if problems:
        raise InputError(problems)
    return Document(data=data, origin=origin, file=fname)


# ---------------------------------------------------------------------------------------------
# Overlays
# ---------------------------------------------------------------------------------------------


def _merge(base: Document, over: Document) -> Document:
    """Overlay ``over`` on ``base``: mappings merge, other values replace."""
    data = _deepcopy(base.data)
    replaced: list[Loc] = []

    def walk(dst: dict[str, Any], src: Mapping[str, Any], loc: Loc) -> None:
        for key, value in src.items():
            sub = (*loc, key)
            if isinstance(value, dict) and isinstance(dst.get(key), dict):
                walk(dst[key], value, sub)
            else:
                dst[key] = _deepcopy(value)
                replaced.append(sub)

    walk(data, over.data, ())
    origin = {
        loc: where
        for loc, where in base.origin.items()
        if not any(loc[: len(r)] == r for r in replaced)
    }
    origin.update(over.origin)
    return Document(data=data, origin=origin, file=over.file)


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def load_document(
    path: Path | str,
    _stack: tuple[Path, ...] = (),
    *,
    text: str | None = None,
    confine: Sequence[Path | str] | None = None,
) -> Document:
    """Read a YAML file and resolve its ``extends:`` overlays (recursively).

    Parameters
    ----------
    path
        The file (with ``text``: only its name, used in messages).
    text
        The file's content when it does not come from disk (an upload); its ``extends:``
        are then looked for in the ``confine`` folders only.
    confine
        Folders that ``extends:`` may read from; a base outside them (an absolute path,
        ``../``, a symbolic link leading out) is refused with the same message whether or not
        it exists, so nothing is revealed about other files. None: no confinement.
    """
    path = Path(path)
    resolved = path.resolve()
    roots = [Path(r).resolve() for r in confine] if confine is not None else None
    doc = read_yaml(path, text=text)
    bases = doc.data.pop("extends", None)
    if bases is None:
        return doc
    fname, line = doc.where(("extends",))
    item_lines = {
        loc[1]: where[1]
        for loc, where in doc.origin.items()
        if len(loc) == 2 and loc[0] == "extends"
    }
    for loc in [k for k in doc.origin if k[:1] == ("extends",)]:
        del doc.origin[loc]
    if isinstance(bases, str):
        bases = [bases]
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        raise InputError([Problem(fname, line, "extends", "must be a file name or a list of them")])
    if not bases:
        return doc
    merged: Document | None = None
    stack = (*_stack, resolved)
    folders = [path.parent] if text is None else list(roots or [])
    for i, name in enumerate(bases):
        bline = item_lines.get(i, line)
        candidates = [(folder / name).resolve() for folder in folders]
        if roots is not None:
            allowed = [c for c in candidates if _within(c, roots)]
            found = [c for c in allowed if c.is_file()]
            if not found:
                shown = ", ".join(_display(r) for r in roots) or "none"
                raise InputError(
                    [
                        Problem(
                            fname,
                            bline,
                            "extends",
                            f"base file {name!r} is not one of the scenario files this "
                            f"file may extend (files of the folder(s): {shown}; name one by "
                            "its file name)",
                        )
                    ]
                )
            base_path = found[0]
        else:
            base_path = candidates[0]
        if base_path in stack:
            chain = " -> ".join(_display(p) for p in (*stack, base_path))
            raise InputError([Problem(fname, bline, "extends", f"cycle of overlays: {chain}")])
        if not base_path.exists():
            raise InputError(
                [
                    Problem(
                        fname,
                        bline,
                        "extends",
                        f"base file {name!r} not found (looked for {_display(base_path)})",
                    )
                ]
            )
        base = load_document(base_path, stack, confine=roots)
        merged = base if merged is None else _merge(merged, base)
    assert merged is not None
    return _merge(merged, doc)


# ---------------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """Split ``a.b.0.c=VALUE`` into a path and a value read as YAML."""
    if "=" not in text:
        raise ValueError(f"expected PATH=VALUE, got {text!r}")
    path_text, value_text = text.split("=", 1)
    path_text = path_text.strip()
    if not path_text or any(not part for part in path_text.split(".")):
        raise ValueError(f"empty field name in path {path_text!r}")
    path: list[str | int] = [int(p) if p.isdigit() else p for p in path_text.split(".")]
    if value_text.strip() == "":
        value: Any = None
    else:
        # Under its own name, so that a field keyed by age may be given {60: 0.1}.
        name = path[-1] if path[-1] in AGE_KEYED_FIELDS else "v"
        doc = read_yaml(Path("--set"), text=f"{name}: {value_text}\n")
        value = doc.data[name]
    return path, value


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete alternatives of an annotation (Optional/Union/Annotated unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                out.extend(_unwrap(arg))
        return out
    return [annotation]


def _shown_name(model: type[BaseModel], name: str) -> str:
    """The name a field is written under in a file (its alias, if it has one)."""
    return model.model_fields[name].alias or name


def _field_names(model: type[BaseModel]) -> dict[str, str]:
    """Accepted names (field names and aliases) -> field name."""
    names = {}
    for name, info in model.model_fields.items():
        names[name] = name
        if info.alias:
            names[info.alias] = name
    return names


def check_path(
    model: type[BaseModel], path: Sequence[str | int], data: Any
) -> tuple[str, str] | None:
    """(path prefix, reason) why ``path`` is not a field of ``model``, or None if it is.

    ``data`` is the document the path points into (it gives list lengths and the ``kind`` of
    distributions).
    """
    alternatives: list[Any] = [model]
    current = data
    for depth, seg in enumerate(path):
        shown = ".".join(str(p) for p in path[: depth + 1])
        next_alts: list[Any] = []
        models = [a for a in alternatives if isinstance(a, type) and issubclass(a, BaseModel)]
        lists = [a for a in alternatives if typing.get_origin(a) is list]
        dicts = [a for a in alternatives if typing.get_origin(a) is dict]
        if isinstance(seg, int) and lists:
            length = len(current) if isinstance(current, list) else 0
            if seg >= length:
                return shown, f"index {seg} is out of range (the list has {length} items)"
            next_alts = _unwrap(typing.get_args(lists[0])[0])
            current = current[seg] if isinstance(current, list) else None
        elif models and isinstance(seg, str):
            kind = current.get("kind") if isinstance(current, dict) else None
            chosen = [
                m
                for m in models
                if kind is None
                or m.model_fields.get("kind") is None
                or m.model_fields["kind"].default == kind
            ] or models
            for m in chosen:
                names = _field_names(m)
                if seg in names:
                    next_alts.extend(_unwrap(m.model_fields[names[seg]].annotation))
            if not next_alts:
                allowed = sorted({_shown_name(m, n) for m in chosen for n in m.model_fields})
                hint = difflib.get_close_matches(seg, allowed, n=1)
                tip = f"; did you mean {hint[0]!r}?" if hint else ""
                return shown, f"unknown field {seg!r}{tip}"
            current = current.get(seg) if isinstance(current, dict) else None
        elif dicts and isinstance(seg, str):
            next_alts = _unwrap(typing.get_args(dicts[0])[1])
            current = current.get(seg) if isinstance(current, dict) else None
        else:
            return shown, "no field here (the value above is not a mapping or a list)"
        alternatives = next_alts
    return None


def _default_block(model: type[BaseModel], loc: Sequence[str | int]) -> dict[str, Any]:
    """The schema default of the mapping at ``loc`` as plain data ({} when it has none)."""
    alternatives: list[Any] = [model]
    info = None
    for seg in loc:
        nxt: list[Any] = []
        info = None
        for alt in alternatives:
            if isinstance(alt, type) and issubclass(alt, BaseModel) and isinstance(seg, str):
                names = _field_names(alt)
                if seg in names:
                    info = alt.model_fields[names[seg]]
                    nxt.extend(_unwrap(info.annotation))
            elif typing.get_origin(alt) is list and isinstance(seg, int):
                nxt.extend(_unwrap(typing.get_args(alt)[0]))
        alternatives = nxt
    if info is None:
        return {}
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json", by_alias=True)
    return {}


def apply_overrides(
    doc: Document, overrides: Sequence[str], model: type[BaseModel], source: str = "--set"
) -> Document:
    """Apply ``PATH=VALUE`` overrides to a document, checking each path against ``model``."""
    data = _deepcopy(doc.data)
    origin = dict(doc.origin)
    problems: list[Problem] = []
    for text in overrides:
        try:
            path, value = parse_override(text)
        except InputError as exc:
            problems.extend(
                Problem(doc.file, None, text.split("=", 1)[0], f"{source}: {p.reason}")
                for p in exc.problems
            )
            continue
        except ValueError as exc:
            problems.append(Problem(doc.file, None, text.split("=", 1)[0], f"{source}: {exc}"))
            continue
        why = check_path(model, path, data)
        if why is not None:
            shown, reason = why
            problems.append(Problem(doc.file, None, shown, f"{source} {text!r}: {reason}"))
            continue
        here = (f"{doc.file} ({source} {text})", None)
        target: Any = data
        blocked: Problem | None = None
        for depth, seg in enumerate(path[:-1]):
            if isinstance(seg, int):
                target = target[seg]
                continue
            if isinstance(path[depth + 1], int):
                target = target[seg]  # a list: check_path made sure the index exists
                continue
            current = target.get(seg)
            if current is None:
                # A missing (or null) block becomes a new mapping written by the override,
                # starting from the schema's default block when there is one (so that
                # ``demand.planned_lead_days.mode=8`` keeps the default's kind and bounds).
                target[seg] = _default_block(model, path[: depth + 1])
                created = tuple(path[: depth + 1])
                for k in [k for k in origin if k[: len(created)] == created]:
                    del origin[k]
                origin[created] = here
            elif not isinstance(current, dict):
                loc = tuple(path[: depth + 1])
                fname, line = Document(data, origin, doc.file).where(loc)
                blocked = Problem(
                    fname,
                    line,
                    _dotted(loc),
                    f"{source} {text!r}: the file holds "
                    f"{type(current).__name__} {current!r} here, not a mapping of fields",
                )
                break
            target = target[seg]
        if blocked is not None:
            problems.append(blocked)
            continue
        target[path[-1]] = value
        loc = tuple(path)
        for k in [k for k in origin if k[: len(loc)] == loc]:
            del origin[k]
        origin[loc] = here
    if problems:
        raise InputError(problems)
    return Document(data=data, origin=origin, file=doc.file)


# ---------------------------------------------------------------------------------------------
# Validation and error messages
# ---------------------------------------------------------------------------------------------


def _dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _clean_loc(loc: Sequence[str | int], data: Any) -> Loc:
    """Drop pydantic's union-member tags from an error location, guided by the data."""
    out: list[str | int] = []
    current = data
    for seg in loc:
        if isinstance(current, dict):
            if seg in current:
                out.append(seg)
                current = current[seg]
                continue
            if isinstance(seg, str) and (seg in _UNION_TAGS or not seg.isidentifier()):
                continue
            out.append(seg)
            current = None
        elif isinstance(current, list) and isinstance(seg, int) and seg < len(current):
            out.append(seg)
            current = current[seg]
        elif isinstance(seg, str) and (seg in _UNION_TAGS or not seg.isidentifier()):
            continue
        elif current is None and out and isinstance(seg, str | int):
            out.append(seg)
        else:
            continue
    return tuple(out)


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[type[BaseModel]]:
    alternatives: list[Any] = [model]
    for seg in loc:
        nxt: list[Any] = []
        for alt in alternatives:
            if isinstance(alt, type) and issubclass(alt, BaseModel) and isinstance(seg, str):
                names = _field_names(alt)
                if seg in names:
                    nxt.extend(_unwrap(alt.model_fields[names[seg]].annotation))
            elif typing.get_origin(alt) is list and isinstance(seg, int):
                nxt.extend(_unwrap(typing.get_args(alt)[0]))
        alternatives = nxt
    return [a for a in alternatives if isinstance(a, type) and issubclass(a, BaseModel)]


def _reason(err: dict[str, Any], loc: Loc, model: type[BaseModel]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "extra_forbidden":
        parents = _model_at(model, loc[:-1])
        allowed = sorted(
            {_shown_name(m, n) for m in parents for n in m.model_fields if n != "kind"}
        )
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1) if loc else []
        tip = f"; did you mean {hint[0]!r}?" if hint else ""
        listed = f" (allowed: {', '.join(allowed)})" if 0 < len(allowed) <= 12 else ""
        return f"unknown field{tip}{listed}"
    if kind == "missing":
        return "required field is missing"
    if kind == "cross_field":
        return msg
    value = err.get("input")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = "expected a mapping of fields"
    if isinstance(value, dict | list) or kind == "union_tag_invalid" or "got " in msg:
        return f"{msg[0].lower()}{msg[1:]}"
    return f"{msg[0].lower()}{msg[1:]} (got {_shown(value)})"


def _shown(value: Any) -> str:
    """A value as a planner wrote it (dates in ISO form, text quoted, no Python names)."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return repr(value)
    return f"a {type(value).__name__.removeprefix('Commented').lower()}"


def validate_document(doc: Document, model: type[M], error: type[InputError] = ScenarioError) -> M:
    """Validate a document against ``model``; every problem carries its file and line."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for err in exc.errors(include_url=False):
            loc = _clean_loc(err.get("loc", ()), doc.data)
            reason = _reason(err, loc, model)
            key = (_dotted(loc), reason)
            if key in seen:
                continue
            seen.add(key)
            fname, line = doc.where(loc)
            problems.append(Problem(fname, line, _dotted(loc), reason))
        raise error(problems) from None


def load_scenario(
    path: Path | str, overrides: Sequence[str] = (), *, horizon_days: int | None = None
) -> Any:
    """Load, overlay, override and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        ``PATH=VALUE`` strings (``policies.teleconsultation.platform_daily_capacity=20``).
    horizon_days
        Shortcut for ``calendar.horizon_days=N``.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, line and field path.
    """
    return load_scenario_document(path, overrides, horizon_days=horizon_days)[0]


def load_scenario_document(
    path: Path | str, overrides: Sequence[str] = (), *, horizon_days: int | None = None
) -> tuple[Any, Document]:
    """:func:`load_scenario`, also returning the document read (the file and line of every
    value, e.g. to place a warning of :mod:`accesssim.scenario.plausibility`)."""
    from accesssim.scenario.schema import Scenario

    try:
        doc = load_document(path)
        extra = list(overrides)
        if horizon_days is not None:
            extra.append(f"calendar.horizon_days={int(horizon_days)}")
        if extra:
            doc = apply_overrides(doc, extra, Scenario)
    except ScenarioError:
        raise
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    return validate_document(doc, Scenario), doc
