"""Every text the sources ask to translate is in the French catalogue, translated.

Babel's extractor (``tools/catalogue.py``) reads ``_("...")`` calls in the code, but not those
written inside an f-string (``f"[red]{_('no')}[/red]"``): such a text is never added to the
catalogue and shows in English under ``--lang fr``. This test reads the sources itself (every
literal ``_()``, ``N_()`` or ``ngettext()`` call, f-strings included) and runs the tool's own
check, so a planner-facing text without a translation fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from helpers import load_tool

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "accesssim"
TOOL = load_tool("catalogue")


def _marked_texts() -> dict[str, str]:
    """Each literal text passed to ``_``, ``N_`` or ``ngettext`` in the package, with where it
    is (``ast`` walks into f-strings, unlike the extractor)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in ("_", "N_", "ngettext") or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(first.value, where)
    return found


def test_the_source_scan_finds_texts_inside_f_strings() -> None:
    """The scan is not blind: it sees the calls the extractor sees and those it does not."""
    texts = _marked_texts()
    assert "Indicator" in texts  # an ordinary _() call (cli.py)
    assert "pt" in texts  # written inside an f-string (wording.py)
    assert len(texts) > 500


def test_every_text_of_the_sources_is_translated() -> None:
    catalogue = TOOL.read("fr")
    lacking = []
    for text, where in _marked_texts().items():
        msg = catalogue.get(text)
        string = msg.string if msg is not None else None
        if isinstance(string, tuple | list):
            string = string[0]
        if msg is None or not string or msg.fuzzy:
            lacking.append(f"{where}: {text!r}")
    assert lacking == [], "texts without a French translation (move the _() call out of the "
    "f-string, then tools/catalogue.py update and translate):\n" + "\n".join(lacking)


def test_the_catalogue_tool_check_passes() -> None:
    """``python tools/catalogue.py check`` (what a translator runs) exits 0."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "catalogue.py"), "check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
