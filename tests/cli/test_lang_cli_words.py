"""The command line's own words (Typer's and Click's) follow ``--lang``: the help's panels,
"[default: ...]", "[required]", the usage line, the help option, and the usage errors (exit
code 2). ``--lang`` is read before ``--help`` wherever it stands. English stays the default
and is Typer's own output, unchanged, even after a French command in the same process.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest
import typer.rich_utils
from typer.testing import CliRunner

from accesssim import cli_i18n
from accesssim.cli import app
from accesssim.cli_i18n import ERROR_TEMPLATES, language_in_args, translate_error
from accesssim.i18n import using

Cli = Callable[..., subprocess.CompletedProcess[str]]
WIDE = {"COLUMNS": "200"}
#: Typer's and Click's English words that a French help or error never shows.
ENGLISH = (
    "Usage:",
    "[default:",
    "[required]",
    "Show this message and exit.",
    "Commands",
    "─ Error ",
    "for help.",
    "No such option",
    "Invalid value",
    "Missing argument",
    "unexpected extra",
    "No such command",
)


@pytest.mark.parametrize("where", ["first", "last"])
def test_help_in_french_whatever_the_order(cli: Cli, where: str) -> None:
    args = ("--lang", "fr", "run", "--help") if where == "first" else ("run", "--help")
    args = args if where == "first" else (*args, "--lang", "fr")
    proc = cli(*args, env=WIDE, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"Utilisation : \S.* run \[OPTIONS\] \{SCENARIO\}", out)
    assert "─ Arguments ─" in out
    assert "─ Options ─" in out
    assert "Réplications (simulations indépendantes). [par défaut : 5]" in out
    assert "[obligatoire]" in out
    assert "Afficher cette aide et quitter." in out
    assert [w for w in ENGLISH if w in out] == []
    listing = cli("--help", "--lang", "fr", env=WIDE, timeout=60).stdout
    assert "─ Commandes ─" in listing
    assert "[OPTIONS] COMMAND [ARGS]..." in listing
    assert "Utilisation : " in listing


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (("run", "--bogus"), "Option inconnue : --bogus (options possibles : --out)"),
        (
            ("run", "x.yaml", "--replications", "0"),
            "Valeur invalide pour '--replications' / '-r' : la valeur doit être supérieure ou "
            "égale à 1",
        ),
        (("run",), "Argument manquant : 'SCENARIO'."),
        (("run", "a.yaml", "b.yaml"), "Argument(s) en trop : (b.yaml)"),
        (("bogus",), "Commande inconnue : 'bogus'."),
        (("run", "x.yaml", "--auto=3"), "L'option '--auto' ne prend pas de valeur."),
    ],
)
def test_usage_errors_in_french(cli: Cli, args: tuple[str, ...], french: str) -> None:
    proc = cli(*args, "--lang", "fr", env=WIDE, timeout=60)
    assert proc.returncode == 2
    assert french in proc.stderr
    assert "─ Erreur ─" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert [w for w in ENGLISH if w in proc.stderr] == []


def test_a_french_locale_gives_french_errors_and_lang_en_english(cli: Cli) -> None:
    french = {**WIDE, "ACCESSSIM_LANG": "", "LC_ALL": "", "LANG": "fr_FR.UTF-8"}
    proc = cli("run", "--bogus", env=french, timeout=60)
    assert proc.returncode == 2
    assert "Option inconnue : --bogus" in proc.stderr
    proc = cli("run", "--bogus", "--lang", "en", env=french, timeout=60)
    assert proc.returncode == 2
    assert "No such option: --bogus" in proc.stderr
    assert re.search(r"Usage: \S.* run \[OPTIONS\]", proc.stderr)
    assert "─ Error ─" in proc.stderr


def test_english_is_typers_own_output_even_after_french() -> None:
    """In one process: the English help and error before and after a French command are the
    same bytes, with Typer's own words (its constants back to their values)."""
    runner = CliRunner()
    env = {"COLUMNS": "120", "ACCESSSIM_LANG": "en"}

    def both() -> tuple[str, str]:
        helped = runner.invoke(app, ["run", "--help"], env=env)
        failed = runner.invoke(app, ["run", "--bogus"], env=env)
        assert helped.exit_code == 0
        assert failed.exit_code == 2
        return helped.output, failed.output

    before = both()
    french = runner.invoke(app, ["run", "--bogus", "--lang", "fr"], env=env)
    assert french.exit_code == 2
    assert "Option inconnue" in french.output
    after = runner.invoke(app, ["run", "--help", "--lang", "en"], env=env)
    assert after.output == before[0]
    assert both() == before
    helped, failed = before
    assert "Usage: accesssim run [OPTIONS]" in helped
    assert "[default: 5]" in helped
    assert "[required]" in helped
    assert "Show this message and exit." in helped
    assert "No such option: --bogus" in failed
    assert "Try 'accesssim run --help' for help." in failed
    for name, text in cli_i18n.TYPER_WORDS.items():
        assert getattr(typer.rich_utils, name) == text  # Typer's own, unchanged


def test_every_error_template_is_translated_and_keeps_its_values() -> None:
    for template in ERROR_TEMPLATES:
        names = [part.split("}")[0] for part in template.split("{")[1:]]
        values = {n: f"<{n}{i}>" for i, n in enumerate(names)}
        english = template.format(**values)
        with using("en"):
            assert translate_error(english) == english
        with using("fr"):
            french = translate_error(english)
        assert french != english, template
        assert all(v in french for v in values.values()), (template, french)


def test_a_reason_inside_an_error_is_translated() -> None:
    with using("fr"):
        text = translate_error(
            "Invalid value for '--seed': Input should be a valid integer, unable to parse "
            "string as an integer"
        )
        unknown = translate_error("Invalid value for '--lang': fr, en")
        other = translate_error("something Typer may say one day")
    assert text.startswith("Valeur invalide pour '--seed' : ")
    assert "Input" not in text
    assert unknown == "Valeur invalide pour '--lang' : fr, en"
    assert other == "something Typer may say one day"


@pytest.mark.parametrize(
    ("args", "lang"),
    [
        (["run", "--help", "--lang", "fr"], "fr"),
        (["--lang=fr", "run"], "fr"),
        (["--lang", "fr", "run", "--lang", "en"], "en"),
        (["--lang", "FR_fr"], "fr"),
        (["run", "--lang", "de"], None),
        (["run", "--", "--lang", "fr"], None),
        (["run", "--lang"], None),
        (["run"], None),
    ],
)
def test_lang_is_read_before_parsing(args: list[str], lang: str | None) -> None:
    assert language_in_args(args) == lang
