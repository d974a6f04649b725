"""A run's tidy tables: all of them, or only those asked for (an optimisation keeps two, a
sweep three, the app's map one), the same either way."""

from __future__ import annotations

import pandas as pd
import pytest

from accesssim.experiment import run_tables
from accesssim.experiment.store import TABLES
from accesssim.model import simulate
from accesssim.model.policies import POLICIES
from accesssim.scenario import Scenario


@pytest.fixture(scope="module")
def result():
    scenario = Scenario.model_validate(
        {
            "calendar": {"horizon_days": 120, "warmup_days": 20},
            "population": {"size": 3000},
            "gps": {"count": 3},
            "policies": {p.key: p.example for p in POLICIES},
        }
    )
    return simulate(scenario, seed=4)


@pytest.mark.parametrize(
    "only",
    [("metrics", "costs"), ("metrics", "outcomes", "costs"), ("communes",), ("waits", "years")],
)
def test_only_the_tables_asked_for_and_the_same_ones(result, only: tuple[str, ...]) -> None:
    everything = run_tables(result, "s", point=2, extra={"sample": 7})
    assert set(everything) == set(TABLES)
    assert all(len(df) > 0 for name, df in everything.items() if name != "yearly")
    part = run_tables(result, "s", point=2, extra={"sample": 7}, only=only)
    assert set(part) == set(only)
    for name, df in part.items():
        assert list(df.columns[:5]) == ["scenario", "point", "replication", "seed", "sample"]
        pd.testing.assert_frame_equal(df, everything[name], check_exact=True)
