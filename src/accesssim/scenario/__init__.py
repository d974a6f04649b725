"""Scenario files: the schema, YAML loading with line numbers, overlays and overrides."""

from accesssim.scenario.errors import InputError, Problem, ScenarioError
from accesssim.scenario.loading import (
    Document,
    apply_overrides,
    load_document,
    load_scenario,
    load_scenario_document,
    validate_document,
)
from accesssim.scenario.plausibility import scenario_warnings
from accesssim.scenario.schema import AGE_BANDS, Scenario

__all__ = [
    "AGE_BANDS",
    "Document",
    "InputError",
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_document",
    "load_scenario",
    "load_scenario_document",
    "scenario_warnings",
    "validate_document",
]
