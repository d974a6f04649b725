"""numba's on-disk cache, invalidated when a module a compiled function imports changes.

numba keeps a compiled function (``cache=True``) valid while the source file that defines it is
unchanged: it does not look at the files it imports. A compiled function inlines the compiled
functions it calls and freezes the module-level constants it reads, so after an edit of
``keyed.py`` (the keyed draws) or ``kernel.py`` (the booking cascade, which the block of days
of ``block.py`` compiles into itself) the cached machine code of every module that imports them
would still run the old code, silently. The cache locators registered here give each compiled
function of the package a *source stamp* made of the content hashes of its own file and of
every package module that file imports at its top level, transitively: a change to any of them
invalidates the function's cache, which numba then compiles again once.

Every stamp also covers ``records.py`` (:data:`RECORDS`), where the records compiled functions
take are defined. The stamp is wide on purpose: a module without compiled code can still change
compiled code through a constant it defines (numba freezes them), so editing the scenario schema
compiles the demand passes again.

The locators are numba's own (in the source tree's ``__pycache__``, in the directory of
``NUMBA_CACHE_DIR``, or in the user-wide cache), with only the stamp changed; they apply to the
package's files only. A numba without these classes keeps its own locators, and so does a
process where ``NUMBA_CACHE_LOCATOR_CLASSES`` names the locators to use.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parents[1]
"""The ``accesssim`` package directory."""


def _module_file(root: Path, name: str) -> Path | None:
    """The file of module ``name`` (dotted, starting with the package's name) under ``root``
    (the package directory), or None when it is not a module of the package."""
    parts = name.split(".")
    if parts[0] != root.name:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _imports(path: Path, root: Path) -> tuple[Path, ...]:
    """The package's files that module ``path`` imports at its top level: ``import m`` is the
    file of ``m``; ``from m import a`` the file of ``m.a`` when it is a module, else of ``m``."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    found: set[Path | None] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(_module_file(root, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                file = _module_file(root, f"{node.module}.{alias.name}")
                found.add(file if file is not None else _module_file(root, node.module))
    found.discard(None)
    return tuple(sorted(found))  # type: ignore[arg-type]


def dependencies(path: Path, root: Path = PACKAGE) -> tuple[Path, ...]:
    """Module ``path`` and every package module it imports at its top level, transitively."""
    seen = {path}
    todo = [path]
    while todo:
        for dep in _imports(todo.pop(), root):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return tuple(sorted(seen))


@functools.cache
def _digest(path: Path, mtime: float, size: int) -> bytes:
    """SHA-256 of a file's bytes (memoised on its modification time and size)."""
    return hashlib.sha256(path.read_bytes()).digest()


RECORDS = ("model/records.py",)
"""Modules in every stamp: they define the records compiled functions take. numba tells two
record types apart by their class and field types, not their field names, so two fields of the
same type swapped in ``records.py`` would leave a cached function reading the wrong one."""


def source_stamp(path: Path, root: Path = PACKAGE) -> tuple[tuple[str, bytes], ...]:
    """The stamp of the compiled functions of module ``path``: the content hash of it, of each
    of its :func:`dependencies` and of :data:`RECORDS`, named relative to the package."""
    deps = set(dependencies(path, root))
    deps.update(root / name for name in RECORDS if (root / name).is_file())
    stamp = []
    for dep in sorted(deps):
        st = os.stat(dep)
        stamp.append((dep.relative_to(root).as_posix(), _digest(dep, st.st_mtime, st.st_size)))
    return tuple(stamp)


class _DependencyStamp:
    """A numba cache locator for the package's files whose source stamp is
    :func:`source_stamp` (mixed into one of numba's locators)."""

    _py_file: str

    @classmethod
    def from_function(cls, py_func, py_file):
        if not Path(py_file).resolve().is_relative_to(PACKAGE):
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self) -> tuple[tuple[str, bytes], ...]:
        return source_stamp(Path(self._py_file).resolve())


def _locator(*names: str) -> type | None:
    """numba's locator class of one of ``names`` (they were renamed), or None."""
    for name in names:
        if hasattr(caching, name):
            return getattr(caching, name)
    return None


def register() -> bool:
    """Put the dependency-stamped locators first in numba's list (once); False when this numba
    has not the expected classes (its own locators then apply)."""
    impl = _locator("CacheImpl", "_CacheImpl")
    bases = [
        _locator("UserProvidedCacheLocator", "_UserProvidedCacheLocator"),
        _locator("InTreeCacheLocator", "_InTreeCacheLocator"),
        _locator("UserWideCacheLocator", "_UserWideCacheLocator"),
    ]
    if impl is None or not hasattr(impl, "_locator_classes") or None in bases:
        return False
    classes = impl._locator_classes
    if any(issubclass(c, _DependencyStamp) for c in classes):
        return True
    ours = [type(f"Stamped{b.__name__.lstrip('_')}", (_DependencyStamp, b), {}) for b in bases]
    classes[0:0] = ours
    return True
