"""The scenario schema: defaults, immutability, unknown fields and every cross-field check.

Each refusal is checked by the dotted path of the field the error names (what a planner sees
after the file name and line), not only by the fact that validation fails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from accesssim.scenario import Scenario
from accesssim.scenario.schema import (
    Calendar,
    Demand,
    GPPool,
    Installation,
    MedicalAssistants,
    MTAccess,
    Nurses,
    Pharmacists,
    Policies,
    Population,
    Retirement,
    Teleconsultation,
    Territory,
    UnscheduledSlots,
)

BASE: dict[str, Any] = {"population": {"size": 1000}}


def scenario(**sections: Any) -> dict[str, Any]:
    """A minimal valid scenario dict with ``sections`` merged in (one level deep)."""
    data: dict[str, Any] = {"population": {"size": 1000}}
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def error_paths(data: dict[str, Any]) -> list[str]:
    """Dotted paths of every error ``Scenario.model_validate(data)`` raises."""
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    return [".".join(str(p) for p in err["loc"]) for err in info.value.errors()]


def error_of(data: dict[str, Any], path: str) -> str:
    """The message of the error at ``path`` (fails if there is none)."""
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    for err in info.value.errors():
        if ".".join(str(p) for p in err["loc"]) == path:
            return str(err["msg"])
    raise AssertionError(f"no error at {path}: {info.value}")


# ---------------------------------------------------------------------------------------------
# Defaults and immutability
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        Calendar,
        Territory,
        Population,
        Demand,
        GPPool,
        Policies,
        UnscheduledSlots,
        Teleconsultation,
        MedicalAssistants,
        Nurses,
        Pharmacists,
        MTAccess,
        Installation,
    ],
)
def test_section_defaults_validate(model: type[BaseModel]) -> None:
    instance = model()
    assert model.model_validate(instance.model_dump()) == instance


def test_scenario_defaults_need_only_a_population() -> None:
    s = Scenario.model_validate(BASE)
    assert s.population_size == 1000
    assert s.calendar.horizon_days > s.calendar.warmup_days
    assert s.policies.active() == []
    assert Scenario.model_validate(s.model_dump()) == s


def test_scenario_without_population_or_communes_is_refused() -> None:
    assert error_paths({}) == ["population.size"]


def test_retirement_default_is_refused_it_needs_ids_or_count() -> None:
    with pytest.raises(ValidationError, match="give gp_ids or a count"):
        Retirement()
    assert Retirement(count=1).count == 1


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "other"),
        (("calendar", "horizon_days"), 30),
        (("population", "size"), 5),
        (("gps", "count"), 3),
        (("population", "age_shares", "age_0_15"), 0.5),
        (("demand", "planned_lead_days", "low"), 0.0),
    ],
)
def test_scenario_is_frozen(path: tuple[str, ...], value: Any) -> None:
    s = Scenario.model_validate(BASE)
    owner: Any = s
    for key in path[:-1]:
        owner = getattr(owner, key)
    before = getattr(owner, path[-1])
    with pytest.raises(ValidationError, match="frozen"):
        setattr(owner, path[-1], value)
    assert getattr(owner, path[-1]) == before


# ---------------------------------------------------------------------------------------------
# Unknown fields and wrong values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({**BASE, "popluation": {}}, "popluation"),
        (scenario(calendar={"horizon": 30}), "calendar.horizon"),
        (scenario(population={"size": 10, "sizes": 10}), "population.sizes"),
        (scenario(gps={"roster": [{"id": "a", "speciality": "x"}]}), "gps.roster.0.speciality"),
        (scenario(policies={"nurses": {"fte_total": 2}}), "policies.nurses.fte_total"),
        (
            scenario(
                demand={"planned_lead_days": {"kind": "uniform", "low": 0, "high": 1, "x": 1}}
            ),
            "demand.planned_lead_days.uniform.x",
        ),
        ({**BASE, "extends": "base.yaml"}, "extends"),
    ],
)
def test_unknown_fields_are_refused(data: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    errors = {".".join(map(str, e["loc"])): e["type"] for e in info.value.errors()}
    assert errors == {path: "extra_forbidden"}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (scenario(population={"size": -1}), "population.size"),
        (scenario(population={"female_share": 1.2}), "population.female_share"),
        (scenario(calendar={"horizon_days": "thirty"}), "calendar.horizon_days"),
        (scenario(calendar={"horizon_days": 0}), "calendar.horizon_days"),
        (scenario(calendar={"horizon_days": 5841}), "calendar.horizon_days"),
        (scenario(calendar={"horizon_years": 16}), "calendar.horizon_years"),
        (
            scenario(territory={"communes": [{"insee": "6938", "name": "X", "population": 1}]}),
            "territory.communes.0.insee",
        ),
        (scenario(gps={"roster": [{"id": "a", "fte": 0}]}), "gps.roster.0.fte"),
        (
            scenario(demand={"epidemic": {"peak_day_of_year": 0}}),
            "demand.epidemic.peak_day_of_year",
        ),
    ],
)
def test_bad_values_are_refused(data: dict[str, Any], path: str) -> None:
    assert error_paths(data) == [path]


@pytest.mark.parametrize("share", [0.95, 1.0])
def test_reserved_share_is_at_most_0_9(share: float) -> None:
    # The field declares le=0.9 (schema.py, UnscheduledSlots.reserved_share), but its
    # ``Share`` annotation carries le=1.0 and pydantic keeps the last bound: 0.95 and 1.0 pass.
    data = scenario(policies={"unscheduled_slots": {"reserved_share": share}})
    assert error_paths(data) == ["policies.unscheduled_slots.reserved_share"]


def test_several_problems_are_reported_at_once() -> None:
    data = scenario(
        calendar={"horizon_days": 30, "warmup_days": 40, "request_end_hour": 6.0},
        gps={"roster": [{"id": "a"}, {"id": "a"}]},
    )
    paths = error_paths(data)
    assert "calendar.warmup_days" in paths
    assert "calendar.request_end_hour" in paths
    assert "gps.roster.1.id" in paths


# ---------------------------------------------------------------------------------------------
# Cross-field checks
# ---------------------------------------------------------------------------------------------


def test_age_shares_must_sum_to_one() -> None:
    shares = {"age_0_15": 0.2, "age_16_59": 0.5, "age_60_74": 0.2, "age_75_plus": 0.2}
    assert "sum to 1" in error_of(
        scenario(population={"age_shares": shares}), "population.age_shares"
    )
    shares["age_75_plus"] = 0.1
    assert Scenario.model_validate(scenario(population={"age_shares": shares}))
    # thirds do not add up to exactly 1 in floating point: the tolerance accepts them
    thirds = {"age_0_15": 1 / 3, "age_16_59": 1 / 3, "age_60_74": 1 / 3, "age_75_plus": 0.0}
    assert Scenario.model_validate(scenario(population={"age_shares": thirds}))


def test_share_by_age_above_one_names_the_band() -> None:
    ald = {"age_0_15": 0.1, "age_16_59": 0.1, "age_60_74": 1.5, "age_75_plus": 0.5}
    assert error_paths(scenario(population={"ald_share": ald})) == [
        "population.ald_share.age_60_74"
    ]


def test_practice_mix_must_sum_to_one() -> None:
    mix = {"solo": 0.5, "group": 0.5, "msp": 0.2, "centre": 0.0}
    assert "sum to 1" in error_of(scenario(gps={"practice_mix": mix}), "gps.practice_mix")
    mix["msp"] = 0.0
    assert Scenario.model_validate(scenario(gps={"practice_mix": mix}))


@pytest.mark.parametrize("hours", [-0.5, 24.0, 30.0])
def test_release_time_must_be_a_clock_time(hours: float) -> None:
    data = scenario(policies={"unscheduled_slots": {"release_time_hours": hours}})
    assert error_paths(data) == ["policies.unscheduled_slots.release_time_hours"]


@pytest.mark.parametrize("hours", [0.0, 12.5, 23.99])
def test_release_time_inside_the_day_is_accepted(hours: float) -> None:
    data = scenario(policies={"unscheduled_slots": {"release_time_hours": hours}})
    assert Scenario.model_validate(data).policies.unscheduled_slots is not None


def test_warmup_must_be_shorter_than_horizon() -> None:
    assert error_paths(scenario(calendar={"horizon_days": 30, "warmup_days": 30})) == [
        "calendar.warmup_days"
    ]
    assert Scenario.model_validate(scenario(calendar={"horizon_days": 30, "warmup_days": 29}))


def test_calendar_needs_an_open_session_and_ordered_hours() -> None:
    closed = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ())
    assert error_paths(scenario(calendar={"sessions": closed})) == ["calendar.sessions"]
    assert error_paths(
        scenario(calendar={"morning_start_hour": 14.0, "afternoon_start_hour": 13.0})
    ) == ["calendar.afternoon_start_hour"]


START = dt.date(2025, 1, 6)
HORIZON = 100  # days 0-99, 2025-01-06 to 2025-04-15


def _with_policy_date(when: Any) -> dict[str, Any]:
    return scenario(
        calendar={"start_date": START, "horizon_days": HORIZON, "warmup_days": 10},
        policies={"nurses": {"start": when}, "installations": [{"date": when}]},
    )


@pytest.mark.parametrize(
    "when",
    [0, 99, 99.0, START, "2025-01-06", "2025-04-15", dt.date(2025, 4, 15), " 2025-02-01 "],
)
def test_dates_inside_the_horizon_are_accepted(when: Any) -> None:
    s = Scenario.model_validate(_with_policy_date(when))
    assert s.policies.nurses is not None
    assert 0 <= s.calendar.day_of(s.policies.nurses.start) < HORIZON
    assert s.calendar.day_of(s.policies.installations[0].date) == s.calendar.day_of(
        s.policies.nurses.start
    )


@pytest.mark.parametrize("when", [100, 365, "2025-04-16", dt.date(2025, 1, 5), "2024-12-31"])
def test_dates_outside_the_horizon_are_refused(when: Any) -> None:
    data = _with_policy_date(when)
    assert sorted(error_paths(data)) == ["policies.installations.0.date", "policies.nurses.start"]
    assert "outside the horizon" in error_of(data, "policies.nurses.start")


@pytest.mark.parametrize("when", [-1, 2.5, True, "next monday", "2025-13-01", None])
def test_malformed_dates_are_refused(when: Any) -> None:
    data = _with_policy_date(when)
    assert "policies.nurses.start" in error_paths(data)


def test_datetime_is_read_as_its_date() -> None:
    s = Scenario.model_validate(_with_policy_date(dt.datetime(2025, 1, 8, 9, 30)))
    assert s.policies.nurses is not None
    assert s.policies.nurses.start == dt.date(2025, 1, 8)
    assert s.calendar.day_of(s.policies.nurses.start) == 2


def test_calendar_end_date_is_the_last_simulated_day() -> None:
    cal = Calendar(start_date=START, horizon_days=HORIZON, warmup_days=0)
    assert cal.end_date == dt.date(2025, 4, 15)
    assert cal.day_of(cal.end_date) == HORIZON - 1


def test_roster_dates_inside_horizon_and_leave_after_start() -> None:
    cal = {"start_date": START, "horizon_days": HORIZON, "warmup_days": 10}
    ok = scenario(calendar=cal, gps={"roster": [{"id": "a", "start": 5, "leave": "2025-02-01"}]})
    assert Scenario.model_validate(ok).gp_count == 1
    late = scenario(calendar=cal, gps={"roster": [{"id": "a", "leave": 100}]})
    assert error_paths(late) == ["gps.roster.0.leave"]
    backwards = scenario(calendar=cal, gps={"roster": [{"id": "a", "start": 20, "leave": 20}]})
    assert "after start" in error_of(backwards, "gps.roster.0.leave")


def _communes(*populations: int, codes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    codes = codes or tuple(f"6938{i}" for i in range(1, len(populations) + 1))
    return [
        {"insee": code, "name": f"Lyon {i}", "population": p, "lat": 45.75, "lon": 4.85}
        for i, (code, p) in enumerate(zip(codes, populations, strict=True))
    ]


def test_population_size_must_match_communes() -> None:
    data = {"territory": {"communes": _communes(100, 200)}, "population": {"size": 301}}
    assert "sum of commune populations (300)" in error_of(data, "population.size")
    data["population"]["size"] = 300
    assert Scenario.model_validate(data).population_size == 300
    del data["population"]["size"]
    assert Scenario.model_validate(data).population_size == 300


def test_duplicate_insee_codes_are_refused() -> None:
    data = {"territory": {"communes": _communes(1, 2, 3, codes=("69381", "2A004", "69381"))}}
    assert "duplicate INSEE code 69381" in error_of(data, "territory.communes.2.insee")
    assert error_paths(data) == ["territory.communes.2.insee"]


def test_corsican_insee_codes_are_accepted() -> None:
    data = {"territory": {"communes": _communes(5, 6, codes=("2A004", "2B033"))}}
    assert Scenario.model_validate(data).summary()["communes"] == 2


def test_commune_references_must_exist() -> None:
    data = {
        "territory": {"communes": _communes(10)},
        "gps": {
            "practices": [{"id": "p", "commune": "75056"}],
            "roster": [{"id": "a", "commune": "13055"}],
        },
    }
    assert sorted(error_paths(data)) == ["gps.practices.0.commune", "gps.roster.0.commune"]


def test_duplicate_gp_and_practice_ids_are_refused() -> None:
    gps = {
        "practices": [{"id": "p"}, {"id": "p"}],
        "roster": [{"id": "a", "practice": "p"}, {"id": "b"}, {"id": "a"}],
    }
    assert sorted(error_paths(scenario(gps=gps))) == ["gps.practices.1.id", "gps.roster.2.id"]


def test_roster_practice_must_exist() -> None:
    data = scenario(gps={"practices": [{"id": "p"}], "roster": [{"id": "a", "practice": "q"}]})
    assert "unknown practice 'q'" in error_of(data, "gps.roster.0.practice")


def test_installation_practice_must_exist() -> None:
    data = scenario(policies={"installations": [{"date": 3, "practice": "new-centre"}]})
    assert error_paths(data) == ["policies.installations.0.practice"]


def test_retirement_gp_ids_must_exist() -> None:
    data = scenario(
        gps={"roster": [{"id": "a"}, {"id": "b"}]},
        policies={"retirements": [{"date": 10, "gp_ids": ["a", "c"]}]},
    )
    assert "unknown GP id 'c'" in error_of(data, "policies.retirements.0.gp_ids.1")
    assert error_paths(data) == ["policies.retirements.0.gp_ids.1"]
    data["policies"]["retirements"][0]["gp_ids"] = ["b", "a"]
    assert Scenario.model_validate(data).policies.retirements[0].gp_ids == ["b", "a"]


@pytest.mark.parametrize(
    ("block", "valid"),
    [
        ({}, False),
        ({"all_gps": False}, False),
        ({"count_fte": 2.0}, True),
        ({"count_fte": 0.0}, True),
        ({"all_gps": True}, True),
    ],
)
def test_medical_assistants_need_count_or_all_gps(block: dict[str, Any], valid: bool) -> None:
    data = scenario(policies={"medical_assistants": block})
    if valid:
        assert Scenario.model_validate(data).policies.active() == ["medical_assistants"]
    else:
        assert error_paths(data) == ["policies.medical_assistants.count_fte"]


def test_pharmacist_cystitis_ages_must_be_ordered() -> None:
    data = scenario(policies={"pharmacists": {"cystitis_min_age": 40, "cystitis_max_age": 30}})
    assert error_paths(data) == ["policies.pharmacists"]


@pytest.mark.parametrize(
    "dist",
    [-1, {"kind": "uniform", "low": -2, "high": 3}, {"kind": "normal", "mu": 5, "sd": 2}],
)
def test_negative_days_are_refused(dist: Any) -> None:
    # An unclipped normal can draw negative days: it needs an explicit low >= 0.
    assert error_paths(scenario(demand={"planned_lead_days": dist})) == ["demand.planned_lead_days"]
    if isinstance(dist, dict) and dist["kind"] == "normal":
        dist = {**dist, "low": 0}
        assert Scenario.model_validate(scenario(demand={"planned_lead_days": dist}))


# ---------------------------------------------------------------------------------------------
# Derived facts
# ---------------------------------------------------------------------------------------------


def test_summary() -> None:
    data = {
        "name": "Lyon 8e",
        "territory": {"name": "CPTS Lyon 8", "communes": _communes(40_000, 45_000)},
        "gps": {"count": 30, "roster": [{"id": "a"}, {"id": "b"}]},
        "policies": {
            "teleconsultation": {"platform_daily_capacity": 20},
            "retirements": [{"date": 30, "gp_ids": ["a"]}],
            "installations": [],
        },
    }
    assert Scenario.model_validate(data).summary() == {
        "name": "Lyon 8e",
        "territory": "CPTS Lyon 8",
        "communes": 2,
        "population": 85_000,
        "gps": 32,
        "policies": ["teleconsultation", "retirements"],
    }


def test_summary_of_an_aspatial_territory_counts_one_commune() -> None:
    summary = Scenario.model_validate(BASE).summary()
    assert summary["communes"] == 1
    assert summary["population"] == 1000
    assert summary["policies"] == []


@pytest.mark.parametrize(
    ("size", "density", "expected"),
    [
        (100_000, 78.0, 78),
        (12_345, 78.0, 10),  # 9.63 GPs, rounded
        (1000, 78.0, 1),  # 0.78
        (500, 78.0, 0),  # 0.39
        (0, 78.0, 0),
        (50_000, 0.0, 0),
        (20_000, 150.0, 30),
    ],
)
def test_gp_count_derived_from_density(size: int, density: float, expected: int) -> None:
    s = Scenario.model_validate(
        {"population": {"size": size}, "gps": {"density_per_100k": density}}
    )
    assert s.generated_gp_count == expected
    assert s.gp_count == expected


def test_gp_count_from_count_and_roster() -> None:
    only_roster = Scenario.model_validate(scenario(gps={"roster": [{"id": "a"}, {"id": "b"}]}))
    assert (only_roster.generated_gp_count, only_roster.gp_count) == (0, 2)
    both = Scenario.model_validate(scenario(gps={"count": 5, "roster": [{"id": "a"}]}))
    assert (both.generated_gp_count, both.gp_count) == (5, 6)
    zero = Scenario.model_validate(scenario(gps={"count": 0}))
    assert zero.gp_count == 0


def test_gp_count_includes_installations() -> None:
    data = scenario(
        gps={"count": 4},
        policies={"installations": [{"date": 10, "count": 3}, {"date": 20}]},
    )
    s = Scenario.model_validate(data)
    assert (s.generated_gp_count, s.gp_count) == (4, 8)
