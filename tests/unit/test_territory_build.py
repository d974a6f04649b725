"""``accesssim territory`` in-process: each selection mode, the GP CSV, today's practice, and
the seed files written through the same code path.

Every generated text is read back with the loaders of ``accesssim validate`` and must give a
valid scenario whose communes, population and GPs are the ones selected.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accesssim.scenario import InputError, load_scenario, validate_document
from accesssim.scenario.loading import read_yaml
from accesssim.scenario.schema import Scenario
from accesssim.territory.build import Selection, build_territory, read_gp_csv, select
from accesssim.territory.render import PLATFORM_PER_100K, TERRITORY_TELE_PER_100K
from accesssim.territory.table import CommuneTable, haversine_km, load_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table() -> CommuneTable:
    return load_table()


def scenario_of(text: str) -> Scenario:
    return validate_document(read_yaml(Path("generated.yaml"), text=text), Scenario)


def problems(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# -- selection modes ----------------------------------------------------------------------------


def test_codes_and_names(table: CommuneTable) -> None:
    terr = select(table, Selection(communes=("69032", "Chevinay", "saint-pierre-la-palud")))
    assert [c.insee for c, _ in terr.communes] == ["69032", "69057", "69231"]
    assert terr.population == sum(table.get(c).population for c in ("69032", "69057", "69231"))


def test_a_name_shared_by_communes_is_refused_with_their_codes(table: CommuneTable) -> None:
    with pytest.raises(InputError) as exc:
        select(table, Selection(communes=("Mauriac",)))
    (line,) = problems(exc)
    assert line.startswith("COMMUNE: Mauriac: 2 communes have this name")
    assert "15120 Mauriac (Cantal)" in line
    assert "33278 Mauriac (Gironde)" in line


def test_unknown_names_and_codes_are_all_reported(table: CommuneTable) -> None:
    with pytest.raises(InputError) as exc:
        select(table, Selection(communes=("Mauriak", "99999"), departements=("99",)))
    lines = problems(exc)
    assert len(lines) == 3
    assert "did you mean Mauriac" in lines[0]
    assert lines[1] == "COMMUNE: 99999: no commune with this INSEE code"
    assert lines[2] == "--departement: 99: no département of this code or name"


def test_departement(table: CommuneTable) -> None:
    terr = select(table, Selection(departements=("Finistère",)))
    assert len(terr.communes) == len(table.in_departement("29")) == 277
    assert all(c.departement == "29" for c, _ in terr.communes)
    assert terr.name == "Finistère (29)"
    overseas = select(table, Selection(departements=("976",)))
    assert len(overseas.communes) == 17  # Mayotte


def test_epci_by_siren_and_by_name(table: CommuneTable) -> None:
    mauriac = table.get("15120")
    assert mauriac is not None
    by_code = select(table, Selection(epcis=(mauriac.epci,)))
    by_name = select(table, Selection(epcis=(table.epci_name(mauriac.epci),)))
    assert by_code.communes == by_name.communes
    assert {c.epci for c, _ in by_code.communes} == {mauriac.epci}
    assert mauriac.insee in {c.insee for c, _ in by_code.communes}
    with pytest.raises(InputError) as exc:
        select(table, Selection(epcis=("communauté",)))  # a word in hundreds of names
    assert "give the SIREN code" in problems(exc)[0]


def test_radius_around_a_commune(table: CommuneTable) -> None:
    terr = select(table, Selection(around="15120", radius_km=15))
    centre = table.get("15120")
    assert centre is not None
    assert terr.communes[0] == (centre, "0.0 km")
    distances = [haversine_km(centre, c) for c, _ in terr.communes]
    assert distances == sorted(distances)
    assert max(distances) <= 15
    assert {c.departement for c, _ in terr.communes} == {"15", "19"}  # across a boundary
    assert "within 15 km of Mauriac's (15120, included)" in " ".join(terr.rules)
    with pytest.raises(InputError) as exc:
        select(table, Selection(around="15120"))
    assert "--around COMMUNE and --radius-km KM together" in problems(exc)[0]
    with pytest.raises(InputError) as exc:
        select(table, Selection(around="15031", radius_km=5))  # a commune without a point
    assert "has no point in the table" in problems(exc)[0]


def test_union_of_modes_without_duplicates(table: CommuneTable) -> None:
    terr = select(table, Selection(communes=("29019", "56121"), departements=("29",)))
    codes = [c.insee for c, _ in terr.communes]
    assert len(codes) == len(set(codes)) == 278  # Brest once, Lorient added
    assert codes == sorted(codes)


def test_an_arrondissement_with_its_commune_is_refused(table: CommuneTable) -> None:
    assert [c.insee for c, _ in select(table, Selection(communes=("69386",))).communes] == ["69386"]
    with pytest.raises(InputError) as exc:
        select(table, Selection(communes=("69386", "69123")))
    assert "counted twice" in problems(exc)[0]


def test_nothing_selected(table: CommuneTable) -> None:
    with pytest.raises(InputError) as exc:
        select(table, Selection())
    assert "no commune selected" in problems(exc)[0]


# -- the file -----------------------------------------------------------------------------------


def test_generated_file_is_a_valid_scenario_with_its_provenance(table: CommuneTable) -> None:
    command = ["accesssim", "territory", "--around", "15120", "--radius-km", "15"]
    text, terr = build_territory(Selection(around="15120", radius_km=15), command=command)
    scenario = scenario_of(text)
    assert [c.insee for c in scenario.territory.communes] == [c.insee for c, _ in terr.communes]
    assert scenario.population_size == terr.population
    assert scenario.gps.count == round(terr.population * 78 / 100_000)
    assert text.startswith(
        "# GENERATED by accesssim 0.1.0: accesssim territory --around 15120 --radius-km 15."
    )
    assert table.sha256 in text.replace("\n#   ", "")
    assert "millésime 2023" in text
    assert text == build_territory(Selection(around="15120", radius_km=15), command=command)[0]


def test_todays_practice_is_scaled_like_the_seed_files(table: CommuneTable) -> None:
    # The per-100,000 figures are the calibrated France baseline's (100,000 inhabitants).
    base = load_scenario(ROOT / "scenarios" / "france-baseline.yaml")
    assert base.population_size == 100_000
    assert base.policies.teleconsultation.platform_daily_capacity == PLATFORM_PER_100K
    assert base.policies.teleconsultation.gp_daily_capacity == TERRITORY_TELE_PER_100K
    text, terr = build_territory(Selection(departements=("29",)))
    tele = scenario_of(text).policies.teleconsultation
    assert tele.platform_daily_capacity == round(28 * terr.population / 100_000, 2)
    assert tele.gp_daily_capacity == round(8 * terr.population / 100_000, 2)
    # The seed territories carry the same scaling (Loire Forez, from the same function).
    lf = load_scenario(ROOT / "scenarios" / "loire-forez.yaml")
    assert lf.policies.teleconsultation.platform_daily_capacity == round(
        28 * lf.population_size / 100_000, 2
    )


def test_gp_count_given(table: CommuneTable) -> None:
    text, _ = build_territory(Selection(communes=("15120",)), gps=4)
    assert scenario_of(text).gps.count == 4
    with pytest.raises(InputError):
        build_territory(Selection(communes=("15120",)), gps=4, gp_csv=Path("gps.csv"))


# -- GPs from a CSV -----------------------------------------------------------------------------


def test_gp_csv_becomes_the_roster(tmp_path: Path, table: CommuneTable) -> None:
    csv_file = tmp_path / "gps.csv"
    csv_file.write_text(
        "commune,fte,age,accepts_new_patients\n15120,0.8,62,yes\n15120,,45,no\n15261,1,,\n",
        encoding="utf-8",
    )
    text, _terr = build_territory(Selection(around="15120", radius_km=15), gp_csv=csv_file)
    scenario = scenario_of(text)
    assert scenario.gps.count is None
    assert scenario.gp_count == 3
    first, second, third = scenario.gps.roster
    assert (first.id, first.commune, first.fte, first.age, first.accepts_new_patients) == (
        "gp-001",
        "15120",
        0.8,
        62,
        True,
    )
    assert (second.fte, second.age, second.accepts_new_patients) == (1.0, 45, False)
    assert (third.commune, third.age) == ("15261", None)
    comments = " ".join(line.strip(" #") for line in text.splitlines() if "#" in line)
    assert "The 3 GPs of gps.csv" in comments
    assert "schema default used: fte for 1, age for 1, accepts_new_patients for 1" in comments


def test_gp_csv_french_spreadsheet_export(tmp_path: Path, table: CommuneTable) -> None:
    csv_file = tmp_path / "gps.csv"
    csv_file.write_text(
        "\ufeffCode_commune;FTE;ID\n15120;0,5;Dr A\n15120;1;Dr B\n", encoding="utf-8"
    )
    rows = read_gp_csv(csv_file, [table.get("15120")])
    assert [(r.id, r.fte) for r in rows] == [("Dr A", 0.5), ("Dr B", 1.0)]
    text, _ = build_territory(Selection(communes=("15120",)), gp_csv=csv_file)
    assert [g.id for g in scenario_of(text).gps.roster] == ["Dr A", "Dr B"]


def test_gp_csv_problems_name_file_line_and_column(tmp_path: Path, table: CommuneTable) -> None:
    csv_file = tmp_path / "gps.csv"
    csv_file.write_text(
        "commune,fte,age,accepts_new_patients,id\n"
        "1053,1,50,yes,a\n"
        "69123,1,50,yes,b\n"
        "15120,2,50,yes,c\n"
        "15120,1,90,yes,d\n"
        "15120,1,50,maybe,e\n"
        "15120,1,50,yes,e\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        read_gp_csv(csv_file, [table.get("15120")])
    name = str(csv_file)
    assert problems(exc) == [
        f"{name}:2: commune: '1053' is not an INSEE code (a leading zero lost by a "
        "spreadsheet? 01053)",
        f"{name}:3: commune: 69123 is not one of the territory's communes (select it, or drop "
        "the row)",
        f"{name}:4: fte: 2 is not in (0, 1.5]",
        f"{name}:5: age: 90 is not in 25-80",
        f"{name}:6: accepts_new_patients: 'maybe': expected yes or no",
        f"{name}:7: id: duplicate id 'e' (line 6)",
    ]
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("insee_code,speciality\n15120,MG\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_gp_csv(bad_header, [table.get("15120")])
    lines = problems(exc)
    assert lines[-1] == f"{bad_header}:1: commune: no commune column (INSEE code of each GP)"
    with pytest.raises(InputError) as exc:
        read_gp_csv(tmp_path / "missing.csv", [])
    assert problems(exc) == [f"{tmp_path / 'missing.csv'}: --gp-csv: file not found"]


# -- the seed files -----------------------------------------------------------------------------


def test_seed_files_are_regenerated_from_the_packaged_table(tmp_path: Path) -> None:
    """As in a fresh clone: no ../shared beside the repository (the press releases are only
    used to check spellings)."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "build_seed_scenarios.py"),
            "--check",
            "--seeds",
            str(tmp_path / "no-shared"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("up to date") == 6
