"""The report in French and in English, as Chromium draws it: the screenshot has its size and
shows a drawn page, every character of the page has a glyph in an installed font (no "tofu"
boxes), the French report reads French, and the one-page summary at the top fits one A4 page
in print mode.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from accesssim.report import report
from chromium import CHROMIUM, Chromium, assert_drawn, needs_chromium
from helpers import write_pair

Cli = Callable[..., subprocess.CompletedProcess[str]]

#: English words that a French page never needs (outside identifiers, file names, code).
ENGLISH = re.compile(
    r"\b(the|and|with|which|this|that|from|when|where|each|than|over|per|of|to|is|are)\b"
)

A4_CONTENT_PX = 267 / 25.4 * 96  # 297 mm minus the 15 mm margins of @page, at 96 px per inch


@pytest.fixture(scope="module")
def compared(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_pair(tmp_path_factory.mktemp("languages"))
    proc = cli(
        "compare",
        "base.yaml",
        "alt.yaml",
        "--replications",
        "2",
        "--executor",
        "serial",
        "--out",
        "cmp",
        "--format",
        "json",
        cwd=root,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "cmp"


def test_french_report_words(compared: Path, tmp_path: Path) -> None:
    html = report(compared, tmp_path / "fr.html", lang="fr").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    for text in (
        "En bref",
        "Comment lire ce rapport",
        "Différences avec la référence (base)",
        "Coût par unité de gain",
        "Par commune",
        "limites approximatives",
        "Ce qui change",
        "À quel coût",
        "Avec quelle certitude",
    ):
        assert text in html, text
    english = report(compared, tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in english
    assert "At a glance" in english
    assert "En bref" not in english


def _visible_text(browser: Chromium) -> str:
    """The page's text as a reader sees it, without identifiers and code (file names, metric
    names, commands), which stay English on purpose."""
    return str(
        browser.evaluate(
            "(() => { const c = document.body.cloneNode(true);"
            " c.querySelectorAll('.code, td.metric .sub, svg').forEach(e => e.remove());"
            " return c.innerText; })()"
        )
    )


def _font_coverage() -> set[int]:
    """Every code point that some installed font has a glyph for (fontconfig's fonts)."""
    from fontTools.ttLib import TTCollection, TTFont

    files = subprocess.run(
        ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=True
    ).stdout.split()
    covered: set[int] = set()
    for path in files:
        try:
            fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
        except Exception:  # a font fontTools cannot read: Chromium may not use it either
            continue
        for font in fonts:
            cmap = font.getBestCmap() or {}
            covered.update(cmap)
    return covered


@needs_chromium
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_chromium_renders_the_report_in_each_language(
    compared: Path, tmp_path: Path, lang: str
) -> None:
    page = report(compared, tmp_path / f"{lang}.html", lang=lang)
    with Chromium(CHROMIUM, tmp_path / "profile", width=1280, height=2000) as browser:
        browser.open(page.as_uri())
        title = "Comparaison de politiques" if lang == "fr" else "Policy comparison"
        assert browser.wait_for_text(title)
        png = browser.screenshot(tmp_path / f"report-{lang}.png")
        assert_drawn(png, (1280, 2000))
        text = _visible_text(browser)
        # No missing glyph: every character of the page is in an installed font.
        covered = _font_coverage()
        missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
        assert missing == [], f"characters without a glyph: {missing}"
        if lang == "fr":
            words = ENGLISH.findall(text.replace("tiny-rota", "").replace("Tiny CPTS", ""))
            assert words == [], f"English words in the French report: {sorted(set(words))}"
            assert "1er" in text or "janvier" in text or "févr" in text or "mars" in text
        # The one-page summary fits one A4 page when printed.
        browser.call("Emulation.setEmulatedMedia", media="print")
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            width=round(180 / 25.4 * 96),  # 210 mm minus the margins
            height=2000,
            deviceScaleFactor=1,
            mobile=False,
        )
        bottom = browser.evaluate(
            "document.querySelector('.glance').getBoundingClientRect().bottom + window.scrollY"
        )
        assert bottom is not None
        assert 0 < float(bottom) <= A4_CONTENT_PX, (bottom, A4_CONTENT_PX)
        breaks = browser.evaluate("getComputedStyle(document.querySelector('.glance')).breakAfter")
        assert breaks == "page"
