"""What ``accesssim territory`` does: select communes, add GPs and today's practice, write YAML.

Communes are selected from the packaged table (:mod:`accesssim.territory.table`) by any union
of: INSEE codes or names, départements, EPCIs, and a radius around a commune. GPs come from a
count, from a CSV of GPs by commune (turned into ``gps.roster``, see :func:`read_gp_csv`), or
from the national density (78 liberal GPs per 100,000 inhabitants, DREES 2021). Today's
practice (same-day slots, teleconsultation pools) is scaled to the population exactly as in the
seed territories (:func:`accesssim.territory.render.current_practice`), and the file is written
by the code that writes them (:func:`accesssim.territory.render.render`), with its provenance
in comments. Bad input raises :class:`~accesssim.scenario.InputError` (one problem per line,
``SOURCE:LINE: field: reason``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accesssim._version import __version__
from accesssim.i18n import _
from accesssim.scenario.errors import InputError, Problem
from accesssim.territory.render import (
    GP_DENSITY_PER_100K,
    TerritoryFile,
    current_practice,
    density_comment,
    fmt_int,
    gp_count,
    point_notes,
    points_paragraph,
    render,
)
from accesssim.territory.table import CommuneRecord, CommuneTable, load_table

__all__ = [
    "GPRow",
    "Selection",
    "Territory",
    "build_territory",
    "command_line",
    "read_back",
    "read_gp_csv",
    "select",
]

_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_TRUE = {"1", "true", "yes", "y", "oui", "o", "vrai"}
_FALSE = {"0", "false", "no", "n", "non", "faux"}
_COMMUNE_COLUMNS = ("commune", "insee", "code_commune", "code commune", "code_insee")


@dataclass(frozen=True)
class Selection:
    """How to choose the communes (the union of every part given)."""

    communes: tuple[str, ...] = ()
    """INSEE codes or names (a name shared by several communes is refused: give the code)."""
    departements: tuple[str, ...] = ()
    """Département codes (``29``, ``2A``, ``971``) or names."""
    epcis: tuple[str, ...] = ()
    """EPCI SIREN codes or names."""
    around: str | None = None
    """A commune (code or name): with ``radius_km``, every commune whose point lies within it."""
    radius_km: float | None = None


@dataclass(frozen=True)
class GPRow:
    """One GP of a GP CSV."""

    line: int
    id: str
    commune: str
    fte: float | None = None
    age: int | None = None
    accepts_new_patients: bool | None = None


@dataclass
class Territory:
    """A selection's outcome: communes (file order, each with a line note), rule paragraphs."""

    communes: list[tuple[CommuneRecord, str | None]]
    rules: list[str]
    name: str
    slug: str
    roster: list[GPRow] = field(default_factory=list)

    @property
    def population(self) -> int:
        """Inhabitants (sum of municipal populations)."""
        return sum(c.population for c, _ in self.communes)


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "territory"


def _commune(table: CommuneTable, text: str, source: str) -> CommuneRecord:
    """The commune named by a code or a name; a clear problem otherwise."""
    key = text.strip()
    if _INSEE.match(key.upper()):
        hit = table.get(key)
        if hit is None:
            reason = _("no commune with this INSEE code")
            raise InputError([Problem(source, None, key, reason)])
        return hit
    hits = table.named(key)
    if len(hits) == 1:
        return hits[0]
    if not hits:
        near = table.similar_names(key)
        reason = _("no commune of this name")
        if near:
            shown = ", ".join(f"{c.name} ({c.insee})" for c in near)
            reason += _("; did you mean {hint}?").format(hint=shown)
        raise InputError([Problem(source, None, key, reason)])
    listed = ", ".join(
        f"{c.insee} {c.name} ({table.departement_name(c.departement)})" for c in hits[:8]
    )
    more = _(" and {n} more").format(n=len(hits) - 8) if len(hits) > 8 else ""
    reason = _("{n} communes have this name: {listed}{more}; give the INSEE code").format(
        n=len(hits), listed=listed, more=more
    )
    raise InputError([Problem(source, None, key, reason)])


def select(table: CommuneTable, sel: Selection) -> Territory:
    """The communes of a selection, with the paragraphs stating the rule.

    Communes come in INSEE code order, or by distance when the selection is a radius alone.
    """
    problems: list[Problem] = []
    chosen: dict[str, CommuneRecord] = {}
    notes: dict[str, str] = {}
    rules: list[str] = []
    names: list[str] = []
    slugs: list[str] = []
    order: list[str] = []

    def take(records: Sequence[CommuneRecord]) -> None:
        for r in records:
            chosen.setdefault(r.insee, r)

    listed: list[CommuneRecord] = []
    for text in sel.communes:
        try:
            listed.append(_commune(table, text, "COMMUNE"))
        except InputError as exc:
            problems.extend(exc.problems)
    if listed:
        take(listed)
        shown = ", ".join(f"{c.insee} {c.name}" for c in listed)
        rules.append(f"- Communes listed on the command line ({len(listed)}): {shown}.")
        names.append(listed[0].name if len(listed) == 1 else f"{len(listed)} communes")
        slugs.append(_slug(listed[0].name) + (f"-{len(listed)}" if len(listed) > 1 else ""))

    for text in sel.departements:
        code = table.departement_code(text)
        if code is None:
            problems.append(
                Problem("--departement", None, text, _("no département of this code or name"))
            )
            continue
        members = table.in_departement(code)
        take(members)
        dep = table.departement_name(code)
        rules.append(
            f"- Département {code} ({dep}): its {fmt_int(len(members))} communes "
            f"({fmt_int(sum(c.population for c in members))} inhabitants)."
        )
        names.append(f"{dep} ({code})")
        slugs.append(f"departement-{code.lower()}")

    for text in sel.epcis:
        codes = table.epci_matches(text)
        if len(codes) != 1:
            if codes:
                shown = "; ".join(f"{c} {table.epci_name(c)}" for c in codes[:6])
                reason = _("{n} EPCIs match: {shown}; give the SIREN code").format(
                    n=len(codes), shown=shown
                )
            else:
                reason = _("no EPCI of this SIREN code or name")
            problems.append(Problem("--epci", None, text, reason))
            continue
        members = table.in_epci(codes[0])
        take(members)
        label = table.epci_name(codes[0])
        rules.append(
            f"- EPCI {codes[0]} ({label}, DGCL list 2026): its {len(members)} member communes "
            f"({fmt_int(sum(c.population for c in members))} inhabitants)."
        )
        names.append(label)
        slugs.append(_slug(label))

    alone = not (sel.communes or sel.departements or sel.epcis)
    if (sel.around is None) != (sel.radius_km is None):
        problems.append(
            Problem(
                "--around" if sel.around is None else "--radius-km",
                None,
                "missing",
                _("give --around COMMUNE and --radius-km KM together"),
            )
        )
    elif sel.around is not None and sel.radius_km is not None:
        if not sel.radius_km > 0:
            problems.append(Problem("--radius-km", None, f"{sel.radius_km:g}", _("must be > 0")))
        else:
            try:
                centre = _commune(table, sel.around, "--around")
            except InputError as exc:
                problems.extend(exc.problems)
            else:
                if not centre.located:
                    problems.append(
                        Problem(
                            "--around",
                            None,
                            sel.around,
                            _(
                                "{insee} {name} has no point in the table; choose a "
                                "neighbouring commune as centre"
                            ).format(insee=centre.insee, name=centre.name),
                        )
                    )
                else:
                    ring = table.around(centre, sel.radius_km)
                    take([c for c, _ in ring])
                    for c, km in ring:
                        notes[c.insee] = f"{km:.1f} km"
                    far = ring[-1][1]
                    pop = sum(c.population for c, _ in ring)
                    rules.append(
                        f"- Radius: the communes whose point lies within {sel.radius_km:g} km "
                        f"of {centre.name}'s ({centre.insee}, included), straight-line "
                        f"(great-circle) distance between points: {len(ring)} communes, "
                        f"{fmt_int(pop)} inhabitants, the farthest {far:.1f} km away (distance "
                        f"on each line). A disc is an approximation: a CPTS's real boundary "
                        f"follows communes' choices. Communes without a point are never in a "
                        f"radius."
                    )
                    names.append(f"{sel.radius_km:g} km around {centre.name}")
                    slugs.append(f"{_slug(centre.name)}-{sel.radius_km:g}km")
                    if alone:
                        order = [c.insee for c, _ in ring]
    if problems:
        raise InputError(problems)
    if not chosen:
        raise InputError(
            [
                Problem(
                    "accesssim territory",
                    None,
                    "COMMUNE",
                    _(
                        "no commune selected: give INSEE codes or names, --departement, --epci, "
                        "or --around with --radius-km"
                    ),
                )
            ]
        )
    parents = {c.insee for c in chosen.values() if c.kind == "commune"}
    for c in chosen.values():
        if c.kind == "arrondissement":
            parent = _parent_of(c)
            if parent in parents:
                problems.append(
                    Problem(
                        "COMMUNE",
                        None,
                        c.insee,
                        _(
                            "{name} is part of {parent}, also selected: the inhabitants would "
                            "be counted twice"
                        ).format(name=c.name, parent=parent),
                    )
                )
    if problems:
        raise InputError(problems)
    if not (alone and sel.around is not None):
        order = sorted(chosen)
    communes = [(chosen[code], notes.get(code)) for code in order]
    return Territory(
        communes=point_notes(communes),
        rules=[*rules, *points_paragraph(communes)],
        name=" + ".join(names),
        slug="+".join(slugs)[:80],
    )


def _parent_of(c: CommuneRecord) -> str:
    """The commune of a municipal arrondissement (Paris 75056, Marseille 13055, Lyon 69123)."""
    return {"75": "75056", "13": "13055", "69": "69123"}[c.departement]


# --------------------------------------------------------------------------------------------
# GPs from a CSV
# --------------------------------------------------------------------------------------------


def _flag(text: str) -> bool | None:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def read_gp_csv(path: Path, communes: Sequence[CommuneRecord]) -> list[GPRow]:
    """GPs by commune from a CSV: one row per GP.

    Columns (header row; ``,`` or ``;`` separated; names case-insensitive): ``commune`` (INSEE
    code of the commune where the GP practises; also ``insee`` or ``code_commune``), and
    optionally ``fte`` (full-time equivalent, 0-1.5; a decimal comma is read in a
    ``;``-separated file), ``age`` (years, 25-80), ``accepts_new_patients`` (yes/no, true/false,
    oui/non, 1/0) and ``id`` (unique; default ``gp-001``...). Empty cells take the schema's
    defaults. Every GP must practise in one of ``communes``.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "--gp-csv", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "--gp-csv", f"cannot read: {exc}")]) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    problems: list[Problem] = []
    col = {h: i for i, h in enumerate(header)}
    commune_col = next((col[h] for h in _COMMUNE_COLUMNS if h in col), None)
    known = {*_COMMUNE_COLUMNS, "fte", "age", "accepts_new_patients", "id"}
    for h in header:
        if h and h not in known:
            problems.append(
                Problem(
                    name,
                    1,
                    h,
                    _(
                        "unknown column (expected commune, and optionally fte, age, "
                        "accepts_new_patients, id)"
                    ),
                )
            )
    if commune_col is None:
        reason = _("no commune column (INSEE code of each GP)")
        problems.append(Problem(name, 1, "commune", reason))
        raise InputError(problems)
    inside = {c.insee for c in communes}
    rows: list[GPRow] = []
    ids: dict[str, int] = {}

    def cell(row: list[str], key: str) -> str:
        i = col.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for line, row in enumerate(reader, start=2):
        if not any(v.strip() for v in row):
            continue
        code = row[commune_col].strip().upper() if commune_col < len(row) else ""
        if not _INSEE.match(code):
            reason = _("{code} is not an INSEE code").format(code=repr(code))
            if code.isdigit() and len(code) == 4:
                reason += _(" (a leading zero lost by a spreadsheet? {fixed})").format(
                    fixed=f"0{code}"
                )
            problems.append(Problem(name, line, "commune", reason))
            continue
        if code not in inside:
            problems.append(
                Problem(
                    name,
                    line,
                    "commune",
                    _(
                        "{code} is not one of the territory's communes (select it, or drop the row)"
                    ).format(code=code),
                )
            )
            continue
        fte: float | None = None
        raw = cell(row, "fte")
        if raw:
            try:
                fte = float(raw.replace(",", ".") if delimiter == ";" else raw)
            except ValueError:
                reason = _("{value} is not a number").format(value=repr(raw))
                problems.append(Problem(name, line, "fte", reason))
            else:
                if not 0 < fte <= 1.5:
                    reason = _("{value} is not in (0, 1.5]").format(value=raw)
                    problems.append(Problem(name, line, "fte", reason))
        age: int | None = None
        raw = cell(row, "age")
        if raw:
            try:
                age = int(raw)
            except ValueError:
                reason = _("{value} is not a whole number").format(value=repr(raw))
                problems.append(Problem(name, line, "age", reason))
            else:
                if not 25 <= age <= 80:
                    reason = _("{value} is not in 25-80").format(value=age)
                    problems.append(Problem(name, line, "age", reason))
        accepts: bool | None = None
        raw = cell(row, "accepts_new_patients")
        if raw:
            accepts = _flag(raw)
            if accepts is None:
                problems.append(
                    Problem(
                        name,
                        line,
                        "accepts_new_patients",
                        _("{value}: expected yes or no").format(value=repr(raw)),
                    )
                )
        gid = cell(row, "id") or f"gp-{len(rows) + 1:03d}"
        if gid in ids:
            reason = _("duplicate id {id} (line {line})").format(id=repr(gid), line=ids[gid])
            problems.append(Problem(name, line, "id", reason))
        ids.setdefault(gid, line)
        rows.append(GPRow(line, gid, code, fte, age, accepts))
    if problems:
        raise InputError(problems)
    return rows


def _roster_line(g: GPRow) -> str:
    parts = [f"id: {_yaml_id(g.id)}", f'commune: "{g.commune}"']
    if g.fte is not None:
        parts.append(f"fte: {g.fte:g}")
    if g.age is not None:
        parts.append(f"age: {g.age}")
    if g.accepts_new_patients is not None:
        parts.append(f"accepts_new_patients: {'true' if g.accepts_new_patients else 'false'}")
    return "{" + ", ".join(parts) + "}"


def _yaml_id(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", text) else json.dumps(text)


# --------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------


def build_territory(
    sel: Selection,
    *,
    gps: int | None = None,
    gp_csv: Path | None = None,
    name: str | None = None,
    command: Sequence[str] = (),
    table: CommuneTable | None = None,
) -> tuple[str, Territory]:
    """The YAML text of a scenario for a selection, and the selection's outcome.

    Parameters
    ----------
    sel
        The communes to take.
    gps, gp_csv
        A GP count, or a CSV of GPs by commune (:func:`read_gp_csv`); neither: the national
        density (78 per 100,000 inhabitants, DREES 2021).
    name
        The scenario's ``name`` (default: from the selection).
    command
        The command line, recorded in the file's first comment.
    table
        Another commune table (default: the packaged one).
    """
    if gps is not None and gp_csv is not None:
        raise InputError(
            [Problem("--gp-csv", None, str(gp_csv), _("give --gps or --gp-csv, not both"))]
        )
    if gps is not None and gps < 0:
        raise InputError([Problem("--gps", None, str(gps), _("must be >= 0"))])
    table = table or load_table()
    terr = select(table, sel)
    total = terr.population
    roster: list[str] = []
    if gp_csv is not None:
        terr.roster = read_gp_csv(gp_csv, [c for c, _ in terr.communes])
        roster = [_roster_line(g) for g in terr.roster]
        n = len(terr.roster)
        given = {
            "fte": sum(g.fte is not None for g in terr.roster),
            "age": sum(g.age is not None for g in terr.roster),
            "accepts_new_patients": sum(g.accepts_new_patients is not None for g in terr.roster),
        }
        missing = ", ".join(f"{k} for {n - v}" for k, v in given.items() if v < n)
        gps_comment = [
            f"The {n} GPs of {gp_csv.name}, one per row (a planner's extract of the national "
            f"practitioner directory): {n / total * 1e5 if total else 0:.0f} per 100,000 "
            f"inhabitants against 78 nationally (DREES 2021). Each is a solo practice in its "
            f"commune (the extract names no practice)."
            + (
                f" Not given, schema default used: {missing} (fte 1.0; age unknown, counted "
                f"under 60; accepts_new_patients false, a closed list: nationally 35 % of GPs "
                f"take new patients, DREES 2022)."
                if missing
                else ""
            ),
        ]
        count: int | None = None
        gp_rule = f"- GPs: {n} listed one by one from {gp_csv.name} (gps.roster)."
    elif gps is not None:
        count = gps
        gps_comment = [
            f"Given on the command line (--gps {gps}): {gps / total * 1e5 if total else 0:.0f} "
            f"per 100,000 inhabitants against 78 nationally (DREES 2021)."
        ]
        gp_rule = f"- GPs: {gps}, given on the command line."
    else:
        count = gp_count(total)
        gps_comment = density_comment(total)
        gp_rule = (
            f"- GPs: not given; derived from the national density of {GP_DENSITY_PER_100K} "
            f"liberal GPs per 100,000 inhabitants (DREES 2021): {count}. Give the real count "
            f"with --gps N or the GPs by commune with --gp-csv FILE."
        )
    scenario_name = name or terr.slug
    shown = " ".join(shlex.quote(a) for a in command) if command else "accesssim territory"
    spec = TerritoryFile(
        filename=f"{scenario_name}.yaml",
        generated_by=(
            f"GENERATED by accesssim {__version__}: {shown}. The communes are the package's "
            f"table (below); edit the rest freely (GPs, policies) or add a policy variant with "
            f"extends:."
        ),
        title=f"{terr.name}: baseline territory.",
        name=scenario_name,
        description=(
            f"{terr.name}: {fmt_int(len(terr.communes))} commune(s), {fmt_int(total)} "
            f"inhabitants, with today's practice (same-day slots, teleconsultation) and no new "
            f"policy."
        ),
        sources=[
            table.short_source(),
            "GP count: "
            + (
                f"{gp_csv.name} (GPs by commune)."
                if gp_csv is not None
                else "given on the command line."
                if gps is not None
                else "not given; derived from the national density of 78 liberal GPs per "
                "100,000 inhabitants (DREES 2021)."
            ),
            "Today's practice: scaled from the calibrated France baseline "
            "(scenarios/france-baseline.yaml, docs/calibration.md).",
        ],
        territory_name=terr.name,
        communes=terr.communes,
        header=[*terr.rules, gp_rule],
        gps=count,
        gps_comment=gps_comment,
        roster=roster,
        policies=current_practice(total),
    )
    return render(spec, table), terr


def command_line(
    sel: Selection,
    *,
    gps: int | None = None,
    gp_csv: Path | None = None,
    name: str | None = None,
    output: Path | None = None,
) -> list[str]:
    """The ``accesssim territory`` command line that writes this file (for its first comment)."""
    command = ["accesssim", "territory", *sel.communes]
    for flag, values in (("--departement", sel.departements), ("--epci", sel.epcis)):
        for v in values:
            command += [flag, v]
    for flag, value in (
        ("--around", sel.around),
        ("--radius-km", None if sel.radius_km is None else f"{sel.radius_km:g}"),
        ("--gps", None if gps is None else str(gps)),
        ("--gp-csv", None if gp_csv is None else str(gp_csv)),
        ("--name", name),
        ("-o", None if output is None else str(output)),
    ):
        if value is not None:
            command += [flag, value]
    return command


def read_back(text: str, path: Path) -> tuple[Any, Any]:
    """The scenario and document of a generated text, read as ``accesssim validate`` reads a
    file (a generated file is valid by construction; this proves it)."""
    from accesssim.scenario.loading import read_yaml, validate_document
    from accesssim.scenario.schema import Scenario

    doc = read_yaml(path, text=text)
    return validate_document(doc, Scenario), doc
