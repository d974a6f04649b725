"""The command line in French: tables a planner reads (labels with units, the better direction,
readings in words, wrapped and never cut at 80 columns), messages and error reasons; French by
default under a French locale, ``--lang`` overrides; JSON and CSV keep the English identifiers.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import write_pair

#: English words a French table or message never needs.
ENGLISH = re.compile(r"\b(the|and|with|which|this|from|when|each|than|of|to|is|are|per)\b")


COLUMNS_80 = {"COLUMNS": "80"}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pair(tmp_path_factory.mktemp("lang"))


Cli = Callable[..., subprocess.CompletedProcess[str]]

RUN = ("run", "base.yaml", "--replications", "2", "--executor", "serial")


def test_run_table_in_french_at_80_columns(cli: Cli, work: Path) -> None:
    proc = cli(*RUN, "--lang", "fr", cwd=work, env=COLUMNS_80, timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    for text in ("Indicateur", "Moyenne", "IC 95 %", "Unité", "jours", "↑ plus haut est mieux"):
        assert text in out, text
    assert "Passages aux urgences" in out
    assert re.search(r"\d,\d\d", out)  # a decimal comma
    assert "wait_planned_mean_days" not in out  # labels, not identifiers
    assert ENGLISH.findall(out.replace("tiny-territory", "")) == []
    assert "mise en route" in proc.stderr  # the advice, in French too
    assert ENGLISH.findall(proc.stderr) == []


def test_french_by_default_under_a_french_locale(cli: Cli, work: Path) -> None:
    env = {"ACCESSSIM_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}
    french = cli(*RUN, cwd=work, env={**COLUMNS_80, **env}, timeout=180)
    assert french.returncode == 0, french.stderr
    assert "Indicateur" in french.stdout
    english = cli(*RUN, "--lang", "en", cwd=work, env={**COLUMNS_80, **env}, timeout=180)
    assert english.returncode == 0, english.stderr
    assert "Indicator" in english.stdout
    assert "Indicateur" not in english.stdout


def test_json_and_csv_keep_the_identifiers(cli: Cli, work: Path) -> None:
    fr = cli(*RUN, "--format", "json", "--lang", "fr", cwd=work, env=COLUMNS_80, timeout=180)
    en = cli(*RUN, "--format", "json", "--lang", "en", cwd=work, env=COLUMNS_80, timeout=180)
    assert fr.returncode == 0, fr.stderr
    assert json.loads(fr.stdout) == json.loads(en.stdout)
    csv_fr = cli(*RUN, "--format", "csv", "--lang", "fr", cwd=work, env=COLUMNS_80, timeout=180)
    csv_en = cli(*RUN, "--format", "csv", "--lang", "en", cwd=work, env=COLUMNS_80, timeout=180)
    assert csv_fr.stdout == csv_en.stdout
    assert csv_fr.stdout.startswith("metric,mean,low,high")


def test_compare_in_french_explains_the_baseline_cost(cli: Cli, work: Path) -> None:
    args = ["compare", "base.yaml", "alt.yaml", "--replications", "2", "--executor", "serial"]
    proc = cli(*args, "--lang", "fr", cwd=work, env=COLUMNS_80, timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    for text in (
        "alt face à base : différences appariées, 2 réplications, graine 0",
        "Indicateur (unité)",
        "Différence [IC 95 %]",
        "Lecture",
        "efficience par rapport à la référence",
        "surcoût par poste et par année",
        "Les politiques de la référence ne coûtent rien en propre",  # today's, explained
        "téléconsultations par une plateforme",
    ):
        assert text in out, text
    readings = {"mieux", "moins bien", "pas de", "plus haut", "plus bas", "coûte"}
    assert any(r in out for r in readings)
    assert ENGLISH.findall(out) == []


def test_errors_in_french(cli: Cli, work: Path) -> None:
    (work / "bad.yaml").write_text("name: bad\ngps: {count: -2}\npolicy: {}\n", encoding="utf-8")
    proc = cli("validate", "bad.yaml", "--lang", "fr", cwd=work, env=COLUMNS_80, timeout=180)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.yaml:2: gps.count: la valeur doit être supérieure ou égale à 0" in proc.stderr
    assert "bad.yaml:3: policy: champ inconnu" in proc.stderr
    wrong = cli("validate", "bad.yaml", "--lang", "de", cwd=work, env=COLUMNS_80, timeout=180)
    assert wrong.returncode == 2
    assert "--lang" in wrong.stderr
