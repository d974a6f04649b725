"""Scenario discovery's words in the language (the PRIM box's conditions, the thresholds),
while ``discovery.json`` keeps its English words; and a results directory's refusals of an
unknown kind of results, whose English text the French catalogue must match.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from accesssim.experiment.discover import box_words, threshold_words
from accesssim.experiment.sweep import Threshold
from accesssim.i18n import using
from accesssim.report.results import load_results
from accesssim.scenario.errors import InputError, translated

LIMITS = {"retirement": [0.123456, 0.5], "replacement": [None, 0.75], "tele": [2.5, math.inf]}
FACTORS = {"mode": {"levels": ["none", "some", "all"]}}


def test_box_words_in_english_are_the_stored_words() -> None:
    with using("en"):
        words = box_words(LIMITS)
        levels = box_words({"mode": [1.0, 2.0]}, FACTORS)
    assert words == (
        "retirement is between 0.123 and 0.5 and replacement is below 0.75 and tele is above 2.5"
    )
    assert levels == "mode is some or all"


def test_box_words_in_french() -> None:
    with using("fr"):
        words = box_words(LIMITS)
        levels = box_words({"mode": [None, 1.0]}, FACTORS)
    assert words == (
        "retirement est entre 0,123 et 0,5 et replacement est en dessous de 0,75 et tele est "
        "au-dessus de 2,5"
    )
    assert levels == "mode vaut none ou some"
    assert box_words({}) == ""


def test_thresholds_in_words() -> None:
    low = Threshold(metric="mt_coverage_end", min=0.88)
    high = {"metric": "wait_planned_mean_days", "min": None, "max": 12.0}
    with using("en"):
        assert threshold_words(low) == "mt_coverage_end >= 0.88" == low.text()
        assert threshold_words(high) == "wait_planned_mean_days <= 12"
    with using("fr"):
        french = threshold_words(low), threshold_words(high)
    assert french[0] == "Adultes avec un MT ≥ 88,0\u202f%"
    assert french[1] == "Programmé : délai moyen ≤ 12,00"
    assert all(">=" not in t and "<=" not in t and "0.88" not in t for t in french)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_unknown_kind_of_results_is_refused_in_the_language(tmp_path: Path, lang: str) -> None:
    (tmp_path / "experiment.json").write_text(json.dumps({"kind": "banana"}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_results(tmp_path)
    (problem,) = caught.value.problems
    with using(lang):
        reason = translated(problem).reason
    if lang == "en":
        assert reason == (
            "unknown kind of results 'banana' (expected run, compare, sweep or optimise)"
        )
    else:
        assert reason == (
            "nature de résultats inconnue 'banana' (run, compare, sweep ou optimise attendu)"
        )
