"""Sensitivity analysis through our own sweep machinery, against analytic answers.

* Sobol indices of the Ishigami function (a = 7, b = 0.1), run as a sweep with the function
  plugged in where the simulator goes. Analytic values (Ishigami & Homma 1990; Saltelli et al.
  2008, *Global Sensitivity Analysis: The Primer*, and SALib's own test suite):
  S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437). 1,024 base samples (5,120 points)
  give every index within 0.01 of its value, inside the 0.05 tolerance.
* PRCC on a monotone function with a known ranking (Marino et al. 2008): y = 10 x1 + 3 x2 +
  0.3 x3 + small noise, so |PRCC| ranks x1 > x2 > x3, with x1 and x2 significant.
* Grid main effects of an additive function equal the known ranges.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accesssim.experiment.sweep import Experiment, load_experiment, sweep

ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(x: dict[str, float], seed: int, replication: int) -> dict[str, float]:
    """The Ishigami function on [-pi, pi]^3 (deterministic: seed and replication unused)."""
    a, b = 7.0, 0.1
    x1, x2, x3 = x["x1"], x["x2"], x["x3"]
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def monotone(x: dict[str, float], seed: int, replication: int) -> dict[str, float]:
    rng = np.random.default_rng([seed, replication, int(1e6 * x["x1"])])
    return {"y": 10 * x["x1"] + 3 * x["x2"] + 0.3 * x["x3"] + rng.normal(0, 0.05)}


def additive(x: dict[str, float], seed: int, replication: int) -> dict[str, float]:
    return {"y": 2.0 * x["x1"] - 1.0 * x["x2"]}


def factor_values(exp: Experiment, point: dict[str, Any]) -> dict[str, float]:
    """Payload of a test model: the point's factor values by short name."""
    return {f.label: point[f.path] for f in exp.spec.factors}


def write_experiment(tmp_path: Path, design: str, lo: float, hi: float, extra: str = "") -> Path:
    # Factor paths must be scenario fields; any three numeric fields do, since the test model
    # reads the values only (the base scenario is never simulated).
    (tmp_path / "base.yaml").write_text("population: {size: 100}\n", encoding="utf-8")
    path = tmp_path / "exp.yaml"
    path.write_text(
        f"""name: analytic
base: base.yaml
factors:
  - {{path: demand.seasonal_amplitude, range: [{lo}, {hi}], name: x1}}
  - {{path: demand.enrol_share, range: [{lo}, {hi}], name: x2}}
  - {{path: territory.distance_decay_km, range: [{lo}, {hi}], name: x3}}
design: {design}
replications: 1
metrics: [wait_planned_mean_days]
executor: serial
{extra}""",
        encoding="utf-8",
    )
    return path


def run(path: Path, out: Path, model) -> Any:
    exp = load_experiment(path)
    # The analytic metric is called "y"; analyse it instead of the simulator's metrics.
    spec = exp.spec.model_copy(update={"metrics": ["y"]})
    exp = Experiment(
        spec=spec, file=exp.file, base_doc=exp.base_doc, points=exp.points, unit=exp.unit
    )
    return sweep(exp, out, model=model, payload=factor_values)


def test_ishigami_sobol_indices_through_the_sweep(tmp_path: Path) -> None:
    # Bounds [-pi, pi] are outside the scenario fields' own ranges, but the points are never
    # turned into scenarios: the test model reads the factor values directly.
    path = write_experiment(
        tmp_path, "{kind: sobol, base_samples: 1024, seed: 7}", -math.pi, math.pi
    )
    res = run(path, tmp_path / "out", ishigami)
    assert res.complete
    assert res.total == 1024 * (3 + 2)
    idx = res.sensitivity["indices"]
    for j, name in enumerate(("x1", "x2", "x3")):
        s1 = idx[(idx.factor == name) & (idx.measure == "S1")].iloc[0]
        st = idx[(idx.factor == name) & (idx.measure == "ST")].iloc[0]
        assert s1.value == pytest.approx(ISHIGAMI_S1[j], abs=0.05)
        assert st.value == pytest.approx(ISHIGAMI_ST[j], abs=0.05)
        # The analytic value lies inside (or very near) the bootstrap CI.
        assert s1.low - 0.02 <= ISHIGAMI_S1[j] <= s1.high + 0.02
        assert st.low - 0.02 <= ISHIGAMI_ST[j] <= st.high + 0.02


def test_prcc_ranks_a_monotone_function(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, "{kind: lhs, points: 200, seed: 3}", 0.0, 1.0)
    res = run(path, tmp_path / "out", monotone)
    idx = res.sensitivity["indices"].set_index("factor")
    r = idx["value"]
    assert abs(r["x1"]) > abs(r["x2"]) > abs(r["x3"])
    assert r["x1"] > 0.9
    assert r["x2"] > 0.5
    assert idx.loc["x1", "p_value"] < 1e-6
    assert idx.loc["x2", "p_value"] < 1e-6


def test_grid_main_effects_of_an_additive_function(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, "{kind: grid, levels: 3}", 0.0, 1.0)
    res = run(path, tmp_path / "out", additive)
    assert res.total == 27
    idx = res.sensitivity["indices"].set_index("factor")
    assert idx.loc["x1", "value"] == pytest.approx(2.0)
    assert idx.loc["x2", "value"] == pytest.approx(1.0)
    assert idx.loc["x3", "value"] == pytest.approx(0.0)
