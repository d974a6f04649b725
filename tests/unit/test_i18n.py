"""French and English: the catalogue covers every marked text, numbers and dates follow the
language (Babel), the language is chosen as documented, and a table reads the same words
everywhere (golden French strings).
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from accesssim import i18n
from accesssim.i18n import MissingTranslation, _, set_language, using
from accesssim.report.tables import baseline_cost_words, cost_rows, difference_rows, icer_rows
from accesssim.scenario.errors import Problem, translate_reason, translated
from accesssim.wording import (
    fmt_ci,
    fmt_date,
    fmt_diff,
    fmt_eur,
    fmt_int,
    fmt_value,
    hours,
    metric_label,
    pct,
    per_unit,
    reading,
)
from helpers import load_tool

ROOT = Path(__file__).resolve().parents[2]
NNBSP = "\u202f"  # narrow no-break space: French thousands and units
NBSP = "\u00a0"


TOOL = load_tool("catalogue")


def test_every_marked_text_has_a_french_translation() -> None:
    """The test that fails when a planner-facing text (marked with _, N_ or ngettext) has no
    French translation, or a fuzzy one: translate it in the .po (tools/catalogue.py update)."""
    assert TOOL.missing("fr") == []


def test_the_catalogue_holds_exactly_the_texts_of_the_sources() -> None:
    """No stale entry: the catalogue was updated after the last change of a text."""
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in TOOL.extract() if m.id}
    stored = {m.id if isinstance(m.id, str) else m.id[0] for m in TOOL.read("fr") if m.id}
    assert extracted == stored


def test_translations_keep_their_placeholders() -> None:
    import re

    field = re.compile(r"\{[^}]*\}")
    for msg in TOOL.read("fr"):
        if not msg.id:
            continue
        source = msg.id if isinstance(msg.id, str) else msg.id[0]
        outs = msg.string if isinstance(msg.string, tuple | list) else [msg.string]
        for out in outs:
            assert sorted(field.findall(out)) == sorted(field.findall(source)), source


def test_strict_mode_refuses_an_untranslated_french_text() -> None:
    with using("fr"):
        assert _("Indicator") == "Indicateur"
        with pytest.raises(MissingTranslation):
            _("a text nobody marked for translation")
    with using("en"):
        assert _("a text nobody marked for translation") == "a text nobody marked for translation"


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCESSSIM_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert i18n.default_language() == "fr"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.default_language() == "en"
    monkeypatch.setenv("LC_ALL", "fr_CA.UTF-8")
    assert i18n.default_language() == "fr"
    monkeypatch.setenv("ACCESSSIM_LANG", "en")
    assert i18n.default_language() == "en"
    with pytest.raises(ValueError, match="unknown language"):
        set_language("de")
    try:
        assert set_language("fr") == "fr"
        assert i18n.language() == "fr"
        with using("en"):
            assert i18n.language() == "en"
        assert i18n.language() == "fr"
    finally:
        set_language(None)


def test_french_numbers_dates_and_currency() -> None:
    with using("fr"):
        assert fmt_eur(12345) == f"12{NNBSP}345{NBSP}€"
        assert fmt_eur(-6.4, signed=True) == f"-6{NBSP}€"
        assert fmt_int(49047) == f"49{NNBSP}047"
        assert pct(0.125) == f"12,5{NNBSP}%"
        assert fmt_value("unscheduled_within_48h_share", 0.8721) == f"87,2{NNBSP}%"
        assert fmt_diff("unscheduled_within_48h_share", 0.036) == f"+3,6{NNBSP}pt"
        assert fmt_ci("wait_planned_mean_days", 7.15, 10.67) == f"[7,15{NBSP}; 10,67]"
        assert fmt_date(dt.date(2026, 1, 1)) == "1er janvier 2026"
        assert fmt_date(dt.date(2026, 3, 2)) == "2 mars 2026"
        assert hours(12.5) == "12 h 30"
        assert metric_label("ed_visits_per_1000").startswith("Passages aux urgences")
    with using("en"):
        assert fmt_eur(12345) == "€12,345"
        assert fmt_int(49047) == "49,047"
        assert pct(0.125) == f"12.5{NBSP}%"
        assert fmt_date(dt.date(2026, 1, 1)) == "1 January 2026"
        assert hours(12.5) == "12:30"


def test_one_reading_for_every_output() -> None:
    """The words of a difference, the same for the CLI, the report and the app."""
    with using("en"):
        assert reading("policy_cost_eur", True, 100.0) == "costs more"
        assert reading("policy_cost_eur", True, -100.0) == "costs less"
        assert reading("ed_visits_per_1000", True, -3.0) == "better"
        assert reading("ed_visits_per_1000", True, 3.0) == "worse"
        assert reading("gp_utilisation", True, 0.1) == "higher"
        assert reading("ed_visits_per_1000", False, -3.0) == "no clear change"
        assert per_unit(-6.2) == "gains and saves €6 per unit"
        assert per_unit(math.nan) == "– (gain not above 0)"
    with using("fr"):
        assert reading("policy_cost_eur", True, 100.0) == "coûte plus"
        assert per_unit(-6.2) == f"gagne et économise 6{NBSP}€ par unité"


def _differences() -> pd.DataFrame:
    rows = [
        ("unscheduled_within_48h_share", 0.872, 0.909, 0.036, 0.018, 0.055, True),
        ("ed_visits_per_1000", 87.37, 67.31, -20.06, -29.48, -10.63, True),
        ("wait_planned_median_days", 5.67, 5.67, 0.0, 0.0, 0.0, False),
        ("patients_without_mt_end", 4860.0, 4860.4, 0.4, -1.2, 2.0, False),
        ("policy_cost_eur", 58390.0, 53775.0, -4615.0, -8462.0, -768.0, True),
    ]
    return pd.DataFrame(
        [
            {
                "alternative": "alt",
                "metric": m,
                "base_mean": b,
                "alt_mean": a,
                "diff": d,
                "low": lo,
                "high": hi,
                "relative": d / b,
                "significant": sig,
                "n": 3,
            }
            for m, b, a, d, lo, hi, sig in rows
        ]
    )


#: Golden French strings of the table of differences (what the CLI, the report and the app show).
GOLDEN_FR = [
    (
        "Soins non programmés vus en 48 h",
        "%",
        "↑ mieux",
        f"87,2{NNBSP}%",
        f"90,9{NNBSP}%",
        f"+3,6{NNBSP}pt",
        f"[+1,8{NNBSP}pt{NBSP}; +5,5{NNBSP}pt]",
        "mieux",
    ),
    (
        "Passages aux urgences",
        "pour 1 000 habitants par an",
        "↓ mieux",
        "87,37",
        "67,31",
        "-20,06",
        f"[-29,48{NBSP}; -10,63]",
        "mieux",
    ),
    (
        "Programmé : délai médian",
        "jours",
        "↓ mieux",
        "5,67",
        "5,67",
        "+0,00",
        f"[+0,00{NBSP}; +0,00]",
        "pas de changement net",
    ),
    (
        "Adultes sans MT",
        "personnes",
        "↓ mieux",
        f"4{NNBSP}860",
        f"4{NNBSP}860",
        "+0",
        f"[-1{NBSP}; +2]",
        "pas de changement net",
    ),
    (
        "Coût des politiques",
        "€",
        "↓ mieux",
        f"58{NNBSP}390",
        f"53{NNBSP}775",
        f"-4{NNBSP}615",
        f"[-8{NNBSP}462{NBSP}; -768]",
        "coûte moins",
    ),
]


def test_golden_french_table_of_differences() -> None:
    metrics = [
        "unscheduled_within_48h_share",
        "ed_visits_per_1000",
        "wait_planned_median_days",
        "patients_without_mt_end",
        "policy_cost_eur",
    ]
    with using("fr"):
        rows = difference_rows(_differences(), "alt", metrics)
    got = [(r.short, r.unit, r.better, r.base, r.alt, r.diff, r.ci, r.reading) for r in rows]
    assert got == GOLDEN_FR


def test_golden_french_cost_table() -> None:
    gains = pd.DataFrame(
        [
            {
                "alternative": "alt",
                "gain": "ed_visits_avoided",
                "description": "ED visit avoided",
                "extra_cost_eur": -4615.0,
                "gain_mean": 377.0,
                "gain_low": 200.0,
                "gain_high": 555.0,
                "eur_per_unit": -12.24,
            }
        ]
    )
    with using("fr"):
        (row,) = cost_rows(gains)
        assert row.description == "passage aux urgences évité"
        assert row.extra_cost == f"-4{NNBSP}615{NBSP}€"
        assert row.gain_ci == f"[200{NBSP}; 555]"
        assert row.per_unit == f"gagne et économise 12{NBSP}€ par unité"
        words = baseline_cost_words(
            {"total": 58390.0, "teleconsultation": 58390.0}, {"teleconsultation": "Télé"}
        )
        assert words.startswith(
            f"Les politiques de la référence coûtent 58{NNBSP}390{NBSP}€ en propre"
        )
        (icer,) = icer_rows(
            gains.assign(
                cost_low=-6000.0,
                cost_high=-3000.0,
                icer=-12.24,
                icer_low=-20.4,
                icer_high=-6.0,
                icer_bounded=True,
                dominance="dominant",
            )
        )
        assert icer.icer == f"économise 12{NBSP}€ par unité"
        assert icer.icer_ci == f"[-20{NBSP}€{NBSP}; -6{NBSP}€]"
        assert icer.case == "meilleur et moins cher (dominant)"
        assert icer.cost_ci == f"[-6{NNBSP}000{NBSP}€{NBSP}; -3{NNBSP}000{NBSP}€]"
    with using("en"):
        assert cost_rows(gains)[0].description == "ED visit avoided"
        (icer,) = icer_rows(gains.assign(dominance="no_clear_effect"))
        assert icer.icer == "– (effect could be 0)"
        assert icer.case == "no clear effect"


def test_error_reasons_in_french() -> None:
    problem = Problem("s.yaml", 3, "gps.count", "input should be greater than or equal to 0")
    with using("fr"):
        assert str(translated(problem)) == (
            "s.yaml:3: gps.count: la valeur doit être supérieure ou égale à 0"
        )
        assert translate_reason("unknown field; did you mean 'count'? (allowed: a, b)") == (
            "champ inconnu ; vouliez-vous dire 'count' ? (champs permis : a, b)"
        )
        assert translate_reason("YAML syntax: duplicate key: x") == (
            "syntaxe YAML : clé en double : x"
        )
        assert translate_reason("something new") == "something new"
    with using("en"):
        assert str(translated(problem)).endswith("greater than or equal to 0")


def test_compiled_catalogue_is_read(tmp_path: Path) -> None:
    """``tools/catalogue.py compile`` (the build hook's function) writes a .mo that gettext
    reads."""
    import gettext
    import shutil

    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "src" / "accesssim" / "locale", locale)
    (mo,) = TOOL.compile_catalogues(locale)
    with mo.open("rb") as fh:
        cat = gettext.GNUTranslations(fh)
    assert cat.gettext("Indicator") == "Indicateur"


@pytest.mark.slow
def test_the_wheel_holds_the_compiled_catalogue(tmp_path: Path) -> None:
    """The wheel built by hatchling (with the build hook) contains the .mo files."""
    pytest.importorskip("hatchling")
    import shutil

    from hatchling.builders.wheel import WheelBuilder

    src = tmp_path / "src-copy"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "*.mo", ".venv", "results", "*.egg-info", ".ruff_cache"
        ),
    )
    builder = WheelBuilder(str(src))
    (wheel,) = list(builder.build(directory=str(tmp_path / "dist"), versions=["standard"]))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert "accesssim/locale/fr/LC_MESSAGES/accesssim.mo" in names
    assert "accesssim/locale/fr/LC_MESSAGES/accesssim.po" in names
