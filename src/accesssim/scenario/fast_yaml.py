"""A fast reader for plain scenario files: libyaml's C composer (PyYAML), YAML 1.2 scalars.

The round-trip reader (:func:`accesssim.scenario.loading.read_yaml`, ruamel.yaml in pure
Python) takes about 2.4 s for the region file (4,025 communes, 370 kB); libyaml composes the
same nodes, with the line of each, in about 0.1 s. :func:`plain_document` reads a file that
holds plain data only (mappings with text keys, lists, and scalars the YAML 1.2 core schema
reads as text, whole numbers, decimal numbers, booleans or null) exactly as the round-trip
reader would: the same values and the same line for every key and item. Anything else (tags,
anchors and aliases, duplicate keys, keys that are not text, dates, numbers written in another
form, a ``%`` directive, line breaks YAML 1.2 does not know, deep nesting, more values than the
budget, a syntax error) returns None, and the file is read by the round-trip reader, which
reports any problem with its line. The scalars' types are those ruamel.yaml's YAML 1.2
resolver gives them (the round-trip reader's), so ``yes`` stays text and ``010`` is not octal.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.resolver import VersionedResolver

try:  # libyaml's C parser (PyYAML, installed with dask); without it, every file goes slow
    import yaml
    from yaml.cyaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None

__all__ = ["plain_document"]

_IMPLICIT = "?"  # the tag the composer gives a node written without one
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
# Numbers in the forms read here; others (0x1F, 1_000, 010, .inf, 1e3) go to the slow reader.
_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False}  # fmt: skip
# ruamel.yaml's YAML 1.2 resolver of plain scalars (the round-trip reader's): by first
# character, the tags to try in turn, each with its pattern.
_TABLE = {k: tuple((str(tag), rx) for tag, rx in v)
          for k, v in VersionedResolver(version=(1, 2)).versioned_resolver.items()}  # fmt: skip
_ANY = _TABLE.get(None, ())
# Line breaks of YAML 1.1 (libyaml's) that YAML 1.2 reads as ordinary characters.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


class _Bail(Exception):
    """The file is not one the fast reader reads exactly as the round-trip reader."""


if CParser is not None:

    class _Composer(CParser):
        """libyaml's composer; every node written without a tag gets :data:`_IMPLICIT`."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return _IMPLICIT

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


def plain_document(
    text: str, fname: str, max_depth: int, max_values: int
) -> tuple[dict[str, Any], dict[tuple, tuple[str, int | None]]] | None:
    """``(data, origin)`` of a plain YAML file as the round-trip reader gives them (``origin``:
    (file, line) of every key and item, and ``(fname, 1)`` for the root), or None when the
    file needs the round-trip reader."""
    if CParser is None or _ODD_BREAKS.search(text) or re.search(r"(?m)^%", text):
        return None
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None
    if root is None or not isinstance(root, yaml.MappingNode):
        return None
    origin: dict[tuple, tuple[str, int | None]] = {(): (fname, 1)}
    state = {"values": 0, "seen": set()}
    try:
        data = _value(root, (), fname, origin, state, 0, max_depth, max_values)
    except (_Bail, RecursionError):
        return None
    return data, origin


def _value(node, loc, fname, origin, state, depth, max_depth, max_values):
    state["values"] += 1
    if state["values"] > max_values or depth > max_depth or node.tag != _IMPLICIT:
        raise _Bail
    if id(node) in state["seen"]:  # an alias: the same node twice
        raise _Bail
    state["seen"].add(id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = _scalar(knode, state)
            if not isinstance(key, str) or key in out or key == "<<":
                raise _Bail
            sub = (*loc, key)
            origin[sub] = (fname, knode.start_mark.line + 1)
            out[key] = _value(vnode, sub, fname, origin, state, depth + 1, max_depth, max_values)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, inode in enumerate(node.value):
            sub = (*loc, i)
            origin[sub] = (fname, inode.start_mark.line + 1)
            items.append(_value(inode, sub, fname, origin, state, depth + 1, max_depth,
                                max_values))  # fmt: skip
        return items
    return _scalar(node, state)


def _scalar(node, state):
    if not isinstance(node, yaml.ScalarNode) or node.tag != _IMPLICIT:
        raise _Bail
    value = node.value
    if node.style:  # quoted or a block scalar: text (plain: no style)
        return value
    tag = _STR  # as ruamel.yaml's resolver: the first pattern that matches gives the tag
    for t, regexp in (*_TABLE.get(value[:1], ()), *_ANY):
        if regexp.match(value):
            tag = t
            break
    if tag == _STR:
        return value
    if tag == _INT and _INT_RE.match(value):
        return int(value)
    if tag == _FLOAT and _FLOAT_RE.match(value):
        return float(value)
    if tag == _BOOL and value in _BOOLS:
        return _BOOLS[value]
    if tag == _NULL and value in ("", "~", "null", "Null", "NULL"):
        return None
    raise _Bail
