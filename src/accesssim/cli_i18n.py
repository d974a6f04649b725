"""The command line's own words in the current language: Typer's and Click's, not only ours.

The help and the errors of the command line are laid out by Typer (its bundled Click): the
panels' titles ("Options", "Commands"), "[default: 10]", "[required]", "Usage: ", "Show this
message and exit.", "No such option: --x", "Invalid value for '--seed': ...". Typer keeps the
words of its rich layout in module constants (``typer.rich_utils.OPTIONS_PANEL_TITLE`` ...) that
a program may set, and marks a few texts of ``typer.core`` with ``gettext`` (imported as ``_``);
the rest (the usage line, the help option, the usage errors) are written in English in its
Click. Here:

* :data:`TYPER_WORDS` lists Typer's constants with their English texts, marked with ``N_`` so
  that ``tools/catalogue.py`` extracts them; :func:`apply_language` sets them to the current
  language's texts (and back to Typer's own values in English);
* ``typer.core``'s ``_`` is routed through the catalogue for the texts of :data:`CORE_TEXTS`
  only (any other text goes to ``gettext`` as before);
* :class:`LocalisedGroup` and :class:`LocalisedCommand` write the usage line and the help
  option in the current language, and translate a usage error's message when it is shown,
  with the English templates of :data:`ERROR_TEMPLATES` (``{name}`` stands for any text; a
  pydantic reason inside is translated with :func:`accesssim.scenario.errors.translate_reason`);
* :func:`localise_help` writes again in the current language the help texts of the commands
  and options (written when the module was imported, before ``--lang`` was read), and
  :func:`language_in_args` reads ``--lang`` before the command line is parsed, so that
  ``accesssim run --help --lang fr`` is in French although ``--help`` comes first.

In English nothing changes: Typer's constants keep their own values and no message is rewritten,
so the English output is Typer's, byte for byte.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Sequence
from typing import Any

import typer.core
import typer.rich_utils
from typer._click.exceptions import UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from accesssim.i18n import LANGUAGES, N_, MissingTranslation, _, language, source_text

__all__ = [
    "CORE_TEXTS",
    "ERROR_TEMPLATES",
    "TYPER_WORDS",
    "LocalisedCommand",
    "LocalisedGroup",
    "apply_language",
    "language_in_args",
    "localise_help",
    "translate_error",
]

#: Typer's constants of its rich layout and their English texts (Typer 0.29's values).
TYPER_WORDS: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
#: Typer's own values, kept to put them back in English.
_TYPER_OWN: dict[str, str] = {name: getattr(typer.rich_utils, name) for name in TYPER_WORDS}
_HIGHLIGHTS: list[str] = list(typer.rich_utils.OptionHighlighter.highlights)

#: The texts ``typer.core`` passes to ``gettext`` that the catalogue translates.
CORE_TEXTS: frozenset[str] = frozenset(
    {
        N_("Aborted!"),
        N_("Missing command."),
        N_("No such command {name!r}."),
        N_("(dynamic)"),
        N_("default: {default}"),
        N_("env var: {var}"),
        N_("required"),
        N_("Arguments"),
        N_("Options"),
        N_("Commands"),
    }
)

USAGE = N_("Usage: ")
HELP_OPTION = N_("Show this message and exit.")

#: Click's usage errors as Typer's Click writes them (``{name}`` stands for any text); the
#: first template that matches the whole message is used (the longer ones come first).
ERROR_TEMPLATES: tuple[str, ...] = (
    N_("Invalid value for {hint}: {reason}"),
    N_("Invalid value: {reason}"),
    N_("Missing argument {hint}. {reason}"),
    N_("Missing argument {hint}."),
    N_("Missing option {hint}. {reason}"),
    N_("Missing option {hint}."),
    N_("Missing parameter {hint}. {reason}"),
    N_("Missing parameter {hint}."),
    N_("No such option: {name} (Possible options: {options})"),
    N_("No such option: {name}"),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Option {name} requires an argument."),
    N_("Option {name} requires {n} arguments."),
    N_("Option {name} does not take a value."),
    N_("Argument {name} takes {n} values."),
    N_("Value {value} is not a valid {kind}."),
    N_("{value} is not one of {choices}."),
    N_("File {name} does not exist."),
    N_("Directory {name} does not exist."),
    N_("Path {name} does not exist."),
    N_("File {name} is a directory."),
    N_("Path {name} is a directory."),
    N_("Directory {name} is a file."),
    N_("Path {name} is a file."),
)
#: The parts of a template that hold a reason (translated in turn).
_REASONS = ("reason",)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", template)
    names = re.findall(r"\{(\w+)\}", template)
    body = "".join(
        re.escape(part) + (f"(?P<{names[i]}>.+?)" if i < len(names) else "")
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{body}$", re.DOTALL)


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (t, _pattern(t)) for t in ERROR_TEMPLATES
)


def _reason(text: str) -> str:
    """A reason inside an error: one of Click's, or one of pydantic's ("Input should be ...",
    translated through the scenario loader's templates, which write it in lower case)."""
    out = translate_error(text)
    if out != text:
        return out
    from accesssim.scenario.errors import translate_reason

    lowered = text[:1].lower() + text[1:]
    out = translate_reason(lowered)
    return out if out != lowered else text


def translate_error(message: str) -> str:
    """A usage error's message in the current language (as it is when no template matches)."""
    if language() == "en" or not message:
        return message
    for template, pattern in _PATTERNS:
        m = pattern.match(message)
        if m is not None:
            values = {k: _reason(v) if k in _REASONS else v for k, v in m.groupdict().items()}
            return _(template).format(**values)
    return message


def _core_gettext(message: str) -> str:
    """``typer.core``'s ``_``: the catalogue for the texts of :data:`CORE_TEXTS`."""
    return _(message) if message in CORE_TEXTS else gettext.gettext(message)


def apply_language() -> str:
    """Set Typer's words to the current language; returns the language's code."""
    lang = language()
    french = lang != "en"
    for name, text in TYPER_WORDS.items():
        setattr(typer.rich_utils, name, _(text) if french else _TYPER_OWN[name])
    typer.core._ = _core_gettext if french else gettext.gettext  # type: ignore[attr-defined]
    highlights = list(_HIGHLIGHTS)
    if french:
        highlights.append(f"(?P<usage>{re.escape(_(USAGE))})")
    typer.rich_utils.OptionHighlighter.highlights = highlights
    return lang


def language_in_args(args: Sequence[str]) -> str | None:
    """The language given with ``--lang`` (``--lang fr``, ``--lang=fr``) on a command line, the
    last one wins; None when there is none or it is not a known language (the option's own
    check then reports it)."""
    found = None
    words = list(args)
    for i, word in enumerate(words):
        if word == "--":
            break
        value = None
        if word == "--lang" and i + 1 < len(words):
            value = words[i + 1]
        elif word.startswith("--lang="):
            value = word.partition("=")[2]
        if value is not None:
            code = value.strip().lower().replace("-", "_").split("_")[0]
            found = code if code in LANGUAGES else found
    return found


#: The language the help texts of the commands are in: the one of the import of cli.py (which
#: imports this module first), then the last one :func:`localise_help` wrote them in.
_HELP_LANGUAGE: list[str] = [language()]


def localise_help(root: Any) -> None:
    """Write again in the current language the help of every command and option of ``root``:
    they were translated when the module was imported, before ``--lang`` was read."""
    written = _HELP_LANGUAGE[0]

    def again(text: str | None) -> str | None:
        if not text:
            return text
        try:
            return _(source_text(text, written))
        except MissingTranslation:  # a text with no translation: left as it is
            return text

    for command in [root, *getattr(root, "commands", {}).values()]:
        command.help = again(command.help)
        for param in command.params:
            if getattr(param, "help", None):
                param.help = again(param.help)
    _HELP_LANGUAGE[0] = language()


def _translated(exc: UsageError) -> UsageError:
    """``exc`` showing its message in the current language (once)."""
    if language() == "en" or getattr(exc, "_accesssim_translated", False):
        return exc
    english = exc.format_message
    exc.format_message = lambda: translate_error(english())  # type: ignore[method-assign]
    exc._accesssim_translated = True  # type: ignore[attr-defined]
    return exc


class _Localised:
    """The usage line and the help option in the current language."""

    def format_usage(self, ctx: Any, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_(USAGE))

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _(HELP_OPTION)
        return option


class LocalisedCommand(_Localised, TyperCommand):
    """A command whose usage line and help option follow the language."""


class LocalisedGroup(_Localised, TyperGroup):
    """The command line's root: reads ``--lang`` first, sets Typer's words to the language, and
    shows usage errors in it."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        if parent is None:
            from accesssim.i18n import set_language

            lang = language_in_args(args)
            if lang is not None:
                set_language(lang)
            apply_language()
            localise_help(self)
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            _translated(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            _translated(exc)
            raise
