"""The command line in French: tables a planner reads (labels with units, the better direction,
readings in words, wrapped and never cut at 80 columns), messages and error reasons; French by
default under a French locale, ``--lang`` overrides; JSON and CSV keep the English identifiers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TINY = """\
name: tiny
territory:
  name: Petite CPTS
  communes:
    - {insee: "69001", name: Bourg, population: 1600, lat: 45.80, lon: 4.50}
    - {insee: "69002", name: Hameau, population: 900, lat: 45.76, lon: 4.44}
calendar: {horizon_days: 90, warmup_days: 28}
gps: {count: 3}
policies:
  teleconsultation: {platform_daily_capacity: 2}
"""

ROTA = """\
extends: tiny.yaml
name: tiny-rota
policies:
  unscheduled_slots: {reserved_share: 0.25, shared_rota: true, rota_cost_per_year_eur: 5000}
"""

#: English words a French table or message never needs.
ENGLISH = re.compile(r"\b(the|and|with|which|this|from|when|each|than|of|to|is|are|per)\b")


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    full["COLUMNS"] = "80"
    return subprocess.run(
        [sys.executable, "-m", "accesssim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lang")
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (root / "tiny-rota.yaml").write_text(ROTA, encoding="utf-8")
    return root


RUN = ("run", "tiny.yaml", "--replications", "2", "--executor", "serial")


def test_run_table_in_french_at_80_columns(work: Path) -> None:
    proc = _run(*RUN, "--lang", "fr", cwd=work)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    for text in ("Indicateur", "Moyenne", "IC 95 %", "Unité", "jours", "↑ plus haut est mieux"):
        assert text in out, text
    assert "Passages aux urgences" in out
    assert re.search(r"\d,\d\d", out)  # a decimal comma
    assert "wait_planned_mean_days" not in out  # labels, not identifiers
    assert ENGLISH.findall(out.replace("tiny", "")) == []
    assert "mise en route" in proc.stderr  # the advice, in French too
    assert ENGLISH.findall(proc.stderr) == []


def test_french_by_default_under_a_french_locale(work: Path) -> None:
    env = {"ACCESSSIM_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}
    french = _run(*RUN, cwd=work, env=env)
    assert french.returncode == 0, french.stderr
    assert "Indicateur" in french.stdout
    english = _run(*RUN, "--lang", "en", cwd=work, env=env)
    assert english.returncode == 0, english.stderr
    assert "Indicator" in english.stdout
    assert "Indicateur" not in english.stdout


def test_json_and_csv_keep_the_identifiers(work: Path) -> None:
    fr = _run(*RUN, "--format", "json", "--lang", "fr", cwd=work)
    en = _run(*RUN, "--format", "json", "--lang", "en", cwd=work)
    assert fr.returncode == 0, fr.stderr
    assert json.loads(fr.stdout) == json.loads(en.stdout)
    csv_fr = _run(*RUN, "--format", "csv", "--lang", "fr", cwd=work)
    csv_en = _run(*RUN, "--format", "csv", "--lang", "en", cwd=work)
    assert csv_fr.stdout == csv_en.stdout
    assert csv_fr.stdout.startswith("metric,mean,low,high")


def test_compare_in_french_explains_the_baseline_cost(work: Path) -> None:
    proc = _run("compare", "tiny.yaml", "tiny-rota.yaml", "--replications", "2",
                "--executor", "serial", "--lang", "fr", cwd=work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    for text in (
        "tiny-rota face à tiny : différences appariées, 2 réplications, graine 0",
        "Indicateur (unité)",
        "Différence [IC 95 %]",
        "Lecture",
        "Coût par unité de gain",
        "Le coût des politiques de la référence",  # today's teleconsultation, explained
        "Téléconsultation",
    ):
        assert text in out, text
    readings = {"mieux", "moins bien", "pas de", "plus haut", "plus bas", "coûte"}
    assert any(r in out for r in readings)
    assert ENGLISH.findall(out.replace("tiny", "")) == []


def test_errors_in_french(work: Path) -> None:
    (work / "bad.yaml").write_text("name: bad\ngps: {count: -2}\npolicy: {}\n", encoding="utf-8")
    proc = _run("validate", "bad.yaml", "--lang", "fr", cwd=work)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.yaml:2: gps.count: la valeur doit être supérieure ou égale à 0" in proc.stderr
    assert "bad.yaml:3: policy: champ inconnu" in proc.stderr
    wrong = _run("validate", "bad.yaml", "--lang", "de", cwd=work)
    assert wrong.returncode == 2
    assert "--lang" in wrong.stderr
