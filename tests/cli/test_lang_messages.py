"""The command line's messages in French: the plausibility warnings, the results directory's
refusals (not empty, same experiment, another experiment, a lock held, --resume with
--overwrite) and the calibration table, with numbers formatted by Babel for the language
(decimal comma, narrow no-break space between thousands and before %); English stays the
default. Errors keep their shape: one line ``FILE[:LINE]: field.path: reason``, exit code 2.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import write_pair

Cli = Callable[..., subprocess.CompletedProcess[str]]

NNBSP = "\u202f"  # Babel's French group separator, and the space before % and units
#: English words a French message never needs.
ENGLISH = re.compile(r"\b(the|and|with|which|this|from|when|each|than|is|are|per|warning)\b")
#: A problem line: FILE[:LINE]: field.path: reason.
PROBLEM = re.compile(r"^[^:\s][^:]*(:\d+)?: [^\s:]+: \S")
WIDE = {"COLUMNS": "300"}

#: 1 GP for 30,000 inhabitants, two communes on one point, a commune without coordinates, a
#: measured period (20 days) shorter than a planned lead time of 30.5 days, a health centre
#: opening 4 days before the end: every kind of warning but "no GP".
ODD = """\
name: odd
territory:
  name: Odd
  communes:
    - {insee: "69001", name: Bourg, population: 16000, lat: 45.80, lon: 4.50}
    - {insee: "69002", name: Hameau, population: 9000, lat: 45.80, lon: 4.50}
    - {insee: "69003", name: Vallon, population: 5000}
calendar: {horizon_days: 40, warmup_days: 20}
gps: {count: 1}
demand: {planned_lead_days: {kind: fixed, value: 30.5}}
policies:
  retirements:
    - {date: 5, count: 3}
  installations:
    - {date: 36, count: 1}
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_pair(tmp_path_factory.mktemp("messages"))
    (folder / "odd.yaml").write_text(ODD, encoding="utf-8")
    return folder


def test_plausibility_warnings_in_french(cli: Cli, work: Path) -> None:
    proc = cli("validate", "odd.yaml", "--lang", "fr", cwd=work, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 6, lines
    assert all(re.match(r"^odd\.yaml:\d+: avertissement : [\w.]+: \S", line) for line in lines)
    err = proc.stderr
    for text in (
        # the density, 30,000 inhabitants grouped by Babel
        f"odd.yaml:9: avertissement : gps.count: médecins généralistes : 1 pour 30{NNBSP}000 "
        "habitants, soit 3 pour 100 000 habitants, en dessous de la plage plausible 25-250",
        "3 départ(s) en retraite de généralistes pour 2 généraliste(s) sur le territoire",
        "la commune 69003 Vallon n'a pas de coordonnées",
        "la commune 69002 Hameau a le même point que territory.communes.0 (69001 Bourg)",
        # the lead time with a decimal comma
        "20 jours mesurés (horizon_days 40 - warmup_days 20), c'est moins que le plus long "
        "délai de prise de rendez-vous programmé (30,5 jours",
        # the share of the measured period with a narrow no-break space before %
        "l'installation commence au jour 36, 4 jours avant la fin de l'horizon : seuls 4 des "
        f"20 jours mesurés sont concernés (moins de 25{NNBSP}%)",
    ):
        assert text in err, text
    assert ENGLISH.findall(err.replace("horizon_days", "").replace("warmup_days", "")) == []

    # --strict: the same, as errors of the usual shape, exit code 2
    strict = cli("validate", "odd.yaml", "--lang", "fr", "--strict", cwd=work, timeout=120)
    assert strict.returncode == 2
    assert "Traceback" not in strict.stderr
    lines = strict.stderr.splitlines()
    assert len(lines) == 6, lines
    assert all(PROBLEM.match(line) for line in lines), lines
    assert all(line.endswith("(un avertissement, une erreur avec --strict)") for line in lines)
    assert lines[0].startswith("odd.yaml:9: gps.count: médecins généralistes : 1 pour 30")


def test_plausibility_warnings_stay_english_by_default(cli: Cli, work: Path) -> None:
    proc = cli("validate", "odd.yaml", cwd=work, timeout=120)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "odd.yaml:9: warning: gps.count: 1 GPs for 30,000 inhabitants is 3 per 100,000" in err
    assert "longest planned lead time (30.5 days" in err
    assert "(under 25\u00a0%)" in err
    assert "avertissement" not in err


def _run(cli: Cli, work: Path, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ("run", "base.yaml", "-r", "2", "--executor", "serial", "--out", out, *extra)
    return cli(*args, cwd=work, timeout=180)


def _one_problem(proc: subprocess.CompletedProcess[str]) -> str:
    """The single problem line of a refusal (exit code 2, no traceback)."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    assert PROBLEM.match(lines[0]), lines[0]
    return lines[0]


def test_results_directory_refusals_in_french(cli: Cli, work: Path) -> None:
    assert _run(cli, work, "d").returncode == 0
    same = _one_problem(_run(cli, work, "d", "--lang", "fr"))
    assert same == (
        "d: --out: contient les résultats de cette même expérience : ajoutez --resume pour la "
        "poursuivre, ou --overwrite pour recommencer"
    )
    other = _one_problem(_run(cli, work, "d", "--seed", "3", "--lang", "fr"))
    assert other.startswith("d: --out: n'est pas vide : il contient les résultats d'une autre")
    assert "Les résultats ne sont jamais mélangés" in other
    resumed = _one_problem(_run(cli, work, "d", "--seed", "3", "--resume", "--lang", "fr"))
    assert resumed.startswith("d: --out: contient une expérience run dont les simulations")
    assert "--resume ne poursuit que la même expérience" in resumed
    both = _one_problem(_run(cli, work, "d", "--resume", "--overwrite", "--lang", "fr"))
    assert both == "--resume: --overwrite: --resume et --overwrite s'excluent"

    (work / "notes").mkdir()
    (work / "notes" / "todo.txt").write_text("mine\n", encoding="utf-8")
    foreign = _one_problem(_run(cli, work, "notes", "--overwrite", "--lang", "fr"))
    assert foreign.startswith("notes: --out: contient des fichiers qu'accesssim n'a pas écrits")
    (work / "plain-file").write_text("", encoding="utf-8")
    not_dir = _one_problem(_run(cli, work, "plain-file", "--lang", "fr"))
    assert not_dir == "plain-file: --out: existe et n'est pas un dossier"
    for line in (same, other, resumed, foreign):
        assert ENGLISH.findall(line) == [], line


def test_a_held_lock_is_refused_in_french(cli: Cli, work: Path) -> None:
    folder = work / "locked"
    folder.mkdir()
    fd = os.open(folder / ".accesssim.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242 node-7\n")
        french = _one_problem(_run(cli, work, "locked", "--lang", "fr"))
        english = _one_problem(_run(cli, work, "locked"))
    finally:
        os.close(fd)
    assert french == (
        "locked: --out: un autre processus accesssim (pid 4242 sur node-7) écrit dans ce "
        "dossier : attendez qu'il se termine, ou utilisez un autre --out"
    )
    assert english.startswith("locked: --out: another accesssim process (pid 4242 on node-7)")


def test_results_directory_refusals_stay_english_by_default(cli: Cli, work: Path) -> None:
    assert _run(cli, work, "e").returncode == 0
    line = _one_problem(_run(cli, work, "e"))
    assert line.startswith("e: --out: holds results of this same experiment: add --resume")


def test_calibration_table_in_french(cli: Cli, work: Path) -> None:
    args = ("calibrate", "--france", "base.yaml", "--lyon", "base.yaml", "-r", "2")
    proc = cli(*args, "--executor", "serial", "--lang", "fr", cwd=work, env=WIDE, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr  # 1: a target missed (a tiny territory)
    out = proc.stdout
    for text in (
        "Calibrage : 2 réplications, graine 0",
        "Actes de médecine générale par habitant et par an (base)",
        "3,3 (2022) à environ 3,7 (2023)",
        "3,30 à 3,70",  # Babel: decimal comma
        f"4{NNBSP}600 à 5{NNBSP}400",  # Babel: grouped thousands
        f"10,0{NNBSP}% à 12,0{NNBSP}%",
        "Adultes sans médecin traitant (France entière) (base)",
        "Passages aux urgences, toutes causes, pour 1 000 habitants par an (base)",
        "Part des téléconsultations dans l'activité des généralistes (base)",
    ):
        assert text in out, text
    assert re.search(r"\[\d+,\d\d\u00a0; \d+,\d\d\]", out)  # a French interval
    assert re.search(r"\b(oui|non)\b", out)
    assert "GP acts per inhabitant" not in out
    assert ENGLISH.findall(out) == []

    english = cli(*args, "--executor", "serial", cwd=work, env=WIDE, timeout=300)
    assert english.returncode in (0, 1), english.stderr
    assert "GP acts per inhabitant per year (base)" in english.stdout
    assert "4,600 to 5,400" in english.stdout
    assert "10.0 % to 12.0 %" in english.stdout


def test_help_follows_lang(cli: Cli) -> None:
    """``--lang`` translates the help too (its texts are written when the module loads, in the
    locale's language, before ``--lang`` is read), before or after the command's name."""
    for args in (("--lang", "fr", "run", "--help"), ("run", "--lang", "fr", "--help")):
        proc = cli(*args, env=WIDE, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "Simuler des réplications d'un scénario" in proc.stdout
        assert "Réplications (simulations indépendantes)." in proc.stdout
        assert "Poursuivre la même expérience dans --out" in proc.stdout
        assert "Replications (independent runs)" not in proc.stdout
    listing = cli("--lang", "fr", "--help", env=WIDE, timeout=60)
    assert "Chercher les meilleures combinaisons de leviers" in listing.stdout
    english = cli("run", "--help", env=WIDE, timeout=60)
    assert "Replications (independent runs)." in english.stdout
    # A French locale, and --lang en: the help written in French goes back to English.
    french_locale = {**WIDE, "ACCESSSIM_LANG": "", "LC_ALL": "", "LANG": "fr_FR.UTF-8"}
    back = cli("--lang", "en", "territory", "--help", env=french_locale, timeout=60)
    assert "INSEE codes or names of communes." in back.stdout
    assert "Codes INSEE" not in back.stdout
    assert (
        "Codes INSEE ou noms de communes." in cli("territory", "--help", env=french_locale).stdout
    )
