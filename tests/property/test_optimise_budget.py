"""Budgets on the simulator: a budget of 0 keeps the baseline, more money never a worse front.

A small territory (5,000 inhabitants, 4 GPs, 150 days) with three levers that all cost money
(Asalée nurse FTE, medical-assistant FTE, a teleconsultation platform whose capacity the budget
pays by the act a day: its acts are costed as care, not as the policy's own cost, so the lever
carries its own unit cost) is searched exhaustively with common random numbers. Then:

* with a budget of EUR 0 above the baseline, the confirmed Pareto set is the baseline alone
  (every other mix costs more);
* for any two budgets b1 < b2 (hypothesis), the front within b2 is never worse than the front
  within b1: every mix of the b1 front is matched or beaten by one of the b2 front, so the
  hypervolume of the b2 front is at least that of the b1 front. The fronts are computed by the
  function the optimiser itself uses (``front_at_budget``) on the evaluated mixes, which do not
  depend on the budget in an exhaustive search.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.experiment.optimise import front_at_budget, load_optimise, optimise
from accesssim.experiment.pareto import hypervolume

BASE = """\
name: tiny
population: {size: 5000}
calendar: {horizon_days: 150, warmup_days: 28}
gps: {count: 4}
policies:
  unscheduled_slots: {reserved_share: 0.2, release_day: same, release_time_hours: 12}
  teleconsultation: {platform_daily_capacity: 0}
  nurses: {fte: 0}
  medical_assistants: {count_fte: 0}
"""

EXPERIMENT = """\
name: budgets
base: base.yaml
levers:
  - {path: policies.nurses.fte, range: [0, 2], type: integer, name: nurses}
  - {path: policies.medical_assistants.count_fte, range: [0, 2], type: integer, name: assistants}
  - {path: policies.teleconsultation.platform_daily_capacity, range: [0, 6], type: integer,
     name: tele, cost_per_unit_per_year_eur: 9125}
budget: {amount_eur: BUDGET, per: year}
objectives:
  - {metric: unscheduled_within_48h_share, sense: maximise, indifference: 0.005}
  - {metric: mt_coverage_end, sense: maximise, indifference: 0.002}
search: {algorithm: exhaustive}
replications: 2
confirm: {finalists: 6, first_stage: 4, batch: 2, max_replications: 6}
executor: serial
"""


def write(tmp: Path, budget: float) -> Path:
    (tmp / "base.yaml").write_text(BASE, encoding="utf-8")
    path = tmp / f"exp-{budget:g}.yaml"
    path.write_text(EXPERIMENT.replace("BUDGET", f"{budget:g}"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, list]:
    tmp = tmp_path_factory.mktemp("budgets")
    exp = load_optimise(write(tmp, 0.0))
    res = optimise(exp, tmp / "out")
    return res.mixes, list(exp.spec.objectives), res


def test_budget_zero_returns_the_baseline(evaluated) -> None:
    mixes, _, res = evaluated
    assert len(mixes) == 3 * 3 * 7
    assert res.pareto == [0]
    base = mixes.set_index("mix").loc[0]
    assert base["label"] == "baseline"
    assert base["extra_cost_mean"] == 0.0
    # Every other mix costs more than the baseline, so none is within a budget of 0.
    others = mixes[mixes["mix"] != 0]
    assert (others["search_budget_spend"] > 0).all()
    assert not others["search_feasible"].any()


def _hv(front: pd.DataFrame, objectives: list) -> float:
    if front.empty:
        return 0.0
    F = np.column_stack([-front[f"search_{o.metric}"].to_numpy(float) for o in objectives])
    return hypervolume(F, np.zeros(len(objectives)))


@settings(max_examples=25)
@given(st.floats(0, 400_000), st.floats(0, 400_000))
def test_a_larger_budget_never_gives_a_worse_front(evaluated, b1: float, b2: float) -> None:
    mixes, objectives, _ = evaluated
    lo, hi = sorted((b1, b2))
    small = front_at_budget(mixes, objectives, lo)
    large = front_at_budget(mixes, objectives, hi)
    assert not small.empty  # the baseline fits any budget >= 0
    cols = [f"search_{o.metric}" for o in objectives]
    for row in small[cols].to_numpy(float):
        # Maximised objectives: some mix of the larger front is at least as good everywhere.
        assert (large[cols].to_numpy(float) >= row - 1e-12).all(axis=1).any()
    assert _hv(large, objectives) >= _hv(small, objectives) - 1e-12


def test_a_larger_budget_confirms_a_front_at_least_as_good(tmp_path: Path, evaluated) -> None:
    _mixes, objectives, res0 = evaluated
    res = optimise(load_optimise(write(tmp_path, 150_000.0)), tmp_path / "out")
    assert res.complete
    chosen = res.mixes[res.mixes["pareto"]]
    assert (chosen["budget_spend_mean"] <= 150_000.0).all()
    base = res0.mixes.set_index("mix").loc[0]
    cols = [f"{o.metric}_mean" for o in objectives]
    # The baseline (the whole front at EUR 0) is matched or beaten by the larger front.
    assert (chosen[cols].to_numpy(float) >= base[cols].to_numpy(float) - 1e-12).all(axis=1).any()
