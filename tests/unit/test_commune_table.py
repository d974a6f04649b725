"""The packaged commune table: coverage, figures, provenance and lookups.

Expected counts: INSEE Code officiel géographique 2026 (as carried by
@etalab/decoupage-administratif 6.0.0): 34,746 communes in metropolitan France and 129 in the
five overseas départements (Guadeloupe 32, Martinique 34, Guyane 22, La Réunion 24, Mayotte 17),
plus the 45 municipal arrondissements of Paris (20), Marseille (16) and Lyon (9).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from importlib import resources

import pytest

from accesssim.territory.table import CommuneTable, fold, haversine_km, load_table

OVERSEAS = {"971": 32, "972": 34, "973": 22, "974": 24, "976": 17}


@pytest.fixture(scope="module")
def table() -> CommuneTable:
    return load_table()


def test_every_commune_of_france_and_its_overseas_departements(table: CommuneTable) -> None:
    communes = table.communes
    by_dep = Counter(c.departement for c in communes)
    assert len(communes) == 34_875
    assert sum(n for d, n in by_dep.items() if d not in OVERSEAS) == 34_746
    assert {d: by_dep[d] for d in OVERSEAS} == OVERSEAS
    assert len(by_dep) == 101  # 96 metropolitan (2A and 2B for Corsica) + 5 overseas
    arrondissements = Counter(r.departement for r in table.records if r.kind == "arrondissement")
    assert arrondissements == {"75": 20, "13": 16, "69": 9}
    counts = table.meta["counts"]
    assert counts["metropolitan"] == 34_746
    assert counts["overseas"] == 129
    assert counts["population"] == sum(c.population for c in communes)


def test_rows_are_well_formed(table: CommuneTable) -> None:
    codes = [r.insee for r in table.records]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(r.population >= 0 and r.name for r in table.records)
    assert all(r.region in table.meta["regions"] for r in table.records)
    assert all(r.departement in table.meta["departements"] for r in table.records)
    epcis = table.meta["epci"]
    assert all(r.epci in epcis for r in table.communes if r.epci)
    # Every commune is in an EPCI but the four islands that are in none.
    assert sorted(r.insee for r in table.communes if not r.epci) == [
        "22016",
        "29083",
        "29155",
        "85113",
    ]
    # Points: metropolitan ones in mainland France and Corsica, overseas ones far from it.
    for r in table.communes:
        if not r.located:
            continue
        if r.departement in OVERSEAS:
            assert r.lat < 20 or r.lon > 40 or r.lon < -40, r
        else:
            assert 41.3 < r.lat < 51.2, r
            assert -5.2 < r.lon < 9.6, r
    assert Counter(r.point for r in table.communes) == {
        "town hall": table.meta["counts"]["town_hall_points"],
        "centroid": table.meta["counts"]["centroid_points"],
        "": 4,
    }


def test_no_two_communes_share_a_point(table: CommuneTable) -> None:
    points = Counter((r.lat_text, r.lon_text) for r in table.communes if r.located)
    assert points.most_common(1)[0][1] == 1


def test_provenance_is_stated_in_the_package(table: CommuneTable) -> None:
    data = resources.files("accesssim").joinpath("data")
    raw = data.joinpath("communes.csv.gz").read_bytes()
    meta = json.loads(data.joinpath("communes-meta.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(raw).hexdigest() == meta["table_sha256"] == table.sha256
    assert len(raw) < 2_000_000  # compact: well under a few MB
    assert meta["census_year"] == 2023
    assert "Licence Ouverte" in meta["licence"]
    readme = data.joinpath("README.md").read_text(encoding="utf-8")
    for words in ("Licence Ouverte", "millésime 2023", "INSEE", "IGN", "DILA", "DGCL"):
        assert words in readme
    assert "millésime 2023" in table.source_text()
    assert table.sha256 in table.source_text()


def test_lookups(table: CommuneTable) -> None:
    mauriac = table.get("15120")
    assert mauriac is not None
    assert mauriac.name == "Mauriac"
    assert mauriac.departement == "15"
    assert [c.insee for c in table.named("mauriac")] == ["15120", "33278"]  # Cantal, Gironde
    assert [c.insee for c in table.named("arbresle")] == ["69010"]  # L'Arbresle
    assert fold("L'Arbresle") == fold("Arbresle") == "arbresle"
    assert fold("Saint-Étienne") == "saintetienne"
    assert table.departement_code("29") == "29"
    assert table.departement_code("finistere") == "29"
    assert table.departement_code("2a") == "2A"
    assert table.departement_code("1") == "01"
    assert table.departement_code("975") is None  # Saint-Pierre-et-Miquelon: not a département
    assert table.departement_name("971") == "Guadeloupe"
    assert table.epci_matches(mauriac.epci) == [mauriac.epci]
    name = table.epci_name(mauriac.epci)
    assert table.epci_matches(name) == [mauriac.epci]
    assert mauriac in table.in_epci(mauriac.epci)


def test_distances(table: CommuneTable) -> None:
    paris, lyon = table.get("75056"), table.get("69123")
    assert paris is not None
    assert lyon is not None
    assert 385 < haversine_km(paris, lyon) < 400  # about 392 km between the two town halls
    centre = table.get("15120")
    assert centre is not None
    ring = table.around(centre, 15.0)
    assert ring[0] == (centre, 0.0)
    assert [km for _, km in ring] == sorted(km for _, km in ring)
    inside = {c.insee for c, _ in ring}
    # Every located commune of the four départements around Mauriac is in the ring iff it is
    # within 15 km (the ring is taken from the whole table, not from one département).
    for dep in ("15", "19", "63", "46"):
        for c in table.in_departement(dep):
            if c.located:
                assert (c.insee in inside) == (haversine_km(centre, c) <= 15.0), c
