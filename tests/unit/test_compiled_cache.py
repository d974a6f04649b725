"""The compiled functions' on-disk cache follows the modules they import: a compiled function's
source stamp covers its own file and every package module it imports, transitively, so an edit
of ``keyed.py`` or ``kernel.py`` makes numba compile again the functions built on them (numba's
own stamp covers the defining file only, and would keep running the old code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from numba import config

from accesssim.model import block, compiled_cache, demand, kernel, keyed


def _package(root: Path, files: dict[str, str]) -> Path:
    """A package named ``accesssim`` under ``root`` with the given files."""
    pkg = root / "accesssim"
    for name, text in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


def test_dependencies_follow_top_level_imports_transitively(tmp_path: Path) -> None:
    pkg = _package(
        tmp_path,
        {
            "__init__.py": "from accesssim.model import a\n",
            "vocab.py": "X = 1\n",
            "model/__init__.py": "from accesssim.model.a import f\n",
            "model/a.py": "from accesssim.model import b\nimport numpy as np\n",
            "model/b.py": "from accesssim.vocab import X\n"
            "def g():\n    from accesssim.model import c  # not at the top level\n",
            "model/c.py": "Y = 2\n",
        },
    )
    deps = compiled_cache.dependencies(pkg / "model" / "a.py", pkg)
    assert [d.relative_to(pkg).as_posix() for d in deps] == ["model/a.py", "model/b.py", "vocab.py"]


def test_the_stamp_changes_with_a_dependency_only(tmp_path: Path) -> None:
    pkg = _package(
        tmp_path,
        {
            "model/a.py": "from accesssim.model.b import f\n",
            "model/b.py": "def f():\n    return 1\n",
            "model/c.py": "Z = 3\n",
        },
    )
    a = pkg / "model" / "a.py"
    before = compiled_cache.source_stamp(a, pkg)
    (pkg / "model" / "c.py").write_text("Z = 4\n")  # not imported by a
    assert compiled_cache.source_stamp(a, pkg) == before
    (pkg / "model" / "b.py").write_text("def f():\n    return 2  # edited\n")
    assert compiled_cache.source_stamp(a, pkg) != before


@pytest.mark.skipif(config.DISABLE_JIT, reason="nothing is compiled with NUMBA_DISABLE_JIT=1")
def test_the_package_compiled_functions_use_the_dependency_stamp() -> None:
    assert compiled_cache.register()  # already registered by the package: no second copy
    for fn, needs in [
        (block._book_days, {"model/kernel.py", "model/keyed.py", "model/demand.py"}),
        (demand._take, {"model/keyed.py", "model/records.py", "model/demography.py"}),
        (kernel.book_day, {"model/keyed.py", "vocabulary.py", "model/records.py"}),
        (keyed.mix, {"model/records.py"}),  # the records: in every stamp
    ]:
        locator = fn._cache._impl.locator
        assert isinstance(locator, compiled_cache._DependencyStamp)
        names = {name for name, _ in locator.get_source_stamp()}
        assert needs <= names
        assert (
            Path(fn.py_func.__code__.co_filename)
            .resolve()
            .relative_to(compiled_cache.PACKAGE)
            .as_posix()
            in names
        )
    locators = compiled_cache._locator("CacheImpl", "_CacheImpl")._locator_classes
    assert sum(issubclass(c, compiled_cache._DependencyStamp) for c in locators) == 3
