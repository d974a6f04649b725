"""The optimiser's search path on analytic problems with known Pareto fronts.

* ZDT1 (Zitzler, Deb & Thiele 2000, "Comparison of multiobjective evolutionary algorithms:
  empirical results", Evolutionary Computation 8(2), 173-195), here with 10 variables in
  [0, 1]: f1 = x1, g = 1 + 9 mean(x2..x10), f2 = g (1 - sqrt(f1 / g)). The Pareto front is
  f2 = 1 - sqrt(f1), f1 in [0, 1] (g = 1); the area it dominates up to the reference point
  (1, 1) is the integral of sqrt(f) over [0, 1], 2/3. The search (NSGA-II, 40 mixes x 60
  generations, 2,400 evaluations, run through the same batch loop, store and executor as the
  simulator) must reach 0.62, 93 % of it. Deb et al. (2002) report NSGA-II close to the front
  on ZDT1 after 25,000 evaluations with 30 variables; 10 variables converge sooner.
* A deterministic discrete problem searched exhaustively: the front must be exactly the
  analytic one, and the budget must remove exactly the mixes that cost more.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from accesssim.experiment.optimise import OptimiseExperiment, load_optimise, optimise
from accesssim.experiment.pareto import hypervolume

# Any ten numeric scenario fields do as lever paths: the test model reads the values only.
PATHS = [
    "demand.seasonal_amplitude",
    "demand.enrol_share",
    "territory.distance_decay_km",
    "calendar.morning_start_hour",
    "calendar.afternoon_start_hour",
    "calendar.request_start_hour",
    "calendar.request_end_hour",
    "gps.departure_rate_60_plus",
    "gps.departure_rate_under_60",
    "population.without_mt_share",
]
ZDT1_FRONT_HV = 2.0 / 3.0
ZDT1_TARGET_HV = 0.62


def zdt1(x: dict[str, float], seed: int, replication: int) -> dict[str, float]:
    v = np.array([x[f"x{i}"] for i in range(len(x))])
    f1 = float(v[0])
    g = 1.0 + 9.0 * float(v[1:].mean())
    return {"f1": f1, "f2": g * (1.0 - math.sqrt(f1 / g)), "policy_cost_eur": 0.0}


def values_by_name(exp: OptimiseExperiment, values: dict[str, Any]) -> dict[str, float]:
    return {f.label: float(values[f.path]) for f in exp.spec.levers}


def with_objectives(exp: OptimiseExperiment, objectives: list[dict[str, Any]]) -> Any:
    """The experiment with analytic objectives (their names are not simulator metrics)."""
    from accesssim.experiment.optimise import Objective

    spec = exp.spec.model_copy(update={"objectives": [Objective(**o) for o in objectives]})
    return OptimiseExperiment(spec, exp.file, exp.base_doc, exp.base_scenario, exp.baseline)


@pytest.mark.slow
def test_zdt1_reaches_the_stated_hypervolume(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("population: {size: 100}\n", encoding="utf-8")
    levers = "\n".join(
        f"  - {{path: {p}, range: [0.0, 1.0], name: x{i}}}" for i, p in enumerate(PATHS)
    )
    (tmp_path / "zdt1.yaml").write_text(
        f"""name: zdt1
base: base.yaml
set: ["calendar.morning_start_hour=0.5", "calendar.afternoon_start_hour=0.9",
      "calendar.request_start_hour=0.1", "calendar.request_end_hour=0.8"]
levers:
{levers}
objectives:
  - {{metric: wait_planned_mean_days, sense: minimise}}
search: {{algorithm: nsga2, population: 40, generations: 60, seed: 3}}
replications: 1
confirm: {{finalists: 2, first_stage: 2, max_replications: 2}}
executor: serial
""",
        encoding="utf-8",
    )
    exp = with_objectives(
        load_optimise(tmp_path / "zdt1.yaml"),
        [
            {"metric": "f1", "sense": "minimise", "indifference": 0.01},
            {"metric": "f2", "sense": "minimise", "indifference": 0.01},
        ],
    )
    res = optimise(exp, tmp_path / "out", model=zdt1, payload=values_by_name)
    assert res.complete
    F = res.mixes[["search_f1", "search_f2"]].to_numpy(float)
    hv = hypervolume(F, [1.0, 1.0])
    print(f"ZDT1 hypervolume {hv:.4f} (front {ZDT1_FRONT_HV:.4f})")
    assert hv >= ZDT1_TARGET_HV, hv
    assert hv <= ZDT1_FRONT_HV + 1e-9
    # Every mix is on or above the analytic front f2 = 1 - sqrt(f1).
    assert np.all(F[:, 1] >= 1.0 - np.sqrt(F[:, 0]) - 1e-9)
    # The tidy outputs exist and agree with the search.
    mixes = pd.read_parquet(tmp_path / "out" / "mixes.parquet")
    assert len(mixes) == len(res.mixes)
    assert (tmp_path / "out" / "pareto.json").is_file()


def grid_problem(x: dict[str, float], seed: int, replication: int) -> dict[str, float]:
    """Two integer levers a, b in 0..3: access = a + 2b, cost = 10 a + 30 b (EUR)."""
    a, b = x["a"], x["b"]
    return {"f": a + 2.0 * b, "policy_cost_eur": 10.0 * a + 30.0 * b}


@pytest.mark.parametrize("budget", [0.0, 25.0, 60.0, 1000.0])
def test_exhaustive_front_is_the_analytic_one(tmp_path: Path, budget: float) -> None:
    (tmp_path / "base.yaml").write_text(
        "population: {size: 100}\ngps: {count: 0}\n"
        "policies: {nurses: {fte: 0}, medical_assistants: {count_fte: 0}}\n",
        encoding="utf-8",
    )
    (tmp_path / "grid.yaml").write_text(
        f"""name: grid
base: base.yaml
levers:
  - {{path: policies.nurses.fte, range: [0, 3], type: integer, name: a}}
  - {{path: policies.medical_assistants.count_fte, range: [0, 3], type: integer, name: b}}
budget: {{amount_eur: {budget}, per: horizon}}
objectives:
  - {{metric: wait_planned_mean_days, sense: maximise}}
  - {{metric: policy_cost_eur, sense: minimise, indifference: 1}}
search: {{algorithm: exhaustive}}
replications: 2
confirm: {{finalists: 16, first_stage: 2, max_replications: 4}}
executor: serial
""",
        encoding="utf-8",
    )
    exp = with_objectives(
        load_optimise(tmp_path / "grid.yaml"),
        [
            {"metric": "f", "sense": "maximise", "indifference": 0.5},
            {"metric": "policy_cost_eur", "sense": "minimise", "indifference": 1.0},
        ],
    )
    res = optimise(exp, tmp_path / "out", model=grid_problem, payload=values_by_name)
    assert len(res.mixes) == 16  # every combination, the baseline (0, 0) among them
    got = {(int(r.a), int(r.b)) for r in res.mixes[res.mixes.pareto].itertuples()}
    # Analytic: within the budget, a mix is dominated when another gives as much access for
    # no more money; per euro b gives 2/30 and a 1/10, so the front is every affordable
    # (a, b) that no other affordable one beats.
    pts = [(a, b) for a in range(4) for b in range(4) if 10 * a + 30 * b <= budget]
    want = {
        (a, b)
        for a, b in pts
        if not any(
            (a2 + 2 * b2 >= a + 2 * b and 10 * a2 + 30 * b2 <= 10 * a + 30 * b)
            and (a2 + 2 * b2, 10 * a2 + 30 * b2) != (a + 2 * b, 10 * a + 30 * b)
            for a2, b2 in pts
        )
    }
    assert got == want
    if budget == 0.0:
        assert got == {(0, 0)}  # a budget of 0 keeps the baseline alone
