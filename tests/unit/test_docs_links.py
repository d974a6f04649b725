"""Every relative link of the README and docs/ points to a file of the repository."""

from __future__ import annotations

import re
from pathlib import Path

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_relative_links_resolve(repo_root: Path) -> None:
    pages = [repo_root / "README.md", *sorted((repo_root / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            target = match.group(1)
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(repo_root)} -> {target}")
    assert len(pages) > 10
    assert not broken, "broken links:\n" + "\n".join(broken)
