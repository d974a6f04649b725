"""The language of every planner-facing text: English (the source) or French.

Texts are written in English in the code and marked for translation: ``_("text")`` translates
at once, ``N_("text")`` only marks a text kept in a table (a metric label, a policy's name)
that is translated where it is shown, with ``_(value)``. The French texts live in the gettext
catalogue ``accesssim/locale/fr/LC_MESSAGES/accesssim.po``, compiled to ``accesssim.mo`` when
the package is built (``hatch_build.py``; ``python tools/catalogue.py`` updates and compiles
it by hand). Metric, column and field names in files and JSON are stable English identifiers
and are never translated.

The language is, in order: the one set with :func:`set_language` (``--lang fr|en`` on the
command line, the app's language switch), else ``ACCESSSIM_LANG`` (``fr`` or ``en``), else
French when the locale's environment variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) name a
French locale (``fr_FR.UTF-8`` ...), else English. :func:`using` sets it for a block (a thread
or task keeps its own, through a context variable).

With ``ACCESSSIM_STRICT_I18N=1`` (the tests), asking for a French text that the catalogue does
not translate raises :class:`MissingTranslation` instead of falling back to English.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import os
from collections.abc import Iterator
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "MissingTranslation",
    "_",
    "default_language",
    "language",
    "locale_name",
    "ngettext",
    "set_language",
    "source_text",
    "using",
]

DOMAIN = "accesssim"
LANGUAGES: tuple[str, ...] = ("en", "fr")
"""The languages of the outputs: English (the source texts) and French."""

_LANG: ContextVar[str | None] = ContextVar("accesssim_language", default=None)
_GLOBAL: list[str | None] = [None]


class MissingTranslation(LookupError):
    """A text has no French translation (raised only with ``ACCESSSIM_STRICT_I18N=1``)."""


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (translated where shown)."""
    return message


def _check(lang: str) -> str:
    code = lang.strip().lower().replace("-", "_").split("_")[0]
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return code


def default_language() -> str:
    """``ACCESSSIM_LANG`` when set (``fr`` or ``en``), else French when the locale's variables
    name a French locale, else English."""
    forced = os.environ.get("ACCESSSIM_LANG", "").strip()
    if forced:
        return _check(forced)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").strip()
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def language() -> str:
    """The current language code (``"en"`` or ``"fr"``)."""
    return _LANG.get() or _GLOBAL[0] or default_language()


def set_language(lang: str | None) -> str:
    """Set the language of this process (None: back to the locale's); returns the code."""
    code = None if lang is None else _check(lang)
    _GLOBAL[0] = code
    _LANG.set(code)
    return language()


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Use ``lang`` inside the block (None: leave the language as it is)."""
    if lang is None:
        yield language()
        return
    token = _LANG.set(_check(lang))
    try:
        yield language()
    finally:
        _LANG.reset(token)


def locale_name(lang: str | None = None) -> str:
    """The Babel locale of a language: ``fr_FR`` or ``en_GB``."""
    return {"fr": "fr_FR", "en": "en_GB"}[lang or language()]


def _catalogue_dir() -> Path:
    return Path(str(resources.files("accesssim") / "locale"))


@functools.lru_cache(maxsize=8)
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    folder = _catalogue_dir() / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.is_file():  # a source checkout whose catalogue changed since it was compiled
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalogue = read_po(fh, locale=lang, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalogue)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def _strict() -> bool:
    return os.environ.get("ACCESSSIM_STRICT_I18N", "") not in ("", "0")


def _missing(cat: gettext.NullTranslations, key: object) -> bool:
    return _strict() and key not in getattr(cat, "_catalog", {})


def _(message: str) -> str:
    """``message`` in the current language."""
    lang = language()
    if lang == "en" or not message:
        return message
    cat = _translations(lang)
    if _missing(cat, message):
        raise MissingTranslation(f"no {lang} translation of {message!r}")
    return cat.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a text, in the current language."""
    lang = language()
    if lang == "en":
        return singular if n == 1 else plural
    cat = _translations(lang)
    if _missing(cat, (singular, 0)):
        raise MissingTranslation(f"no {lang} translation of {singular!r}")
    return cat.ngettext(singular, plural, n)


@functools.lru_cache(maxsize=8)
def _sources(lang: str) -> dict[str, str]:
    catalogue = getattr(_translations(lang), "_catalog", {})
    return {v: k for k, v in catalogue.items() if isinstance(k, str) and isinstance(v, str)}


def source_text(text: str, lang: str) -> str:
    """The English source of ``text``, a translation into ``lang`` (``text`` itself when it is
    English or not a translation): to show again in another language a text translated once
    (the command line's help, written when the module was imported)."""
    if lang == "en" or not text:
        return text
    return _sources(lang).get(text, text)
