"""Optimisation: the best policy mixes for a budget, searched over the simulator.

An optimisation file (YAML, checked with the same ``FILE:LINE: field: reason`` errors as
scenarios and sweeps) names a base scenario, the *levers* (dotted paths with bounds, integer,
continuous or categorical, and a cost per unit when the policy block does not cost them), a
*budget* checked against the scenario's cost metric, the *objectives* (metrics to maximise or
minimise) and *constraints*. The run has two stages:

1. **Search.** A many-objective evolutionary search (NSGA-II, Deb et al. 2002, or NSGA-III,
   Deb & Jain 2014, from optuna's samplers) proposes a generation of mixes at a time; every
   mix is simulated with the same replication seeds (common random numbers: every candidate
   faces the same patients), the whole generation as one batch through the executor
   (serial, processes or Dask), and the results go back to the sampler in a fixed order. The
   search is therefore the same for a given seed whichever executor runs it. Over budget or
   outside a constraint, a mix is infeasible (Deb's constrained domination). The baseline (the
   base scenario's own lever values) is always evaluated. A small lever space can be
   enumerated instead (``algorithm: exhaustive``).
2. **Confirmation.** The feasible mixes that no other evaluated mix dominates (at most
   ``confirm.finalists`` of them, spread by crowding distance) and the baseline are run again
   with more replications, and a KN-type procedure on paired differences
   (:mod:`accesssim.experiment.selection`, Kim & Nelson 2001) decides, for every pair and
   objective, which is better, whether they tie within the planner's indifference zone, or
   that more replications are needed. The reported Pareto set is the finalists that no other
   really dominates.

Every (mix, replication) is one task written at once, atomically, to the results directory;
``resume`` replays the search from its seed and runs only the tasks that are missing, so an
interrupted run loses nothing that finished and ends with the same tables as an uninterrupted
one.

The model is pluggable as in :mod:`accesssim.experiment.sweep`: ``model(payload, seed,
replication) -> dict`` and ``payload(experiment, values)`` (the validation tests plug in the
ZDT1 test problem, whose Pareto front is known).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from accesssim.analysis import mean_ci
from accesssim.experiment.executors import make_executor
from accesssim.experiment.pareto import crowding_distance, hypervolume, nondominated
from accesssim.experiment.selection import (
    BETTER_A,
    BETTER_B,
    TIE,
    UNDECIDED,
    kn_screen,
    really_dominated,
)
from accesssim.experiment.store import ResultsDir, run_tables, seeds_record
from accesssim.experiment.sweep import (
    Factor,
    Model,
    _Frozen,
    _simulator,
    _task,
    check_factor_paths,
    point_overrides,
    value_at,
)
from accesssim.i18n import _
from accesssim.model import METRIC_NAMES, RunResult
from accesssim.scenario.errors import InputError, Problem
from accesssim.scenario.loading import (
    Document,
    apply_overrides,
    load_document,
    validate_document,
)
from accesssim.scenario.schema import Scenario, raise_problems

__all__ = [
    "Budget",
    "Confirm",
    "Constraint",
    "Lever",
    "Objective",
    "OptimiseExperiment",
    "OptimiseResult",
    "OptimiseSpec",
    "Search",
    "front_at_budget",
    "load_optimise",
    "optimise",
]

EXTRA_COST = "extra_cost_eur"

#: The most mixes an exhaustive search may enumerate.
MAX_EXHAUSTIVE = 10_000


class Lever(Factor):
    """A lever: a scenario field the planner sets, with its bounds and its cost."""

    step: float | None = Field(
        default=None,
        gt=0,
        description="Continuous lever: values on a grid of this step from the low bound.",
    )
    cost_per_unit_per_year_eur: float = Field(
        default=0.0,
        ge=0,
        description="Cost of one unit of the lever a year, added to the cost metric, for a "
        "lever the policy block does not cost (EUR/unit/year).",
    )

    @model_validator(mode="after")
    def _lever(self) -> Self:
        if self.step is not None and self.kind != "continuous":
            raise ValueError("step goes with a continuous lever")
        if self.scale:
            raise ValueError("a lever sets values: scale: true is for uncertainties")
        return self

    def canonical(self, value: Any) -> Any:
        """The value as stored: integers as int, continuous values on their step grid."""
        if self.kind == "categorical":
            assert self.levels is not None
            for level in self.levels:
                if level == value and type(level) is type(value):
                    return level
            return value
        if self.kind == "integer":
            return int(round(float(value)))
        v = float(value)
        if self.step is not None:
            assert self.range is not None
            lo, hi = self.range
            k = round((v - lo) / self.step)
            v = min(max(lo + k * self.step, lo), hi)
        return float(f"{v:.12g}")

    def values(self) -> list[Any]:
        """Every value of a discrete lever (exhaustive search)."""
        if self.kind == "categorical":
            assert self.levels is not None
            return list(self.levels)
        assert self.range is not None
        lo, hi = self.range
        if self.kind == "integer":
            return list(range(math.ceil(lo), math.floor(hi) + 1))
        if self.step is None:
            raise ValueError("no step")
        n = int(math.floor((hi - lo) / self.step + 1e-9))
        return [self.canonical(lo + k * self.step) for k in range(n + 1)]


class Budget(_Frozen):
    """What the mixes may cost, in the scenario's cost metric."""

    amount_eur: float = Field(ge=0, description="The budget (EUR).")
    per: Literal["year", "horizon"] = Field(
        default="horizon",
        description="'horizon': over the measurement window of the scenario (e.g. a five-year "
        "contract simulated over five years); 'year': per year of it.",
    )
    relative_to: Literal["baseline", "zero"] = Field(
        default="baseline",
        description="'baseline': the extra cost over the base scenario (what the budget buys "
        "on top of today's spending); 'zero': the whole cost metric.",
    )


class Objective(_Frozen):
    """A metric to maximise or minimise."""

    metric: str = Field(description="Metric name (docs/metrics.md), or the cost metric.")
    sense: Literal["maximise", "minimise"] = Field(description="maximise or minimise.")
    indifference: float | None = Field(
        default=None,
        gt=0,
        description="Smallest difference that matters, in the metric's unit (the KN "
        "indifference zone); default: 1 % of the baseline's value (EUR 1,000 for a cost).",
    )


class Constraint(_Frozen):
    """A bound a mix must respect (on the mean over replications)."""

    metric: str = Field(description="Metric name.")
    min: float | None = Field(default=None, description="Lowest acceptable mean.")
    max: float | None = Field(default=None, description="Highest acceptable mean.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("give min:, max: or both")
        return self


class Search(_Frozen):
    """The search stage."""

    algorithm: Literal["nsga2", "nsga3", "exhaustive"] = Field(
        default="nsga2",
        description="nsga2 (NSGA-II, 2-3 objectives), nsga3 (NSGA-III, many objectives) or "
        "exhaustive (every combination of discrete levers).",
    )
    population: int = Field(default=24, ge=4, description="Mixes per generation.")
    generations: int = Field(default=8, ge=1, description="Generations.")
    seed: int = Field(default=0, ge=0, description="Seed of the search (0 is a seed).")


class Confirm(_Frozen):
    """The confirmation stage (KN-type paired screening of the finalists)."""

    finalists: int = Field(default=8, ge=1, description="At most this many finalists.")
    first_stage: int = Field(
        default=10, ge=2, description="Replications before the first decision (KN's n0)."
    )
    batch: int = Field(default=5, ge=1, description="Replications added between decisions.")
    max_replications: int = Field(default=40, ge=2, description="Cap per finalist.")
    alpha: float = Field(
        default=0.05, gt=0, lt=0.5, description="Overall error of all the decisions together."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max_replications < self.first_stage:
            raise ValueError("max_replications must be >= first_stage")
        return self


class OptimiseSpec(_Frozen):
    """An optimisation file."""

    name: str = Field(default="optimise", min_length=1, description="Experiment name.")
    description: str = Field(default="", description="Free text.")
    base: str = Field(description="Base scenario file, relative to the experiment file.")
    set: list[str] = Field(
        default_factory=list, description="Overrides PATH=VALUE applied to the base first."
    )
    levers: list[Lever] = Field(min_length=1, description="What the planner may change.")
    cost_metric: str = Field(
        default="policy_cost_eur", description="The metric the budget is checked against."
    )
    budget: Budget | None = Field(default=None, description="What the mixes may cost.")
    objectives: list[Objective] = Field(min_length=1, description="Metrics to optimise.")
    constraints: list[Constraint] = Field(default_factory=list, description="Bounds to respect.")
    search: Search = Field(default_factory=Search, description="The search stage.")
    replications: int = Field(default=2, ge=1, description="Replications per mix in the search.")
    confirm: Confirm = Field(default_factory=Confirm, description="The confirmation stage.")
    seed: int = Field(default=0, ge=0, description="Root seed of the replications.")
    executor: Literal["serial", "processes", "dask"] = Field(
        default="processes", description="Where tasks run."
    )
    workers: int | None = Field(default=None, ge=1, description="Worker processes.")
    dask_address: str | None = Field(default=None, description="Running dask scheduler.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        known = set(METRIC_NAMES)
        if self.cost_metric not in known:
            problems.append((("cost_metric",), f"unknown metric {self.cost_metric!r}"))
        seen: list[str] = []
        for i, o in enumerate(self.objectives):
            if o.metric not in known:
                problems.append((("objectives", i, "metric"), f"unknown metric {o.metric!r}"))
            if o.metric in seen:
                problems.append((("objectives", i, "metric"), f"{o.metric!r} given twice"))
            seen.append(o.metric)
        for i, c in enumerate(self.constraints):
            if c.metric not in known:
                problems.append((("constraints", i, "metric"), f"unknown metric {c.metric!r}"))
        labels = [f.label for f in self.levers]
        for i, lab in enumerate(labels):
            if labels.index(lab) != i:
                problems.append((("levers", i, "path"), f"lever {lab!r} given twice"))
        if self.search.algorithm == "exhaustive":
            count = 1
            for i, f in enumerate(self.levers):
                if f.kind == "continuous" and f.step is None:
                    problems.append(
                        (
                            ("levers", i, "step"),
                            "exhaustive search needs a step for a continuous lever",
                        )
                    )
                else:
                    count *= len(f.values())
            if count > MAX_EXHAUSTIVE:
                problems.append(
                    (
                        ("search", "algorithm"),
                        f"exhaustive search over {count:,} mixes (more than "
                        f"{MAX_EXHAUSTIVE:,}): use nsga2 or nsga3, or coarser steps",
                    )
                )
        raise_problems("OptimiseSpec", problems)
        return self


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass
class OptimiseExperiment:
    """A loaded optimisation: the spec, its base scenario and the baseline's lever values."""

    spec: OptimiseSpec
    file: Path
    base_doc: Document
    base_scenario: Scenario
    baseline: dict[str, Any]  # lever path -> the base scenario's value

    @property
    def digest(self) -> str:
        """Fingerprint of what is run (spec and base scenario), for --resume."""
        payload = json.dumps(
            {"spec": self.spec.model_dump(mode="json"), "base": self.base_doc.data},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def years(self) -> float:
        """Years of the measurement window (what 'per year' divides by)."""
        cal = self.base_scenario.calendar
        return (cal.horizon_days - cal.warmup_days) / 365.0

    @property
    def discounted_years(self) -> float:
        """The measurement window's years, each discounted like the simulated costs
        (``costs.discount_rate``; a short last year counts its share): what a yearly lever
        cost is multiplied by, so that it adds to the cost metric in the same present-value
        euros."""
        from accesssim.model.costing import discount_factors

        years = self.years
        whole = int(np.ceil(years))
        shares = np.minimum(years - np.arange(whole), 1.0)
        rate = self.base_scenario.costs.discount_rate
        return float(np.sum(shares * discount_factors(whole, rate)))


def load_optimise(path: Path | str) -> OptimiseExperiment:
    """Read and validate an optimisation file and its base scenario.

    Every problem (the file's fields, the base file, a lever path that is not a scenario
    field or that lies in a block the base scenario does not have) is reported with its file
    and line.
    """
    path = Path(path)
    doc = load_document(path)
    spec = validate_document(doc, OptimiseSpec, error=InputError)
    base_path = (path.parent / spec.base).resolve()
    if not base_path.exists():
        fname, line = doc.where(("base",))
        reason = _("base scenario {name} not found").format(name=repr(spec.base))
        raise InputError([Problem(fname, line, "base", reason)])
    base_doc = load_document(base_path)
    if spec.set:
        base_doc = apply_overrides(base_doc, spec.set, Scenario, source="set")
    base = validate_document(base_doc, Scenario)
    problems = check_factor_paths(doc, "levers", list(spec.levers), base_doc, base)
    baseline: dict[str, Any] = {}
    if not problems:
        for i, f in enumerate(spec.levers):
            value = value_at(base, f.path)
            if value is None:
                fname, line = doc.where(("levers", i, "path"))
                block = f.path.rsplit(".", 1)[0]
                problems.append(
                    Problem(
                        fname,
                        line,
                        f"levers.{i}.path",
                        f"the base scenario has no value at {f.path} ({block} is not set): "
                        f'create the block with set:, e.g. "{block}={{...}}"',
                    )
                )
                continue
            # The baseline keeps its exact value (not snapped to a lever's step).
            baseline[f.path] = f.canonical(value) if f.kind == "integer" else value
    if problems:
        raise InputError(problems)
    return OptimiseExperiment(spec, path, base_doc, base, baseline)


def scenario_for(exp: OptimiseExperiment, values: dict[str, Any]) -> Scenario:
    """The validated scenario of one mix (base + lever values)."""
    overrides = point_overrides(list(exp.spec.levers), values, exp.base_scenario)
    doc = apply_overrides(exp.base_doc, overrides, Scenario, source="lever")
    return validate_document(doc, Scenario)


# ---------------------------------------------------------------------------------------------
# Evaluations
# ---------------------------------------------------------------------------------------------


def _key(mix: int, rep: int) -> str:
    return f"p{mix:06d}-r{rep:04d}"


def _mix_key(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


@dataclass
class _Archive:
    """Every mix evaluated so far, numbered in order of first appearance."""

    levers: list[Lever]
    mixes: list[dict[str, Any]] = field(default_factory=list)  # path -> value
    index: dict[str, int] = field(default_factory=dict)
    generation: list[int] = field(default_factory=list)
    runs: dict[int, dict[int, dict[str, float]]] = field(default_factory=dict)

    def add(self, values: dict[str, Any], generation: int) -> int:
        key = _mix_key(values)
        if key not in self.index:
            self.index[key] = len(self.mixes)
            self.mixes.append(values)
            self.generation.append(generation)
            self.runs[self.index[key]] = {}
        return self.index[key]

    def values(self, mix: int, metric: str, reps: range | list[int]) -> np.ndarray:
        return np.array([self.runs[mix][r].get(metric, np.nan) for r in reps], dtype=float)


class _Runner:
    """Runs the missing (mix, replication) tasks of a batch and writes each as it finishes."""

    def __init__(
        self,
        exp: OptimiseExperiment,
        store: ResultsDir,
        archive: _Archive,
        model: Model,
        build: Callable[[OptimiseExperiment, dict[str, Any]], Any],
        executor: Any,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.exp, self.store, self.archive = exp, store, archive
        self.model, self.build, self.exe = model, build, executor
        self.progress = progress
        self.done = 0
        self.planned = 0
        self.ran = 0
        self.on_disk = _read_parts(store)

    def plan(self, n: int) -> None:
        self.planned += n

    def ensure(self, mixes: list[int], reps: range | list[int]) -> None:
        spec = self.exp.spec
        todo: list[tuple[int, int]] = []
        # The sampler may propose the same mix several times in one generation: each
        # (mix, replication) is one task, run and counted once.
        for m in dict.fromkeys(mixes):
            for r in dict.fromkeys(reps):
                if r in self.archive.runs[m]:
                    continue
                cached = self.on_disk.get(_key(m, r))
                if cached is not None:
                    self.archive.runs[m][r] = cached
                    self.done += 1
                    continue
                todo.append((m, r))
        if self.progress is not None:
            self.progress(self.done, max(self.planned, self.done + len(todo)))
        if not todo:
            return
        payloads: dict[int, Any] = {}
        tasks = []
        for m, r in todo:
            if m not in payloads:
                payloads[m] = self.build(self.exp, self.archive.mixes[m])
            tasks.append((self.model, payloads[m], spec.seed, r))
        for j, result in self.exe.run(_task, tasks):
            m, r = todo[j]
            metrics = self._write(m, r, result)
            self.archive.runs[m][r] = metrics
            self.done += 1
            self.ran += 1
            if self.progress is not None:
                self.progress(self.done, max(self.planned, self.done))

    def _write(self, mix: int, rep: int, result: Any) -> dict[str, float]:
        spec = self.exp.spec
        if isinstance(result, RunResult):
            keep = run_tables(result, spec.name, point=mix, only=("metrics", "costs"))
            metrics = dict(result.metrics)
        else:
            metrics = {k: float(v) for k, v in result.items()}
            frame = pd.DataFrame({"metric": list(metrics), "value": list(metrics.values())})
            for pos, (col, val) in enumerate(
                {"scenario": spec.name, "point": mix, "replication": rep, "seed": spec.seed}.items()
            ):
                frame.insert(pos, col, val)
            keep = {"metrics": frame}
        self.store.write_run(_key(mix, rep), keep)
        return {k: float(v) for k, v in metrics.items()}


def _read_parts(store: ResultsDir) -> dict[str, dict[str, float]]:
    """Metrics of the runs already on disk, by key."""
    out: dict[str, dict[str, float]] = {}
    for key in sorted(store.done_keys()):
        df = pd.read_parquet(store.part_path("metrics", key))
        out[key] = dict(zip(df["metric"].astype(str), df["value"].astype(float), strict=True))
    return out


# ---------------------------------------------------------------------------------------------
# Objectives, costs, feasibility
# ---------------------------------------------------------------------------------------------


class _Scorer:
    """Turns the runs of a mix into costs, objective values and constraint violations."""

    def __init__(self, exp: OptimiseExperiment, archive: _Archive, baseline: int) -> None:
        self.exp, self.archive, self.baseline = exp, archive, baseline
        self.spec = exp.spec

    def cost_runs(self, mix: int, reps: list[int]) -> np.ndarray:
        """The cost metric of each replication plus the levers' own unit costs."""
        cost = self.archive.values(mix, self.spec.cost_metric, reps)
        extra = 0.0
        for f in self.spec.levers:
            if f.cost_per_unit_per_year_eur:
                value = self.archive.mixes[mix][f.path]
                extra += f.cost_per_unit_per_year_eur * float(value) * self.exp.discounted_years
        return cost + extra

    def budget_runs(self, mix: int, reps: list[int]) -> np.ndarray:
        """What counts against the budget, per replication, in the budget's unit (over the
        replications the baseline also has, when relative to it)."""
        b = self.spec.budget
        if b is None or b.relative_to == "baseline":
            reps = [r for r in reps if r in self.archive.runs[self.baseline]]
            cost = self.cost_runs(mix, reps) - self.cost_runs(self.baseline, reps)
        else:
            cost = self.cost_runs(mix, reps)
        if b is not None and b.per == "year":
            cost = cost / self.exp.years
        return cost

    def metric_runs(self, mix: int, metric: str, reps: list[int]) -> np.ndarray:
        if metric == self.spec.cost_metric:
            return self.cost_runs(mix, reps)
        return self.archive.values(mix, metric, reps)

    def objectives(self, mix: int, reps: list[int]) -> list[float]:
        return [float(np.mean(self.metric_runs(mix, o.metric, reps))) for o in self.spec.objectives]

    def violations(self, mix: int, reps: list[int]) -> list[float]:
        """Constraint values, <= 0 when met (the budget first), relative to their bound so
        that a violation in euros and one in days weigh alike in the search."""
        out = []
        b = self.spec.budget
        if b is not None:
            spent = float(np.mean(self.budget_runs(mix, reps)))
            out.append((spent - b.amount_eur) / max(b.amount_eur, 1000.0))
        for c in self.spec.constraints:
            v = float(np.mean(self.metric_runs(mix, c.metric, reps)))
            if math.isnan(v):
                out.append(math.inf)
                continue
            worst = -math.inf
            if c.min is not None:
                worst = max(worst, (c.min - v) / max(abs(c.min), 1e-9))
            if c.max is not None:
                worst = max(worst, (v - c.max) / max(abs(c.max), 1e-9))
            out.append(worst)
        return out

    def feasible(self, mix: int, reps: list[int]) -> bool:
        return all(v <= 1e-12 for v in self.violations(mix, reps))

    def oriented(self, mix: int, reps: list[int]) -> np.ndarray:
        """(replications, objectives), higher is better."""
        cols = []
        for o in self.spec.objectives:
            v = self.metric_runs(mix, o.metric, reps)
            cols.append(v if o.sense == "maximise" else -v)
        return np.column_stack(cols)


def _minimised(objs: list[float], spec: OptimiseSpec) -> list[float]:
    return [v if o.sense == "minimise" else -v for v, o in zip(objs, spec.objectives, strict=True)]


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------


def _distributions(levers: list[Lever]) -> dict[str, Any]:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for f in levers:
        if f.kind == "categorical":
            assert f.levels is not None
            out[f.path] = CategoricalDistribution(list(f.levels))
        elif f.kind == "integer":
            assert f.range is not None
            out[f.path] = IntDistribution(math.ceil(f.range[0]), math.floor(f.range[1]))
        else:
            assert f.range is not None
            out[f.path] = FloatDistribution(float(f.range[0]), float(f.range[1]))
    return out


def _inside(f: Lever, value: Any) -> bool:
    if f.kind == "categorical":
        assert f.levels is not None
        return value in f.levels
    assert f.range is not None
    return f.range[0] <= float(value) <= f.range[1]


def _study(spec: OptimiseSpec) -> Any:
    import optuna
    from optuna.exceptions import ExperimentalWarning
    from optuna.samplers import NSGAIIISampler, NSGAIISampler
    from optuna.samplers.nsgaii import PolynomialMutation, SBXCrossover

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = spec.search
    with warnings.catch_warnings():
        # SBX crossover and polynomial mutation (Deb & Agrawal 1995; Deb 2002) are the
        # operators of the original NSGA-II; optuna marks their classes experimental.
        warnings.simplefilter("ignore", ExperimentalWarning)
        common = {
            "population_size": s.population,
            "seed": s.seed,
            "crossover": SBXCrossover(eta=15),
            "mutation": PolynomialMutation(eta=20),
        }
        sampler = NSGAIIISampler(**common) if s.algorithm == "nsga3" else NSGAIISampler(**common)
    directions = ["maximize" if o.sense == "maximise" else "minimize" for o in spec.objectives]
    return optuna.create_study(directions=directions, sampler=sampler)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class OptimiseResult:
    """The evaluated mixes, the finalists' comparisons and the confirmed Pareto set."""

    experiment: OptimiseExperiment
    mixes: pd.DataFrame  # one row per evaluated mix
    estimates: pd.DataFrame  # long: mix, metric, mean, sd, n, low, high
    comparisons: pd.DataFrame  # finalists: a, b, metric, decision, diff, low, high, n
    pareto: list[int]  # mix numbers of the confirmed Pareto set
    complete: bool
    runs_done: int
    runs_executed: int
    hypervolume_search: float = float("nan")
    summary: dict[str, Any] = field(default_factory=dict)


def _fmt_lever(f: Lever, value: Any) -> str:
    if isinstance(value, bool):
        return f"{f.label} {'on' if value else 'off'}"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1 else f"{value:,.4g}"
        return f"{f.label} {text}"
    return f"{f.label} {value}"


def mix_words(levers: list[Lever], values: dict[str, Any], baseline: dict[str, Any]) -> str:
    """A mix in words: the levers it changes from the baseline ("as today" when none)."""
    parts = []
    for f in levers:
        v, b = values[f.path], baseline[f.path]
        if v == b:
            continue
        if isinstance(v, bool) or isinstance(b, bool) or f.kind == "categorical":
            parts.append(f"{_fmt_lever(f, v)} (today {_fmt_lever(f, b).split(' ', 1)[1]})")
            continue
        arrow = "up" if float(v) > float(b) else "down"
        parts.append(f"{_fmt_lever(f, v)} ({arrow} from {_fmt_lever(f, b).split(' ', 1)[1]})")
    return "; ".join(parts) if parts else "as today (the baseline)"


def mix_changes(levers: list[Lever], values: dict[str, Any], baseline: dict[str, Any]) -> str:
    """The levers a mix changes, tersely ("nurse_fte 1.5, shared_rota on"; "-" for none)."""
    parts = [_fmt_lever(f, values[f.path]) for f in levers if values[f.path] != baseline[f.path]]
    return ", ".join(parts) if parts else "-"


def front_at_budget(
    mixes: pd.DataFrame, objectives: list[Objective], budget: float, column: str = "search"
) -> pd.DataFrame:
    """The non-dominated mixes among those within ``budget`` (by ``{column}`` means).

    ``mixes`` is the table written by :func:`optimise` (``mixes.parquet``); the budget is in
    the unit of its ``{column}_budget_spend`` column (the experiment's budget: per year or
    over the horizon, above the baseline or not). Only mixes that meet the other constraints
    are considered. The evaluated mixes of an exhaustive search do not depend on the budget,
    so the front at any budget can be read from one run.
    """
    ok = mixes[(mixes[f"{column}_budget_spend"] <= budget) & mixes["meets_constraints"]]
    if ok.empty:
        return ok
    F = np.column_stack(
        [
            ok[f"{column}_{o.metric}"].to_numpy(float) * (1 if o.sense == "minimise" else -1)
            for o in objectives
        ]
    )
    return ok[nondominated(F)]


def _default_deltas(spec: OptimiseSpec, baseline_means: list[float]) -> np.ndarray:
    out = []
    for o, b in zip(spec.objectives, baseline_means, strict=True):
        if o.indifference is not None:
            out.append(o.indifference)
        elif o.metric == spec.cost_metric:
            out.append(1000.0)
        else:
            out.append(max(0.01 * abs(b), 1e-9) if math.isfinite(b) else 1e-9)
    return np.array(out, dtype=float)


def optimise(
    experiment: OptimiseExperiment | Path | str,
    out: Path | str,
    *,
    resume: bool = False,
    overwrite: bool = False,
    executor: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    model: Model | None = None,
    payload: Callable[[OptimiseExperiment, dict[str, Any]], Any] | None = None,
) -> OptimiseResult:
    """Search the levers for the best mixes within the budget, then confirm the finalists.

    Parameters
    ----------
    experiment
        An optimisation file or a loaded :class:`OptimiseExperiment`.
    out
        Results directory. Without ``resume`` it must not hold another run's results.
    resume
        Replay the search and run only what is missing (the experiment must be unchanged).
    overwrite
        Replace the results already in ``out``.
    executor, workers, dask_address
        Override the file's executor.
    progress
        Called with (runs done, runs planned) as runs finish.
    stage
        Called with a short description when a stage starts.
    model, payload
        Plug another model in place of the simulator (see the module docstring).
    """
    exp = experiment if isinstance(experiment, OptimiseExperiment) else load_optimise(experiment)
    store = ResultsDir(out).open(
        kind="optimise", digest=exp.digest, resume=resume, overwrite=overwrite
    )
    try:
        return _run_optimise(
            exp, store, executor, workers, dask_address, progress, stage, model, payload
        )
    finally:
        store.close()


def _run_optimise(
    exp: OptimiseExperiment,
    store: ResultsDir,
    executor: str | None,
    workers: int | None,
    dask_address: str | None,
    progress: Callable[[int, int], None] | None,
    stage: Callable[[str], None] | None,
    model: Model | None,
    payload: Callable[[OptimiseExperiment, dict[str, Any]], Any] | None,
) -> OptimiseResult:
    spec = exp.spec
    meta: dict[str, Any] = {
        "kind": "optimise",
        "name": spec.name,
        "experiment_file": str(exp.file),
        "digest": exp.digest,
        "levers": [f.model_dump(mode="json") for f in spec.levers],
        "objectives": [o.model_dump(mode="json") for o in spec.objectives],
        "constraints": [c.model_dump(mode="json") for c in spec.constraints],
        "budget": spec.budget.model_dump(mode="json") if spec.budget else None,
        "cost_metric": spec.cost_metric,
        "search": spec.search.model_dump(mode="json"),
        "confirm": spec.confirm.model_dump(mode="json"),
        "seed": spec.seed,
        "replications": list(range(spec.replications)),
        "seeds": seeds_record(spec.seed, range(spec.replications)),
        "years_measured": exp.years,
        "baseline": {f.label: exp.baseline[f.path] for f in spec.levers},
        "scenarios": {"base": "scenarios/base.yaml"},
        "complete": False,
    }
    store.write_meta(meta)
    store.write_scenario("base", exp.base_scenario)
    store.write_text("experiment.yaml", exp.file.read_text(encoding="utf-8"))
    levers = list(spec.levers)
    archive = _Archive(levers)
    base_mix = archive.add(dict(exp.baseline), generation=-1)
    exe = make_executor(
        executor or spec.executor, workers or spec.workers, dask_address or spec.dask_address
    )
    runner = _Runner(
        exp,
        store,
        archive,
        model or _simulator,
        payload or scenario_for,
        exe,
        progress,
    )
    scorer = _Scorer(exp, archive, base_mix)
    search_reps = list(range(spec.replications))
    complete = True
    finalists: list[int] = []
    kn = None
    confirm_reps: dict[int, int] = {}
    try:
        if stage is not None:
            stage("search")
        s = spec.search
        if s.algorithm == "exhaustive":
            combos = list(itertools.product(*[f.values() for f in levers]))
            runner.plan((len(combos) + 1) * len(search_reps))
            runner.ensure([base_mix], search_reps)
            ids = [
                archive.add({f.path: v for f, v in zip(levers, c, strict=True)}, 0) for c in combos
            ]
            runner.ensure(ids, search_reps)
        else:
            study = _study(spec)
            dists = _distributions(levers)
            runner.plan((s.population * s.generations + 1) * len(search_reps))
            runner.ensure([base_mix], search_reps)
            if all(_inside(f, exp.baseline[f.path]) for f in levers):
                study.enqueue_trial(dict(exp.baseline))
            for g in range(s.generations):
                trials = [study.ask(dists) for _ in range(s.population)]
                ids = [
                    archive.add({f.path: f.canonical(t.params[f.path]) for f in levers}, g)
                    for t in trials
                ]
                runner.ensure(ids, search_reps)
                for t, m in zip(trials, ids, strict=True):
                    values = scorer.objectives(m, search_reps)
                    if any(math.isnan(v) for v in values):
                        from optuna.trial import TrialState

                        study.tell(t, state=TrialState.FAIL)
                        continue
                    # Constrained domination (Deb et al. 2002): <= 0 is met.
                    for k, v in enumerate(scorer.violations(m, search_reps)):
                        t.set_constraint(f"c{k}", v if not math.isnan(v) else math.inf)
                    study.tell(t, values)
        # -- finalists ---------------------------------------------------------------------
        n_mix = len(archive.mixes)
        F = np.array(
            [_minimised(scorer.objectives(m, search_reps), spec) for m in range(n_mix)], float
        )
        feas = np.array([scorer.feasible(m, search_reps) for m in range(n_mix)])
        cand = np.flatnonzero(feas)
        front = cand[nondominated(F[cand])] if cand.size else cand
        if front.size > spec.confirm.finalists:
            cd = crowding_distance(F[front])
            order = sorted(range(front.size), key=lambda i: (-cd[i], int(front[i])))
            front = np.sort(front[order[: spec.confirm.finalists]])
        finalists = sorted({int(m) for m in front} | {base_mix})
        # -- confirmation ------------------------------------------------------------------
        if stage is not None:
            stage("confirm")
        c = spec.confirm
        deltas = _default_deltas(spec, scorer.objectives(base_mix, search_reps))
        first = max(c.first_stage, spec.replications)
        confirm_reps = dict.fromkeys(finalists, first)
        runner.plan(len(finalists) * max(first - len(search_reps), 0))
        runner.ensure(finalists, list(range(first)))
        while True:
            values = [scorer.oriented(m, list(range(confirm_reps[m]))) for m in finalists]
            kn = kn_screen(values, deltas, alpha=c.alpha, n0=c.first_stage, batch=c.batch)
            busy = sorted(finalists[i] for i in kn.undecided_systems())
            busy = [m for m in busy if confirm_reps[m] < c.max_replications]
            if not busy:
                break
            n_now = max(confirm_reps[m] for m in busy)
            new = list(range(n_now, min(n_now + c.batch, c.max_replications)))
            runner.plan(len(busy) * len(new))
            runner.ensure(busy, new)
            for m in busy:
                confirm_reps[m] = new[-1] + 1
    except KeyboardInterrupt:
        complete = False
    finally:
        exe.close()
    tables = store.consolidate()
    if not complete or kn is None:
        meta["complete"] = False
        store.write_meta(meta)
        return OptimiseResult(
            experiment=exp,
            mixes=pd.DataFrame(),
            estimates=pd.DataFrame(),
            comparisons=pd.DataFrame(),
            pareto=[],
            complete=False,
            runs_done=runner.done,
            runs_executed=runner.ran,
        )
    del tables
    res = _tables(exp, archive, scorer, search_reps, finalists, confirm_reps, kn, deltas)
    res.runs_done, res.runs_executed = runner.done, runner.ran
    _write_outputs(store, res)
    meta["complete"] = True
    meta["finalists"] = finalists
    meta["pareto"] = res.pareto
    meta["mixes_evaluated"] = len(archive.mixes)
    meta["runs"] = runner.done
    meta["replications"] = list(range(max([*confirm_reps.values(), spec.replications])))
    meta["seeds"] = seeds_record(spec.seed, meta["replications"])
    store.write_meta(meta)
    return res


def _tables(
    exp: OptimiseExperiment,
    archive: _Archive,
    scorer: _Scorer,
    search_reps: list[int],
    finalists: list[int],
    confirm_reps: dict[int, int],
    kn: Any,
    deltas: np.ndarray,
) -> OptimiseResult:
    spec = exp.spec
    levers = list(spec.levers)
    n_mix = len(archive.mixes)
    final_feasible = {m: scorer.feasible(m, list(range(confirm_reps[m]))) for m in finalists}
    # Only a mix within the budget and the constraints can push another out of the set.
    dominators = {
        i: [j for j in d if final_feasible[finalists[j]]]
        for i, d in really_dominated(kn, len(finalists)).items()
    }
    pareto = [m for i, m in enumerate(finalists) if not dominators[i] and final_feasible[m]]
    F = np.array([_minimised(scorer.objectives(m, search_reps), spec) for m in range(n_mix)])
    feas = np.array([scorer.feasible(m, search_reps) for m in range(n_mix)])
    nd_all = np.zeros(n_mix, dtype=bool)
    cand = np.flatnonzero(feas)
    if cand.size:
        nd_all[cand[nondominated(F[cand])]] = True
    rows = []
    est_rows = []
    budget = spec.budget
    for m in range(n_mix):
        reps = sorted(archive.runs[m])
        row: dict[str, Any] = {
            "mix": m,
            "label": "baseline" if m == 0 else f"mix {m}",
            "generation": archive.generation[m],
        }
        for f in levers:
            row[f.label] = archive.mixes[m][f.path]
        row["words"] = mix_words(levers, archive.mixes[m], exp.baseline)
        row["changes"] = mix_changes(levers, archive.mixes[m], exp.baseline)
        row["replications"] = len(reps)
        # Search-stage means (the same replications for every mix) and what decided.
        for o, v in zip(spec.objectives, scorer.objectives(m, search_reps), strict=True):
            row[f"search_{o.metric}"] = v
        row["search_budget_spend"] = float(np.mean(scorer.budget_runs(m, search_reps)))
        viol = scorer.violations(m, search_reps)
        row["meets_constraints"] = all(v <= 0 for v in viol[1 if budget else 0 :])
        row["search_feasible"] = bool(feas[m])
        row["search_nondominated"] = bool(nd_all[m])
        row["finalist"] = m in finalists
        # All replications of the mix: estimates with CIs.
        cost = mean_ci(scorer.cost_runs(m, reps))
        spend = mean_ci(scorer.budget_runs(m, reps))
        common = [r for r in reps if r in archive.runs[0]]
        extra = mean_ci(scorer.cost_runs(m, common) - scorer.cost_runs(0, common))
        row["cost_mean"], row["cost_low"], row["cost_high"] = cost.mean, cost.low, cost.high
        row["extra_cost_mean"], row["extra_cost_low"], row["extra_cost_high"] = (
            extra.mean,
            extra.low,
            extra.high,
        )
        row["budget_spend_mean"] = spend.mean
        row["budget_spend_low"], row["budget_spend_high"] = spend.low, spend.high
        for o in spec.objectives:
            e = mean_ci(scorer.metric_runs(m, o.metric, reps))
            row[f"{o.metric}_mean"], row[f"{o.metric}_low"], row[f"{o.metric}_high"] = (
                e.mean,
                e.low,
                e.high,
            )
        row["feasible"] = scorer.feasible(m, reps)
        if budget is not None:
            row["over_budget"] = bool(spend.mean > budget.amount_eur)
            row["budget_uncertain"] = bool(
                not math.isnan(spend.low) and spend.low <= budget.amount_eur < spend.high
            )
        row["pareto"] = m in pareto
        if m in finalists:
            i = finalists.index(m)
            row["dominated_by"] = ", ".join(str(finalists[j]) for j in dominators[i])
        else:
            row["dominated_by"] = ""
        row["dominated"] = not row["pareto"]
        rows.append(row)
        for metric in sorted({k for r in reps for k in archive.runs[m][r]}):
            e = mean_ci(archive.values(m, metric, reps))
            est_rows.append({"mix": m, "metric": metric, **e.as_dict()})
        est_rows.append({"mix": m, "metric": EXTRA_COST, **extra.as_dict()})
    mixes = pd.DataFrame(rows)
    comp_rows = []
    for p, (a, b) in enumerate(kn.pairs):
        for j, o in enumerate(spec.objectives):
            sign = 1.0 if o.sense == "maximise" else -1.0
            dec = kn.decision[p, j]
            lo, hi = sign * kn.low[p, j], sign * kn.high[p, j]
            comp_rows.append(
                {
                    "a": finalists[a],
                    "b": finalists[b],
                    "metric": o.metric,
                    "sense": o.sense,
                    "decision": dec,
                    "better": finalists[a]
                    if dec == BETTER_A
                    else finalists[b]
                    if dec == BETTER_B
                    else -1,
                    "diff": sign * kn.mean_diff[p, j],  # a - b in the metric's own direction
                    "low": min(lo, hi),
                    "high": max(lo, hi),
                    "indifference": float(deltas[j]),
                    "replications": int(kn.n[p]),
                    "decided_at": int(kn.exit_replications[p, j]),
                }
            )
    comparisons = pd.DataFrame(comp_rows)
    # Hypervolume of the search-stage front, normalised by the ranges seen (for monitoring).
    hv = float("nan")
    if cand.size:
        lo_, hi_ = F[cand].min(axis=0), F[cand].max(axis=0)
        span = np.where(hi_ > lo_, hi_ - lo_, 1.0)
        hv = hypervolume((F[cand] - lo_) / span, np.full(F.shape[1], 1.1))
    summary = {
        "undecided": int((comparisons["decision"] == UNDECIDED).sum()) if len(comparisons) else 0,
        "ties": int((comparisons["decision"] == TIE).sum()) if len(comparisons) else 0,
        "kn_alpha_per_comparison": kn.alpha_pair,
        "kn_h2": kn.h2,
        "indifference": {o.metric: float(d) for o, d in zip(spec.objectives, deltas, strict=True)},
    }
    return OptimiseResult(
        experiment=exp,
        mixes=mixes,
        estimates=pd.DataFrame(est_rows),
        comparisons=comparisons,
        pareto=pareto,
        complete=True,
        runs_done=0,
        runs_executed=0,
        hypervolume_search=hv,
        summary=summary,
    )


def _json(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, np.generic):
        return _json(v.item())
    return v


def pareto_payload(res: OptimiseResult) -> dict[str, Any]:
    """The confirmed Pareto set as plain data (``pareto.json``)."""
    spec = res.experiment.spec
    mixes = res.mixes.set_index("mix")
    items = []
    for m in res.pareto:
        r = mixes.loc[m]
        items.append(
            {
                "mix": int(m),
                "label": r["label"],
                "words": r["words"],
                "levers": {f.label: _json(r[f.label]) for f in spec.levers},
                "replications": int(r["replications"]),
                "cost": {k: _json(r[f"cost_{k}"]) for k in ("mean", "low", "high")},
                "extra_cost": {k: _json(r[f"extra_cost_{k}"]) for k in ("mean", "low", "high")},
                "budget_spend": {k: _json(r[f"budget_spend_{k}"]) for k in ("mean", "low", "high")},
                "objectives": {
                    o.metric: {k: _json(r[f"{o.metric}_{k}"]) for k in ("mean", "low", "high")}
                    for o in spec.objectives
                },
            }
        )
    comps = res.comparisons
    inside = (
        comps[comps["a"].isin(res.pareto) & comps["b"].isin(res.pareto)] if len(comps) else comps
    )
    return {
        "name": spec.name,
        "budget": spec.budget.model_dump(mode="json") if spec.budget else None,
        "cost_metric": spec.cost_metric,
        "objectives": [o.model_dump(mode="json") for o in spec.objectives],
        "pareto": items,
        "comparisons_within_pareto": [
            {k: _json(v) for k, v in row.items()} for row in inside.to_dict("records")
        ],
        "hypervolume_search_normalised": _json(res.hypervolume_search),
        **{k: v for k, v in res.summary.items()},
    }


def _write_outputs(store: ResultsDir, res: OptimiseResult) -> None:
    store.write_table("mixes", res.mixes)
    store.write_table("estimates", res.estimates)
    store.write_table("comparisons", res.comparisons)
    store.write_text("pareto.json", json.dumps(pareto_payload(res), indent=2, default=str) + "\n")
