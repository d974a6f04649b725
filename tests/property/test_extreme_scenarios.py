"""No schema-valid scenario crashes the simulation (docs/reliability.md).

:func:`accesssim.testing.extreme_scenario_dicts` draws small scenarios whose numbers sit at the
edges of what the schema accepts: its bounds, huge values where it sets none, extreme
distributions. One replication of each must run to the end and give metrics that are numbers
or NaN, never infinite, and costs that are finite.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accesssim.model import simulate
from accesssim.scenario import Scenario
from accesssim.testing import extreme_scenario_dicts

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(extreme_scenario_dicts(max_population=1500, max_gps=4, max_horizon_days=42), SEEDS)
def test_schema_valid_extreme_scenarios_simulate_without_error(data: dict, seed: int) -> None:
    scenario = Scenario.model_validate(data)
    result = simulate(scenario, seed, 0)
    infinite = {k: v for k, v in result.metrics.items() if isinstance(v, float) and math.isinf(v)}
    assert not infinite
    assert all(math.isfinite(v) for v in result.costs.values()), result.costs
