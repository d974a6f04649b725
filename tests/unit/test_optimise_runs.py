"""The optimiser's run accounting: every (mix, replication) runs once, and ``resume`` runs only
what is missing.

On a lever space of four mixes with a population of six, NSGA-II proposes the same mix several
times in a generation; each of its replications must still be one task, run and counted once,
so that the runs reported equal the runs on disk and a resumed run reruns nothing that
finished (a fast analytic model stands in for the simulator).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from accesssim.experiment import optimise as optimise_module
from accesssim.experiment.optimise import Objective, OptimiseExperiment, load_optimise, optimise

CALLS: Counter[tuple[int, int, int]] = Counter()


def model(x: dict[str, int], seed: int, replication: int) -> dict[str, float]:
    """Access a + 2b with a small replication effect; cost 10 a + 30 b (EUR)."""
    CALLS[(x["a"], x["b"], replication)] += 1
    a, b = x["a"], x["b"]
    return {"f": a + 2.0 * b + 0.01 * (replication % 3), "policy_cost_eur": 10.0 * a + 30.0 * b}


def payload(exp: OptimiseExperiment, values: dict[str, Any]) -> dict[str, int]:
    return {f.label: int(values[f.path]) for f in exp.spec.levers}


@pytest.fixture
def experiment(tmp_path: Path) -> OptimiseExperiment:
    (tmp_path / "base.yaml").write_text(
        "population: {size: 100}\ngps: {count: 0}\n"
        "policies: {nurses: {fte: 0}, medical_assistants: {count_fte: 0}}\n",
        encoding="utf-8",
    )
    (tmp_path / "opt.yaml").write_text(
        """name: repeats
base: base.yaml
levers:
  - {path: policies.nurses.fte, range: [0, 1], type: integer, name: a}
  - {path: policies.medical_assistants.count_fte, range: [0, 1], type: integer, name: b}
objectives:
  - {metric: wait_planned_mean_days, sense: maximise}
  - {metric: policy_cost_eur, sense: minimise, indifference: 1}
search: {population: 6, generations: 3, seed: 4}
replications: 2
confirm: {finalists: 2, first_stage: 3, batch: 1, max_replications: 4}
executor: serial
""",
        encoding="utf-8",
    )
    exp = load_optimise(tmp_path / "opt.yaml")
    objectives = [
        Objective(metric="f", sense="maximise", indifference=0.5),
        Objective(metric="policy_cost_eur", sense="minimise", indifference=1.0),
    ]
    spec = exp.spec.model_copy(update={"objectives": objectives})
    return OptimiseExperiment(spec, exp.file, exp.base_doc, exp.base_scenario, exp.baseline)


def parts(out: Path) -> list[Path]:
    return sorted((out / "parts" / "metrics").glob("p*.parquet"))


def test_a_repeated_mix_runs_once_and_resume_reruns_nothing(
    experiment: OptimiseExperiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[list[int]] = []
    ensure = optimise_module._Runner.ensure

    def recording(self: Any, mixes: list[int], reps: Any) -> None:
        batches.append(list(mixes))
        ensure(self, mixes, reps)

    monkeypatch.setattr(optimise_module._Runner, "ensure", recording)
    CALLS.clear()
    full = tmp_path / "full"
    res = optimise(experiment, full, model=model, payload=payload)
    assert res.complete
    assert len(res.mixes) == 4
    # The case at stake happened: a generation proposed a mix never run before twice.
    seen: set[int] = set()
    repeated_new = []
    for batch in batches:
        repeated_new += [m for m, n in Counter(batch).items() if n > 1 and m not in seen]
        seen.update(batch)
    assert repeated_new
    assert max(CALLS.values()) == 1
    n_total = len(parts(full))
    assert res.runs_done == res.runs_executed == sum(CALLS.values()) == n_total

    # An interrupted run: only the first half of the runs reached the disk.
    out = tmp_path / "killed"
    optimise(experiment, out, model=model, payload=payload)
    kept = n_total // 2
    for p in parts(out)[kept:]:
        for folder in (out / "parts").iterdir():
            (folder / p.name).unlink(missing_ok=True)
    assert len(parts(out)) == kept
    CALLS.clear()
    again = optimise(experiment, out, resume=True, model=model, payload=payload)
    assert again.runs_executed == sum(CALLS.values()) == n_total - kept
    assert max(CALLS.values()) == 1
    assert again.runs_done == n_total == len(parts(out))
    for name in ("metrics", "mixes", "estimates", "comparisons"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / f"{name}.parquet"),
            pd.read_parquet(full / f"{name}.parquet"),
            obj=name,
        )


def test_yearly_lever_costs_are_discounted_like_the_simulated_costs() -> None:
    # A lever's yearly cost adds to the (discounted) cost metric in the same present-value
    # euros: year y weighs (1 + rate)^-(y - 1), a short last year its share (HAS 2020: 2.5 %).
    from types import SimpleNamespace

    from accesssim.experiment.optimise import OptimiseExperiment

    def discounted(years: float, rate: float) -> float:
        exp = SimpleNamespace(
            years=years, base_scenario=SimpleNamespace(costs=SimpleNamespace(discount_rate=rate))
        )
        return OptimiseExperiment.discounted_years.fget(exp)

    assert discounted(5.0, 0.0) == pytest.approx(5.0)
    assert discounted(5.0, 0.025) == pytest.approx(sum(1.025**-k for k in range(5)))
    assert discounted(1.5, 0.025) == pytest.approx(1.0 + 0.5 / 1.025)
    assert discounted(0.5, 0.025) == pytest.approx(0.5)
