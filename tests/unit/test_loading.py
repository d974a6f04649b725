"""Reading scenario files: ``extends:`` overlays, ``--set`` overrides and where errors point.

Overlays: deep merge of mappings, lists replaced, paths relative to the file naming them, a
list of bases, chains, cycles and missing bases. Overrides: nested values of every YAML scalar
type, flow lists, unknown paths (with a "did you mean" hint) and list indexes out of range.
Errors: the line of the offending value, and the base file when the value came from a base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accesssim.scenario import (
    InputError,
    Problem,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_document,
    load_scenario,
)

Writer = Callable[..., Path]

BASE = """\
name: base
population:
  size: 1000
  female_share: 0.5
calendar:
  horizon_days: 60
  warmup_days: 7
sources: [INSEE, DREES]
gps:
  count: 3
  roster:
    - id: a
    - id: b
"""


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value.problems


def only_problem(path: Path, overrides: tuple[str, ...] = ()) -> Problem:
    problems = problems_of(path, overrides)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------------------------------------
# Overlays
# ---------------------------------------------------------------------------------------------


def test_extends_merges_mappings_and_replaces_lists(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "base.yaml")
    child = tmp_yaml(
        """\
extends: base.yaml
name: child
population:
  size: 2000
sources: [CNAM]
gps:
  roster:
    - id: c
""",
        "child.yaml",
    )
    s = load_scenario(child)
    assert s.name == "child"
    assert s.population.size == 2000
    assert s.population.female_share == 0.5  # kept from the base: mappings merge
    assert (s.calendar.horizon_days, s.calendar.warmup_days) == (60, 7)
    assert s.sources == ["CNAM"]  # lists are replaced, not appended
    assert [g.id for g in s.gps.roster] == ["c"]
    assert s.gps.count == 3


def test_extends_a_null_section_replaces_the_mapping(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE + "demand:\n  epidemic:\n    attack_share: 0.1\n", "base.yaml")
    child = tmp_yaml("extends: base.yaml\ndemand:\n  epidemic: null\n", "child.yaml")
    assert load_scenario(child).demand.epidemic is None


def test_extends_paths_are_relative_to_the_file_naming_them(
    tmp_yaml: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_yaml(BASE, "territories/base.yaml")
    tmp_yaml("extends: ../territories/base.yaml\nname: variant\n", "variants/variant.yaml")
    deep = tmp_yaml("extends: ../variants/variant.yaml\ngps:\n  count: 9\n", "runs/a/../deep.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory plays no part
    s = load_scenario(deep)
    assert (s.name, s.population.size, s.gps.count) == ("variant", 1000, 9)
    relative = Path("..") / "runs" / "deep.yaml"
    assert load_scenario(relative) == s


def test_extends_a_list_of_bases_later_ones_win(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "base.yaml")
    tmp_yaml(
        "population:\n  female_share: 0.6\ncalendar:\n  horizon_days: 90\n", "common/longer.yaml"
    )
    child = tmp_yaml(
        "extends:\n  - base.yaml\n  - common/longer.yaml\ncalendar:\n  warmup_days: 14\n",
        "child.yaml",
    )
    s = load_scenario(child)
    assert s.population.size == 1000
    assert s.population.female_share == 0.6
    assert (s.calendar.horizon_days, s.calendar.warmup_days) == (90, 14)


def test_extends_chain_of_three_levels(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "a.yaml")
    tmp_yaml("extends: a.yaml\nname: b\npopulation:\n  size: 2000\n", "b.yaml")
    c = tmp_yaml("extends: b.yaml\ncalendar:\n  horizon_days: 30\n", "c.yaml")
    s = load_scenario(c)
    assert (s.name, s.population.size, s.population.female_share) == ("b", 2000, 0.5)
    assert (s.calendar.horizon_days, s.calendar.warmup_days) == (30, 7)
    assert "extends" not in load_document(c).data


def test_extends_cycle_is_refused(tmp_yaml: Writer) -> None:
    tmp_yaml("extends: b.yaml\npopulation:\n  size: 5\n", "a.yaml")
    b = tmp_yaml("name: b\nextends: c.yaml\n", "b.yaml")
    tmp_yaml("extends: a.yaml\n", "c.yaml")
    problem = only_problem(b)
    assert problem.path == "extends"
    assert "cycle" in problem.reason
    assert problem.line is not None


def test_extends_itself_is_a_cycle(tmp_yaml: Writer) -> None:
    me = tmp_yaml("population:\n  size: 5\nextends: me.yaml\n", "me.yaml")
    problem = only_problem(me)
    assert (problem.path, problem.line) == ("extends", 3)
    assert "cycle" in problem.reason


def test_extends_the_same_base_twice_is_not_a_cycle(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "base.yaml")
    tmp_yaml("extends: base.yaml\nname: left\n", "left.yaml")
    tmp_yaml("extends: base.yaml\ncalendar:\n  warmup_days: 3\n", "right.yaml")
    child = tmp_yaml("extends: [left.yaml, right.yaml]\n", "child.yaml")
    s = load_scenario(child)
    # each base is resolved first, then overlaid in order: right.yaml (which holds the
    # base's name) wins over left.yaml
    assert (s.name, s.calendar.warmup_days, s.population.size) == ("base", 3, 1000)


def test_missing_base_is_refused_at_the_extends_line(tmp_yaml: Writer) -> None:
    child = tmp_yaml("name: x\n\nextends: nowhere/base.yaml\n", "child.yaml")
    problem = only_problem(child)
    assert (problem.file, problem.line, problem.path) == (str(child), 3, "extends")
    assert "'nowhere/base.yaml' not found" in problem.reason


def test_missing_base_in_a_list_names_the_item_line(tmp_yaml: Writer) -> None:
    # BUG (loading.py:264-265 then 274): the origins of the ``extends`` items are deleted
    # before the loop reads them, so the line reported is always that of the ``extends:`` key.
    tmp_yaml(BASE, "base.yaml")
    child = tmp_yaml("extends:\n  - base.yaml\n  - missing.yaml\n", "child.yaml")
    problem = only_problem(child)
    assert (problem.line, problem.path) == (3, "extends")
    assert "missing.yaml" in problem.reason


@pytest.mark.parametrize("value", ["3", "{a: 1}", "[base.yaml, 2]"])
def test_extends_must_name_files(tmp_yaml: Writer, value: str) -> None:
    child = tmp_yaml(f"population:\n  size: 5\nextends: {value}\n", "child.yaml")
    problem = only_problem(child)
    assert (problem.line, problem.path) == (3, "extends")


def test_extends_an_empty_list_is_no_overlay(tmp_yaml: Writer) -> None:
    # BUG (loading.py:291): ``extends: []`` passes the type check, no base is loaded and
    # ``assert merged is not None`` fails: an AssertionError (a traceback in the CLI).
    child = tmp_yaml("population:\n  size: 5\nextends: []\n", "child.yaml")
    assert load_scenario(child).population.size == 5


def test_error_in_a_base_names_the_base_file_and_line(tmp_yaml: Writer) -> None:
    base = tmp_yaml(BASE.replace("female_share: 0.5", "female_share: 1.5"), "base.yaml")
    child = tmp_yaml("extends: base.yaml\nname: child\n", "sub/../child.yaml")
    problem = only_problem(child)
    assert (problem.file, problem.line, problem.path) == (str(base), 4, "population.female_share")


def test_origin_of_values_follows_the_overlay(tmp_yaml: Writer) -> None:
    base = tmp_yaml(BASE, "base.yaml")
    child = tmp_yaml("extends: base.yaml\n\n\npopulation:\n  size: 7\n", "child.yaml")
    doc = load_document(child)
    assert doc.where(("population", "size")) == (str(child), 5)
    assert doc.where(("population", "female_share")) == (str(base), 4)
    assert doc.where(("calendar", "warmup_days")) == (str(base), 7)
    assert doc.where(("gps", "roster", 1, "id")) == (str(base), 13)


def test_replaced_list_forgets_the_base_lines(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "base.yaml")
    child = tmp_yaml("extends: base.yaml\ngps:\n  roster:\n    - id: z\n      fte: 9\n", "c.yaml")
    problem = only_problem(child)
    assert (problem.file, problem.line, problem.path) == (str(child), 5, "gps.roster.0.fte")


# ---------------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "get", "expected"),
    [
        ("population.size=2500", lambda s: s.population.size, 2500),
        ("population.female_share=0.25", lambda s: s.population.female_share, 0.25),
        ("calendar.horizon_days=120", lambda s: s.calendar.horizon_days, 120),
        (
            "demand.unscheduled_tries_other_gps=false",
            lambda s: s.demand.unscheduled_tries_other_gps,
            False,
        ),
        ("calendar.start_date=2025-09-01", lambda s: s.calendar.start_date, dt.date(2025, 9, 1)),
        ("sources=[CNAM, 'DREES 2018']", lambda s: s.sources, ["CNAM", "DREES 2018"]),
        ("gps.roster.1.fte=0.5", lambda s: s.gps.roster[1].fte, 0.5),
        ("gps.roster.0.id=zz", lambda s: s.gps.roster[0].id, "zz"),
        ("name=Lyon 8e = test", lambda s: s.name, "Lyon 8e = test"),
        ("name='a: b'", lambda s: s.name, "a: b"),
        ("demand.epidemic=null", lambda s: s.demand.epidemic, None),
        ("demand.planned_lead_days=5", lambda s: s.demand.planned_lead_days.mean, 5.0),
        (
            "policies.teleconsultation.platform_daily_capacity=20",
            lambda s: s.policies.teleconsultation.platform_daily_capacity,
            20.0,
        ),
        (
            "policies.nurses={fte: 2, start: 2025-01-20}",
            lambda s: (s.policies.nurses.fte, s.policies.nurses.start),
            (2.0, dt.date(2025, 1, 20)),
        ),
        (
            "policies.retirements=[{date: 10, gp_ids: [a]}]",
            lambda s: s.policies.retirements[0].gp_ids,
            ["a"],
        ),
    ],
)
def test_overrides_set_nested_values(
    tmp_yaml: Writer, override: str, get: Callable[[Scenario], Any], expected: Any
) -> None:
    path = tmp_yaml(BASE)
    value = get(load_scenario(path, [override]))
    assert value == expected
    assert type(value) is type(expected)


def test_overrides_apply_in_order_after_overlays(tmp_yaml: Writer) -> None:
    tmp_yaml(BASE, "base.yaml")
    child = tmp_yaml("extends: base.yaml\npopulation:\n  size: 10\n", "child.yaml")
    s = load_scenario(child, ["population.size=20", "population.size=30"])
    assert s.population.size == 30


def test_horizon_days_shortcut(tmp_yaml: Writer) -> None:
    assert load_scenario(tmp_yaml(BASE), horizon_days=45).calendar.horizon_days == 45


def test_override_unknown_path_has_a_did_you_mean_hint(tmp_yaml: Writer) -> None:
    path = tmp_yaml(BASE)
    problem = only_problem(path, ("gps.cont=3",))
    assert problem.path == "gps.cont"
    assert "unknown field 'cont'" in problem.reason
    assert "did you mean 'count'?" in problem.reason
    problem = only_problem(path, ("populaton.size=3",))
    assert problem.path == "populaton"
    assert "did you mean 'population'?" in problem.reason


def test_override_unknown_path_without_close_match(tmp_yaml: Writer) -> None:
    problem = only_problem(tmp_yaml(BASE), ("gps.nope=3",))
    assert problem.path == "gps.nope"
    assert "unknown field 'nope'" in problem.reason


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ("gps.roster.2.fte=1", "gps.roster.2"),
        ("policies.installations.0.date=3", "policies.installations.0"),
        ("sources.5=x", "sources.5"),
    ],
)
def test_override_list_index_out_of_range(tmp_yaml: Writer, override: str, path: str) -> None:
    problem = only_problem(tmp_yaml(BASE), (override,))
    assert problem.path == path
    assert "out of range" in problem.reason


@pytest.mark.parametrize(
    "override",
    ["population.size", "=3", "population..size=3", "population.size.x=3", "name=[unclosed"],
)
def test_malformed_overrides_are_refused(tmp_yaml: Writer, override: str) -> None:
    problem = only_problem(tmp_yaml(BASE), (override,))
    assert problem.line is None
    assert problem.reason


def test_override_yaml_tag_is_refused(tmp_yaml: Writer) -> None:
    problem = only_problem(tmp_yaml(BASE), ("name=!!python/object/apply:os.system [ls]",))
    assert problem.path == "name"
    assert "tag" in problem.reason


def test_override_into_a_distribution_checks_its_kind(tmp_yaml: Writer) -> None:
    path = tmp_yaml(BASE + "demand:\n  planned_lead_days: {kind: uniform, low: 1, high: 5}\n")
    s = load_scenario(path, ["demand.planned_lead_days.high=9"])
    assert s.demand.planned_lead_days.mean == 5.0
    problem = only_problem(path, ("demand.planned_lead_days.mode=3",))
    assert problem.path == "demand.planned_lead_days.mode"


def test_every_bad_override_is_reported(tmp_yaml: Writer) -> None:
    problems = problems_of(tmp_yaml(BASE), ("gps.nope=1", "population.sise=2", "x=3"))
    assert [p.path for p in problems] == ["gps.nope", "population.sise", "x"]


def test_override_error_names_the_override(tmp_yaml: Writer) -> None:
    path = tmp_yaml(BASE)
    problem = only_problem(path, ("population.size=-4",))
    assert problem.path == "population.size"
    assert "--set population.size=-4" in problem.file


def test_error_in_a_block_created_by_an_override_names_the_override(tmp_yaml: Writer) -> None:
    # BUG (loading.py:415-427): an override creates the missing mappings on its path but
    # records an origin only for the leaf, so a problem of the created block (here: the
    # medical_assistants block needs count_fte) is blamed on line 1 of the file, which holds
    # nothing of it, instead of on the override.
    path = tmp_yaml(BASE)
    problem = only_problem(path, ("policies.medical_assistants.fte_per_gp=1",))
    assert problem.path == "policies.medical_assistants.count_fte"
    assert "--set policies.medical_assistants.fte_per_gp=1" in problem.file
    assert problem.line is None


def test_override_through_a_non_mapping_value(tmp_yaml: Writer) -> None:
    # BUG (loading.py:415-423): when the file holds a list where the schema wants a mapping,
    # the override walks into the list and ``target["size"] = ...`` raises TypeError (a
    # traceback in the CLI) instead of reporting the bad value.
    path = tmp_yaml("population: [1, 2]\n")
    problems = problems_of(path, ("population.size=3",))
    assert any(p.path.startswith("population") for p in problems)


def test_apply_overrides_does_not_touch_its_input(tmp_yaml: Writer) -> None:
    doc = load_document(tmp_yaml(BASE))
    before = repr(doc.data)
    after = apply_overrides(doc, ["population.size=1", "gps.roster.0.id=q"], Scenario)
    assert repr(doc.data) == before
    assert after.data["population"]["size"] == 1


# ---------------------------------------------------------------------------------------------
# Where errors point
# ---------------------------------------------------------------------------------------------


def test_line_numbers_point_at_the_bad_value(tmp_yaml: Writer) -> None:
    text = """\
# a comment on line 1
name: lines

population:
  size: 1000
  age_shares:
    age_0_15: 0.2
    age_16_59: 0.5
    age_60_74: 0.2
    age_75_plus: 0.2
calendar:
  horizon_days: 60
  warmup_days: "seven"
gps:
  roster:
    - id: a
    - id: b
      fte: 2.0
policies:
  nurses:
    colour: blue
"""
    path = tmp_yaml(text)
    where = {p.path: p.line for p in problems_of(path)}
    assert where == {
        "population.age_shares": 6,
        "calendar.warmup_days": 13,
        "gps.roster.1.fte": 18,
        "policies.nurses.colour": 21,
    }


def test_cross_field_error_points_at_the_field(tmp_yaml: Writer) -> None:
    path = tmp_yaml("population:\n  size: 10\ncalendar:\n  horizon_days: 20\n  warmup_days: 20\n")
    problem = only_problem(path)
    assert (problem.line, problem.path) == (5, "calendar.warmup_days")
    assert str(problem) == f"{path}:5: calendar.warmup_days: {problem.reason}"


def test_missing_field_points_at_its_parent(tmp_yaml: Writer) -> None:
    path = tmp_yaml("name: x\npopulation:\n  size: 10\n  ald_share:\n    age_0_15: 0.1\n")
    problems = problems_of(path)
    assert {p.path for p in problems} == {
        "population.ald_share.age_16_59",
        "population.ald_share.age_60_74",
        "population.ald_share.age_75_plus",
    }
    assert {p.line for p in problems} == {4}


def test_error_in_a_distribution_drops_the_union_tag(tmp_yaml: Writer) -> None:
    path = tmp_yaml(
        "population:\n  size: 10\ndemand:\n  planned_patience_days:\n"
        "    kind: normal\n    mu: 3\n    sd: -1\n    low: 0\n"
    )
    problem = only_problem(path)
    assert (problem.path, problem.line) == ("demand.planned_patience_days.sd", 7)


def test_display_name_is_relative_to_the_working_directory(
    tmp_yaml: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_yaml("population:\n  size: -1\n", "sub/file.yaml")
    monkeypatch.chdir(tmp_path)
    problem = only_problem(path)
    assert problem.file == str(Path("sub") / "file.yaml")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("# only a comment\n", "no data"),
        ("- a\n- b\n", "mapping"),
        ("just text\n", "mapping"),
        ("a: 1\na: 2\n", "duplicate key"),
        ("a: [1\n", "YAML syntax"),
        ("1: x\n", "text name"),
        ("a: !!binary aGVsbG8=\n", "tag"),
        ("a: !custom 3\n", "tag"),
        ("a: !!set {x, y}\n", "not allowed"),
    ],
)
def test_unreadable_documents_are_input_errors(tmp_yaml: Writer, text: str, reason: str) -> None:
    with pytest.raises(InputError) as info:
        load_document(tmp_yaml(text))
    assert any(reason in p.reason for p in info.value.problems), info.value.problems


def test_yaml_1_2_scalars(tmp_yaml: Writer) -> None:
    path = tmp_yaml("name: yes\ndescription: no\npopulation:\n  size: 010\n")
    s = load_scenario(path)
    assert (s.name, s.description, s.population.size) == ("yes", "no", 10)
    assert load_scenario(path, ["population.size=0o17"]).population.size == 15


def test_ages_may_key_the_age_schedules_only(tmp_yaml: Writer) -> None:
    import typing

    from accesssim.scenario import schema as S
    from accesssim.scenario.loading import AGE_KEYED_FIELDS

    # The loader's list is exactly the schema's fields keyed by age.
    keyed = {
        name
        for model in vars(S).values()
        if isinstance(model, type) and issubclass(model, S.BaseModel)
        for name, f in model.model_fields.items()
        if f.annotation == typing.get_args(S.AgeSchedule)[0] and f.metadata
    }
    assert keyed == set(AGE_KEYED_FIELDS)
    path = tmp_yaml(
        "gps:\n  count: 4\n  retirement_by_age: {60: 0.05, 70: 0.2, 80: 1.0}\n"
        "population:\n  size: 1000\n  out_migration_by_age: {0: 0.0}\n"
    )
    sc = load_scenario(path, ["gps.age_profile={30: 0.5, 60: 0.5, 70: 0.0}"])
    assert sc.gps.retirement_by_age == {60: 0.05, 70: 0.2, 80: 1.0}
    assert sc.gps.age_profile == {30: 0.5, 60: 0.5, 70: 0.0}
    # Anywhere else a number is not a field name.
    with pytest.raises(ScenarioError, match="text name"):
        load_scenario(tmp_yaml("gps:\n  60: 0.05\n"))
