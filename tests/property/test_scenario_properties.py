"""Properties of scenario files over many generated scenarios (accesssim.testing strategies).

* Every generated valid scenario validates, keeps the bounds it was drawn with, and survives a
  trip through a YAML file: written with ruamel's safe dumper, read back with
  ``load_scenario``, it gives the same ``model_dump()``.
* Every deliberately broken scenario is refused with a ``ScenarioError`` that blames the broken
  field (its dotted path, with the file and line), for each kind of mistake.
* The command line does the same: exit code 2, the file name and the field path on standard
  error, never a traceback (fewer examples: each one is a subprocess).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from pydantic import ValidationError
from ruamel.yaml import YAML

from accesssim.scenario import Scenario, ScenarioError, load_scenario, scenario_warnings
from accesssim.testing import (
    BROKEN_KINDS,
    broken_scenario_dicts,
    valid_scenario_dicts,
    valid_scenarios,
)

Cli = Callable[..., subprocess.CompletedProcess[str]]


def has_path(paths: list[str], path: str) -> bool:
    """Whether one of the dotted ``paths`` is ``path`` or lies below it."""
    return any(p == path or p.startswith(path + ".") for p in paths)


@contextmanager
def yaml_file(data: dict[str, Any], name: str = "scenario.yaml") -> Iterator[Path]:
    """``data`` written as YAML (ruamel safe dumper, block style) in a temporary folder."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(data, stream)
        yield path


# ---------------------------------------------------------------------------------------------
# Valid scenarios
# ---------------------------------------------------------------------------------------------


@given(valid_scenario_dicts())
def test_valid_scenarios_validate_and_round_trip_through_yaml(data: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(data)
    with yaml_file(data) as path:
        loaded = load_scenario(path)
    assert loaded.model_dump() == scenario.model_dump()
    assert loaded == scenario


@given(valid_scenarios())
def test_valid_scenarios_respect_their_bounds(scenario: Scenario) -> None:
    cal = scenario.calendar
    assert 14 <= cal.horizon_days <= 120
    assert 0 <= cal.warmup_days < cal.horizon_days
    assert 0 <= scenario.population_size <= 5000
    assert 0 <= scenario.gp_count <= 6
    assert 0 <= len(scenario.territory.communes) <= 4
    summary = scenario.summary()
    assert summary["population"] == scenario.population_size
    assert summary["gps"] == scenario.gp_count
    assert set(summary["policies"]) <= set(type(scenario.policies).model_fields)
    for inst in scenario.policies.installations:
        assert 0 <= cal.day_of(inst.date) < cal.horizon_days


@given(valid_scenarios(max_population=50, max_gps=1, max_horizon_days=14, policies=False))
def test_valid_scenarios_honour_their_parameters(scenario: Scenario) -> None:
    assert scenario.calendar.horizon_days == 14
    assert scenario.population_size <= 50
    assert scenario.gp_count <= 1
    assert scenario.policies.active() == []


@pytest.mark.parametrize(
    "kwargs", [{"max_horizon_days": 13}, {"max_population": -1}, {"max_gps": -2}]
)
def test_strategy_parameters_are_checked(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="max_"):
        valid_scenario_dicts(**kwargs)


def test_unknown_kind_of_mistake_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kinds"):
        broken_scenario_dicts(["no_such_mistake"])


# ---------------------------------------------------------------------------------------------
# Broken scenarios
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_each_kind_of_mistake_is_refused_at_its_field(kind: str) -> None:
    @settings(max_examples=8)
    @given(broken_scenario_dicts([kind]))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        data, path = pair
        with pytest.raises(ValidationError) as direct:
            Scenario.model_validate(data)
        locs = [".".join(map(str, e["loc"])) for e in direct.value.errors()]
        assert has_path(locs, path), (path, locs)
        with yaml_file(data) as file, pytest.raises(ScenarioError) as info:
            load_scenario(file)
        blamed = [p for p in info.value.problems if has_path([p.path], path)]
        assert blamed, (path, info.value.problems)
        assert all(p.file == str(file) and p.line is not None for p in blamed), blamed

    check()


@given(broken_scenario_dicts())
def test_broken_scenarios_give_a_scenario_error_naming_the_field(
    pair: tuple[dict[str, Any], str],
) -> None:
    data, path = pair
    with yaml_file(data, "broken.yaml") as file, pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert has_path([p.path for p in info.value.problems], path), (path, info.value.problems)
    assert all(str(p).startswith(str(file)) for p in info.value.problems)


# ---------------------------------------------------------------------------------------------
# Through the command line
# ---------------------------------------------------------------------------------------------


@settings(max_examples=10)
@given(pair=broken_scenario_dicts())
def test_cli_refuses_broken_scenarios(cli: Cli, pair: tuple[dict[str, Any], str]) -> None:
    data, path = pair
    with yaml_file(data, "broken.yaml") as file:
        result = cli("validate", file.name, cwd=file.parent)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith("broken.yaml:") for line in lines), lines
    assert any(f": {path}: " in line or f": {path}." in line for line in lines), (path, lines)
    assert result.stdout == ""


@settings(max_examples=5)
@given(data=valid_scenario_dicts())
def test_cli_accepts_valid_scenarios(cli: Cli, data: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(data)
    with yaml_file(data, "valid.yaml") as file:
        result = cli("validate", file.name, cwd=file.parent)
    assert result.returncode == 0, result.stderr
    # Nothing on stderr but the scenario's warnings (valid but implausible input), one line each.
    warned = result.stderr.splitlines()
    assert len(warned) == len(scenario_warnings(scenario)), warned
    assert all(line.startswith("valid.yaml") and ": warning: " in line for line in warned)
    assert result.stdout.startswith("ok  valid.yaml: ")
    assert f"{scenario.population_size:,} inhabitants" in result.stdout
    assert f"{scenario.gp_count} GPs" in result.stdout
