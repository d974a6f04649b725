"""Warnings for valid but implausible scenarios (accesssim.scenario.plausibility).

Each warning is triggered by a small scenario that has exactly that oddity and checked for its
field path; a plain scenario, the national baseline and a freshly written territory have none.
The density range's sources are in the module's docstring (PQE Maladie indicator 1.4.1, DREES).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accesssim.scenario import load_scenario, scenario_warnings
from accesssim.scenario.loading import load_scenario_document
from accesssim.scenario.plausibility import (
    DENSITY_HIGH_PER_100K,
    DENSITY_LOW_PER_100K,
    warning_problems,
)
from accesssim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]

TWO = [
    {"insee": "69022", "name": "Bibost", "population": 600, "lat": 45.80, "lon": 4.55},
    {"insee": "69032", "name": "Bully", "population": 400, "lat": 45.85, "lon": 4.58},
]


def scenario(**parts: Any) -> Scenario:
    data: dict[str, Any] = {
        "population": {"size": 10_000},
        "gps": {"count": 8},
        "calendar": {"horizon_days": 200, "warmup_days": 60},
    }
    for key, value in parts.items():
        data[key] = value
    return Scenario.model_validate(data)


def paths(s: Scenario) -> list[str]:
    return [".".join(map(str, loc)) for loc, _ in scenario_warnings(s)]


def messages(s: Scenario) -> str:
    return "\n".join(m for _, m in scenario_warnings(s))


def test_a_plain_scenario_has_no_warning() -> None:
    assert scenario_warnings(scenario()) == []
    assert scenario_warnings(load_scenario(ROOT / "scenarios" / "france-baseline.yaml")) == []
    assert scenario_warnings(load_scenario(ROOT / "scenarios" / "loire-forez.yaml")) == []


def test_zero_gps() -> None:
    s = scenario(gps={"count": 0})
    assert paths(s) == ["gps.count"]
    assert "no GP at all" in messages(s)
    later = scenario(gps={"count": 0}, policies={"installations": [{"date": 30, "count": 2}]})
    assert paths(later) == ["gps.count"]
    assert "the first arrives on day 30" in messages(later)


@pytest.mark.parametrize(
    ("count", "flagged"),
    [(1, True), (2, True), (3, False), (8, False), (25, False), (26, True), (100, True)],
)
def test_gp_density_outside_the_plausible_range(count: int, flagged: bool) -> None:
    # 10,000 inhabitants: 1 GP is 10 per 100,000, 26 GPs 260 per 100,000.
    s = scenario(gps={"count": count})
    density = count / 10_000 * 1e5
    assert flagged == (not DENSITY_LOW_PER_100K <= density <= DENSITY_HIGH_PER_100K)
    assert paths(s) == (["gps.count"] if flagged else [])
    if flagged:
        assert f"{density:,.0f} per 100,000" in messages(s)  # grouped thousands


def test_density_from_the_roster_and_from_the_default_density() -> None:
    roster = scenario(gps={"roster": [{"id": "a"}]})
    assert paths(roster) == ["gps.roster"]
    dense = scenario(gps={"density_per_100k": 400})
    assert paths(dense) == ["gps.density_per_100k"]


def test_more_retirements_than_gps() -> None:
    # The case: 5 retirements in a 3-GP territory (about 8,000 inhabitants: 38 per
    # 100,000, a plausible density).
    s = scenario(
        population={"size": 8000},
        gps={"count": 3},
        policies={"retirements": [{"date": 100, "count": 5}]},
    )
    assert paths(s) == ["policies.retirements"]
    assert "5 GP retirements for 3 GPs" in messages(s)
    fine = scenario(
        population={"size": 8000},
        gps={"count": 3},
        policies={"retirements": [{"date": 100, "count": 3}]},
    )
    assert scenario_warnings(fine) == []


def test_communes_sharing_a_point_or_without_one() -> None:
    twin = {**TWO[1], "lat": TWO[0]["lat"], "lon": TWO[0]["lon"]}
    s = scenario(population={}, gps={"count": 1}, territory={"communes": [TWO[0], twin]})
    assert paths(s) == ["territory.communes.1"]
    assert "same point as territory.communes.0 (69022 Bibost)" in messages(s)
    lost = {**TWO[1], "lat": None, "lon": None}
    s = scenario(population={}, gps={"count": 1}, territory={"communes": [TWO[0], lost]})
    assert paths(s) == ["territory.communes.1.lat"]
    assert "69032 Bully has no coordinates" in messages(s)
    nowhere = [{**c, "lat": None, "lon": None} for c in TWO]
    s = scenario(population={}, gps={"count": 1}, territory={"communes": nowhere})
    assert paths(s) == ["territory.communes"]
    # One commune needs no point: no distance is used.
    assert (
        scenario_warnings(scenario(population={}, gps={"count": 1}, territory={"communes": [lost]}))
        == []
    )


def test_many_communes_are_summed_up() -> None:
    many = [
        {"insee": f"690{i:02d}", "name": f"C{i}", "population": 500, "lat": None, "lon": None}
        for i in range(15)
    ]
    s = scenario(population={}, gps={"count": 4}, territory={"communes": [*TWO, *many]})
    lines = scenario_warnings(s)
    assert len(lines) == 11
    assert lines[-1][1] == "... and 5 more communes without coordinates"


def test_horizon_shorter_than_the_longest_lead_time() -> None:
    # planned_lead_days is triangular(1, 6, 35) by default: 35 days at most.
    s = scenario(calendar={"horizon_days": 80, "warmup_days": 60})
    assert paths(s) == ["calendar.horizon_days"]
    assert "20 measured days" in messages(s)
    assert "(35 days" in messages(s)
    assert scenario_warnings(scenario(calendar={"horizon_days": 95, "warmup_days": 60})) == []


def test_policy_starting_too_late_to_act() -> None:
    # 140 measured days (60 to 200); a start on day 180 acts on 20 of them.
    s = scenario(
        policies={
            "teleconsultation": {"platform_daily_capacity": 2, "start": 180},
            "installations": [{"date": 190, "count": 1}],
            "retirements": [{"date": 120, "count": 1}],
        }
    )
    assert paths(s) == ["policies.teleconsultation.start", "policies.installations.0.date"]
    assert "acts on 20 of the 140 measured days" in messages(s)


def test_warnings_carry_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text("name: odd\npopulation:\n  size: 10000\ngps:\n  count: 0\n", encoding="utf-8")
    s, doc = load_scenario_document(path)
    (w,) = warning_problems(s, doc)
    assert (w.line, w.path) == (5, "gps.count")
    assert w.file.endswith("odd.yaml")
    # An override is placed on the command line's --set.
    s, doc = load_scenario_document(path, ["gps.count=1"])
    (w,) = warning_problems(s, doc)
    assert "10 per 100,000" in w.reason


def test_nurse_time_counted_twice_is_flagged() -> None:
    """CALIBRATION.md, policy evaluations as net effects: the 72-80 GP days an Asalée nurse
    saves are the follow-ups it takes over; a list gain on top counts them twice."""
    assert paths(scenario(policies={"nurses": {"fte": 1}})) == []
    twice = scenario(policies={"nurses": {"fte": 1, "list_capacity_gain": 0.067}})
    assert paths(twice) == ["policies.nurses.list_capacity_gain"]
    assert "twice" in messages(twice)
