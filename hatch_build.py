"""Build hook: compile the message catalogues (``.po`` -> ``.mo``) into the wheel.

The ``.mo`` files are build products (not in git): this hook writes them next to their ``.po``
in ``src/accesssim/locale/`` (so an editable install finds them too) and adds them to the wheel.
It uses Babel (a build requirement, see ``[tool.hatch.build.hooks.custom]`` in pyproject.toml)
through the same function as ``python tools/catalogue.py compile``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location("catalogue", root / "tools" / "catalogue.py")
        assert spec is not None
        assert spec.loader is not None
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        locale = root / "src" / "accesssim" / "locale"
        for mo in tool.compile_catalogues(locale):
            if version != "editable":  # an editable install reads src/ itself
                build_data["force_include"][str(mo)] = str(mo.relative_to(root / "src"))
