"""The French message catalogue: extract the marked texts, update the catalogue, compile it.

    python tools/catalogue.py update    # sources -> locale/fr/LC_MESSAGES/accesssim.po
    python tools/catalogue.py compile   # .po -> .mo (the package build does this too)
    python tools/catalogue.py check     # exit 1 when a marked text has no French translation

Texts are marked in the code with ``_("...")``, ``N_("...")`` and ``ngettext(...)`` (see
accesssim/i18n.py); the report's template gets its words from report/build.py. ``update``
keeps every existing translation, adds new texts with an empty translation and drops texts no
longer in the sources. Translate the new entries (``msgstr``) by hand, then ``compile``. The
wheel build compiles the catalogue through ``hatch_build.py``, with the same function.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "accesssim"
LOCALE = PACKAGE / "locale"
DOMAIN = "accesssim"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> object:
    """Every marked text of the package (the report's template gets its words from
    report/build.py, so Python modules are all there is)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="accesssim", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(f"src/accesssim/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def po_path(lang: str = "fr") -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str = "fr") -> object:
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def update(lang: str = "fr") -> int:
    """Merge the extracted texts into the catalogue; returns how many lack a translation."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract()
    path = po_path(lang)
    if path.is_file():
        catalog = read(lang)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, project="accesssim", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False, include_lineno=False)
    return len(missing(lang))


def missing(lang: str = "fr") -> list[str]:
    """Marked texts with no (or a fuzzy) translation in the catalogue."""
    catalog = read(lang)
    out = []
    for msg in extract():
        if not msg.id:
            continue
        have = catalog.get(msg.id)
        text = have.string if have is not None else None
        ok = all(text) if isinstance(text, tuple | list) else bool(text)
        if have is None or not ok or have.fuzzy:
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return out


def compile_catalogues(locale_dir: Path = LOCALE) -> list[Path]:
    """Compile every ``.po`` under ``locale_dir`` to its ``.mo``; returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "update":
        n = update()
        print(f"{po_path()}: {n} text(s) to translate")
        return 0
    if cmd == "compile":
        for mo in compile_catalogues():
            print(mo)
        return 0
    if cmd == "check":
        lacking = missing()
        for text in lacking:
            print(f"no French translation: {text!r}")
        return 1 if lacking else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
