"""Reading scenario (and experiment) files: YAML with line numbers, overlays, overrides.

* YAML is read with ruamel.yaml in round-trip mode, which records the line of every key and
  item, refuses duplicate keys and follows YAML 1.2 (no octal ``010``, ``yes`` stays a string).
  Loading is safe: any explicit tag (``!!python/object``, ``!foo``, ``!!binary``, ...) is
  refused, so a file can never build a Python object.
* ``extends: base.yaml`` (or a list of files) overlays this file on its bases: mappings merge
  key by key, everything else (numbers, lists) is replaced. Paths are relative to the file
  that names them; cycles are refused.
* Overrides ``a.b.c=VALUE`` set one field after the overlays; VALUE is read as a YAML scalar
  (or flow collection) and the path must exist in the schema.

Every problem is reported with the file and line where the offending value was written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from accesssim.scenario.errors import InputError, Problem, ScenarioError

__all__ = [
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


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", None) if tag is not None else None
    return value if isinstance(value, str) else None


def _plain(node: Any, loc: Loc, fname: str, origin: dict, problems: list[Problem]) -> Any:
    """Turn ruamel nodes into plain Python data, recording lines and refusing tags."""
    line_of_self = origin.get(loc, (fname, None))[1]
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
            if not isinstance(key, str):
                problems.append(
                    Problem(fname, line, _dotted(loc), f"key {key!r} must be a text name")
                )
                continue
            sub = (*loc, key)
            origin[sub] = (fname, line)
            out[key] = _plain(node[key], sub, fname, origin, problems)
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
            items.append(_plain(item, sub, fname, origin, problems))
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
    problems.append(
        Problem(
            fname,
            line_of_self,
            _dotted(loc),
            f"unsupported YAML value of type "
            f"{type(node).__name__} (a tag such as !!binary, !!set or !!omap is not allowed)",
        )
    )
    return None


def _read_text(path: Path, fname: str) -> str:
    if not path.exists():
        raise InputError([Problem(fname, None, "", "file not found")])
    if path.is_dir():
        raise InputError([Problem(fname, None, "", "is a directory, not a file")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(fname, None, "", f"cannot read: {exc.strerror}")]) from None
    if b"\x00" in raw:
        raise InputError([Problem(fname, None, "", "not a text file (binary content)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(fname, None, "", f"not UTF-8 text (byte {exc.start}): binary content?")]
        ) from None


def read_yaml(path: Path | str, *, text: str | None = None) -> Document:
    """Read one YAML file (no overlays) into a :class:`Document`; the root must be a mapping."""
    path = Path(path)
    fname = _display(path)
    if text is None:
        text = _read_text(path, fname)
    if not text.strip():
        raise InputError([Problem(fname, None, "", "the file is empty")])
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(exc.problem or exc.context or "YAML error").split())
        if "duplicate key" in reason:
            reason = f"duplicate key: {reason}"
        raise InputError([Problem(fname, line, "", f"YAML syntax: {reason}")]) from None
    except YAMLError as exc:
        raise InputError([Problem(fname, None, "", f"YAML syntax: {exc}")]) from None
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


def load_document(path: Path | str, _stack: tuple[Path, ...] = ()) -> Document:
    """Read a YAML file and resolve its ``extends:`` overlays (recursively)."""
    path = Path(path)
    resolved = path.resolve()
    doc = read_yaml(path)
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
    for i, name in enumerate(bases):
        base_path = (path.parent / name).resolve()
        bline = item_lines.get(i, line)
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
        base = load_document(base_path, stack)
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
        doc = read_yaml(Path("--set"), text=f"v: {value_text}\n")
        value = doc.data["v"]
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
                allowed = sorted({n for m in chosen for n in m.model_fields})
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
        allowed = sorted({n for m in parents for n in m.model_fields if n != "kind"})
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1) if loc else []
        tip = f"; did you mean {hint[0]!r}?" if hint else ""
        listed = f" (allowed: {', '.join(allowed)})" if 0 < len(allowed) <= 12 else ""
        return f"unknown field{tip}{listed}"
    if kind == "missing":
        return "required field is missing"
    if kind == "cross_field":
        return msg
    value = err.get("input")
    if kind not in ("model_type", "dict_type", "union_tag_invalid") and not isinstance(
        value, dict | list
    ):
        return f"{msg[0].lower()}{msg[1:]} (got {value!r})"
    return f"{msg[0].lower()}{msg[1:]}"


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
