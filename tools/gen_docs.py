"""Regenerate the generated pages of docs/: the scenario field reference and the metrics.

Usage: ``python tools/gen_docs.py`` (tests fail when these pages are stale).
"""

from __future__ import annotations

from pathlib import Path

from accesssim.model.result import metrics_markdown
from accesssim.scenario.reference import reference_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    pages = {
        "scenario-reference.md": reference_markdown(),
        "metrics.md": metrics_markdown(),
    }
    for name, text in pages.items():
        (DOCS / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
