"""Sweeps: a design of experiments over scenario fields, run resumably, with sensitivity.

An experiment file (YAML, validated with the same clear errors as scenarios) names a base
scenario, factors (dotted paths into the scenario with a range or levels), a design (``grid``,
``lhs`` from ``scipy.stats.qmc``, ``sobol`` from SALib's Saltelli/Sobol sampling), the number
of replications per point, the metrics of interest and the executor. Every (point, replication)
is one task; each finished task is written at once, atomically, to the results directory, so an
interrupted sweep loses nothing and ``--resume`` runs only what is missing. All points share the
replication seeds (common random numbers across points).

The model behind a task is pluggable: the simulator by default, any picklable callable
``model(payload, seed, replication) -> dict[str, float]`` otherwise (the validation tests plug in
SALib's Ishigami function).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from accesssim.experiment.executors import choose_executor, make_executor
from accesssim.experiment.store import (
    ResultsDir,
    run_tables,
    runs_digest,
    seeds_record,
    without_prose,
)
from accesssim.i18n import _
from accesssim.model import METRIC_NAMES, RunResult, simulate
from accesssim.scenario.errors import InputError, Problem
from accesssim.scenario.loading import (
    Document,
    apply_overrides,
    check_path,
    load_document,
    validate_document,
)
from accesssim.scenario.schema import Scenario, raise_problems

__all__ = [
    "Design",
    "ExperimentSpec",
    "Factor",
    "Mix",
    "SweepResult",
    "Threshold",
    "design_points",
    "load_experiment",
    "sensitivity_tables",
    "sweep",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Factor(_Frozen):
    """One input varied by the design: a dotted path into the scenario."""

    path: str = Field(min_length=1, description="Dotted path of a scenario field.")
    range: tuple[float, float] | None = Field(
        default=None, description="[low, high] for a continuous or integer factor."
    )
    levels: list[Any] | None = Field(
        default=None, min_length=1, description="Explicit levels (a categorical factor)."
    )
    type: Literal["continuous", "integer", "categorical"] | None = Field(
        default=None,
        description="Kind of factor; default: categorical with levels, continuous with a range.",
    )
    name: str | None = Field(default=None, description="Short name (default: the path).")
    also: list[str] = Field(
        default_factory=list,
        description="More dotted paths that receive the same value (or the same multiplier).",
    )
    scale: bool = Field(
        default=False,
        description="The value multiplies the base scenario's value at each path (e.g. 0.5-1.5 "
        "x every teleconsultation eligibility share) instead of replacing it.",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.scale and self.levels is not None:
            raise ValueError("scale: true needs a range of multipliers, not levels")
        if (self.range is None) == (self.levels is None):
            raise ValueError("give either range: [low, high] or levels: [...]")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError("range must be [low, high] with low < high")
        if self.levels is not None and self.type not in (None, "categorical"):
            raise ValueError("levels go with a categorical factor")
        if self.range is not None and self.type == "categorical":
            raise ValueError("a categorical factor needs levels, not a range")
        return self

    @property
    def kind(self) -> str:
        if self.levels is not None:
            return "categorical"
        return self.type or "continuous"

    @property
    def label(self) -> str:
        return self.name or self.path

    @property
    def paths(self) -> list[str]:
        """Every scenario field this factor writes."""
        return [self.path, *self.also]

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map uniforms in [0, 1) to factor values."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0 - 1e-12)
        if self.kind == "categorical":
            assert self.levels is not None
            return [self.levels[int(x * len(self.levels))] for x in u]
        assert self.range is not None
        lo, hi = self.range
        if self.kind == "integer":
            lo_i, hi_i = math.ceil(lo), math.floor(hi)
            return [int(lo_i + math.floor(x * (hi_i - lo_i + 1))) for x in u]
        return [float(lo + x * (hi - lo)) for x in u]

    def grid(self, n: int) -> list[Any]:
        if self.kind == "categorical":
            assert self.levels is not None
            return list(self.levels)
        assert self.range is not None
        lo, hi = self.range
        if self.kind == "integer":
            vals = np.unique(np.round(np.linspace(lo, hi, n)).astype(int))
            return [int(v) for v in vals]
        return [float(v) for v in np.linspace(lo, hi, n)]


class Design(_Frozen):
    """How points are chosen."""

    kind: Literal["grid", "lhs", "sobol"] = Field(description="grid, lhs or sobol.")
    points: int = Field(default=32, ge=2, description="lhs: number of points.")
    levels: int = Field(default=3, ge=2, description="grid: levels per continuous factor.")
    base_samples: int = Field(
        default=64,
        ge=2,
        description="sobol: N of Saltelli's scheme (a power of 2); N x (2D + 2) points with "
        "second-order indices, N x (D + 2) without.",
    )
    second_order: bool = Field(default=False, description="sobol: second-order indices too.")
    seed: int = Field(default=0, ge=0, description="Seed of the design (lhs, sobol).")
    optimization: Literal["random-cd", "lloyd"] | None = Field(
        default="random-cd", description="lhs: scipy.stats.qmc optimisation of the design."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        n = self.base_samples
        if self.kind == "sobol" and n & (n - 1):
            raise ValueError(f"sobol: base_samples must be a power of 2 (got {n})")
        return self


class Mix(_Frozen):
    """A candidate policy mix: one value per lever."""

    name: str = Field(min_length=1, description="Short name of the mix.")
    values: dict[str, Any] = Field(description="Lever name (or path) -> value.")


class Threshold(_Frozen):
    """A satisficing criterion: the plan succeeds when the metric stays within its bound."""

    metric: str = Field(description="Metric name (docs/metrics.md).")
    min: float | None = Field(default=None, description="Lowest acceptable value.")
    max: float | None = Field(default=None, description="Highest acceptable value.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.min is None) == (self.max is None):
            raise ValueError("give min: or max: (one bound)")
        if self.metric not in METRIC_NAMES:
            raise ValueError(f"unknown metric {self.metric!r}")
        return self

    def met(self, value: np.ndarray | float) -> np.ndarray:
        """Whether values meet the criterion (NaN never does)."""
        v = np.asarray(value, dtype=float)
        if self.min is not None:
            return v >= self.min
        assert self.max is not None
        return v <= self.max

    def text(self) -> str:
        return (
            f"{self.metric} >= {self.min:g}"
            if self.min is not None
            else (f"{self.metric} <= {self.max:g}")
        )


class ExperimentSpec(_Frozen):
    """An experiment file."""

    name: str = Field(default="sweep", min_length=1, description="Experiment name.")
    description: str = Field(default="", description="Free text.")
    base: str = Field(description="Base scenario file, relative to the experiment file.")
    set: list[str] = Field(
        default_factory=list, description="Overrides PATH=VALUE applied to the base first."
    )
    factors: list[Factor] = Field(
        default_factory=list, description="Inputs varied by the design (or levers + uncertainties)."
    )
    levers: list[Factor] = Field(
        default_factory=list,
        description="Inputs the planner chooses; every mix is run at every uncertainty sample.",
    )
    mixes: list[Mix] = Field(
        default_factory=list,
        description="Candidate mixes (lever values); default: the grid of the levers' levels.",
    )
    uncertainties: list[Factor] = Field(
        default_factory=list,
        description="Inputs nobody chooses; the design samples them (grid or lhs).",
    )
    thresholds: list[Threshold] = Field(
        default_factory=list,
        description="Satisficing criteria for accesssim discover (every one must be met).",
    )
    design: Design = Field(description="The design of experiments.")
    replications: int = Field(default=1, ge=1, description="Replications per point.")
    seed: int = Field(default=0, ge=0, description="Root seed of the replications.")
    metrics: list[str] = Field(
        default_factory=lambda: ["unscheduled_within_48h_share", "mt_coverage_end"],
        min_length=1,
        description="Metrics analysed for sensitivity.",
    )
    executor: Literal["serial", "processes", "dask"] = Field(
        default="processes", description="Where tasks run."
    )
    workers: int | None = Field(default=None, ge=1, description="Worker processes.")
    dask_address: str | None = Field(default=None, description="Running dask scheduler.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for i, m in enumerate(self.metrics):
            if m not in METRIC_NAMES:
                problems.append((("metrics", i), f"unknown metric {m!r}"))
        if self.uncertainties or self.levers or self.mixes:
            if self.factors:
                problems.append(
                    (("factors",), "give factors, or levers and uncertainties, not both")
                )
            if not self.uncertainties:
                problems.append((("uncertainties",), "levers need uncertainties to run under"))
            if self.mixes and not self.levers:
                problems.append((("mixes",), "mixes need levers"))
            if self.design.kind == "sobol":
                problems.append(
                    (
                        ("design", "kind"),
                        "a sobol design cannot be crossed with mixes; use lhs or grid",
                    )
                )
        elif not self.factors:
            problems.append((("factors",), "give at least one factor (or uncertainties)"))
        groups = (("factors", self.factors), ("levers", self.levers))
        groups += (("uncertainties", self.uncertainties),)
        seen: list[str] = []
        for group, items in groups:
            for i, f in enumerate(items):
                if f.label in seen:
                    problems.append(((group, i, "path"), f"factor {f.label!r} given twice"))
                seen.append(f.label)
        lever_names = {f.label: f for f in self.levers} | {f.path: f for f in self.levers}
        mix_names: list[str] = []
        for i, mix in enumerate(self.mixes):
            if mix.name in mix_names:
                problems.append((("mixes", i, "name"), f"mix {mix.name!r} given twice"))
            mix_names.append(mix.name)
            for key in mix.values:
                if key not in lever_names:
                    problems.append((("mixes", i, "values", key), f"unknown lever {key!r}"))
            given = {lever_names[k].label for k in mix.values if k in lever_names}
            for f in self.levers:
                if f.label not in given:
                    problems.append((("mixes", i, "values"), f"no value for lever {f.label!r}"))
        raise_problems("ExperimentSpec", problems)
        return self

    @property
    def all_factors(self) -> list[Factor]:
        """The inputs of every point: factors, or levers then uncertainties."""
        return list(self.factors) or [*self.levers, *self.uncertainties]

    @property
    def crossed(self) -> bool:
        """Levers and uncertainties: every mix at every uncertainty sample."""
        return bool(self.uncertainties)

    def mix_points(self) -> list[tuple[str, dict[str, Any]]]:
        """The candidate mixes as (name, path -> value); one unnamed mix without levers."""
        if not self.levers:
            return [("all", {})]
        if self.mixes:
            out = []
            for mix in self.mixes:
                by = {}
                for f in self.levers:
                    value = mix.values.get(f.label, mix.values.get(f.path))
                    by[f.path] = value
                out.append((mix.name, by))
            return out
        axes = [f.grid(self.design.levels) for f in self.levers]
        out = []
        for combo in itertools.product(*axes):
            name = ", ".join(f"{f.label}={v}" for f, v in zip(self.levers, combo, strict=True))
            out.append((name, {f.path: v for f, v in zip(self.levers, combo, strict=True)}))
        return out


@dataclass
class Experiment:
    """A loaded experiment: the spec, its base scenario document and the design's points."""

    spec: ExperimentSpec
    file: Path
    base_doc: Document
    points: list[dict[str, Any]]
    unit: np.ndarray  # points x factors in [0, 1] (lhs, sobol) or level indices (grid)
    base_scenario: Scenario | None = None

    @property
    def mix_names(self) -> list[str]:
        """The mix of each point (crossed designs), else an empty list."""
        if not self.spec.crossed:
            return []
        names = [name for name, _ in self.spec.mix_points()]
        per = len(self.points) // max(len(names), 1)
        return [name for name in names for _ in range(per)]

    @property
    def digest(self) -> str:
        """Fingerprint of what the runs depend on, for ``--resume``: the base scenario, the
        design and its points, the replications and the seed. Not the metrics analysed, the
        executor, the workers or the description: changing those keeps the runs valid."""
        spec = self.spec.model_dump(
            mode="json",
            exclude={"metrics", "executor", "workers", "dask_address", "description"},
        )
        base = without_prose(self.base_doc.data)
        return runs_digest("sweep", {"spec": spec, "base": base, "points": self.points})


def design_points(spec: ExperimentSpec) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The design's points (path -> value) and their coordinates.

    With levers and uncertainties, the design samples the uncertainties and every mix is run
    at every sample (mix-major order): the coordinates are those of the uncertainty sample.
    """
    if spec.crossed:
        inner = spec.model_copy(
            update={"factors": spec.uncertainties, "levers": [], "mixes": [], "uncertainties": []}
        )
        u_points, u_unit = design_points(inner)
        mixes = spec.mix_points()
        points = [{**values, **u} for _, values in mixes for u in u_points]
        return points, np.tile(u_unit, (len(mixes), 1))
    factors = spec.factors
    d = spec.design
    if d.kind == "grid":
        axes = [f.grid(d.levels) for f in factors]
        combos = list(itertools.product(*axes))
        idx = np.array(list(itertools.product(*[range(len(a)) for a in axes])), dtype=float)
        return [dict(zip([f.path for f in factors], c, strict=True)) for c in combos], idx
    if d.kind == "lhs":
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(len(factors), optimization=d.optimization, rng=d.seed)
        unit = sampler.random(d.points)
    else:
        from SALib.sample import sobol as sobol_sample

        problem = {
            "num_vars": len(factors),
            "names": [f.label for f in factors],
            "bounds": [[0.0, 1.0]] * len(factors),
        }
        unit = sobol_sample.sample(
            problem, d.base_samples, calc_second_order=d.second_order, seed=d.seed
        )
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    points = [{f.path: columns[j][i] for j, f in enumerate(factors)} for i in range(unit.shape[0])]
    return points, unit


def load_experiment(path: Path | str) -> Experiment:
    """Read and validate an experiment file and its base scenario; build the design.

    Every problem (the experiment's fields, the base file, a factor path that is not a
    scenario field) is reported with its file and line.
    """
    path = Path(path)
    doc = load_document(path)
    spec = validate_document(doc, ExperimentSpec, error=InputError)
    base_path = (path.parent / spec.base).resolve()
    problems: list[Problem] = []
    if not base_path.exists():
        fname, line = doc.where(("base",))
        reason = _("base scenario {name} not found").format(name=repr(spec.base))
        raise InputError([Problem(fname, line, "base", reason)])
    base_doc = load_document(base_path)
    if spec.set:
        base_doc = apply_overrides(base_doc, spec.set, Scenario, source="set")
    base_scn = validate_document(base_doc, Scenario)
    groups = (("factors", spec.factors), ("levers", spec.levers))
    groups += (("uncertainties", spec.uncertainties),)
    for group, items in groups:
        problems += check_factor_paths(doc, group, items, base_doc, base_scn)
    if problems:
        raise InputError(problems)
    points, unit = design_points(spec)
    exp = Experiment(
        spec=spec, file=path, base_doc=base_doc, points=points, unit=unit, base_scenario=base_scn
    )
    for i, _mix in enumerate(spec.mixes):
        try:
            scenario_at(exp, spec.mix_points()[i][1])
        except InputError as exc:
            fname, line = doc.where(("mixes", i))
            problems += [
                Problem(fname, line, f"mixes.{i}", f"{p.path}: {p.reason}") for p in exc.problems
            ]
    if problems:
        raise InputError(problems)
    return exp


def value_at(obj: Any, path: str) -> Any:
    """The value of a dotted path in a validated scenario (None inside an absent block)."""
    for seg in path.split("."):
        if obj is None:
            return None
        obj = obj[int(seg)] if seg.isdigit() else getattr(obj, seg)
    return obj


def check_factor_paths(
    doc: Document, group: str, factors: list[Factor], base_doc: Document, base: Scenario
) -> list[Problem]:
    """Problems with the paths of factors: not a scenario field, or a multiplier of nothing."""
    problems: list[Problem] = []
    for i, f in enumerate(factors):
        for k, p in enumerate(f.paths):
            loc: tuple[str | int, ...] = (group, i, "path") if k == 0 else (group, i, "also", k - 1)
            segs = [int(x) if x.isdigit() else x for x in p.split(".")]
            why = check_path(Scenario, segs, base_doc.data)
            fname, line = doc.where(loc)
            dotted = ".".join(str(x) for x in loc)
            if why is not None:
                problems.append(Problem(fname, line, dotted, f"{why[0]}: {why[1]}"))
                continue
            if f.scale:
                value = value_at(base, p)
                if not isinstance(value, int | float) or isinstance(value, bool):
                    problems.append(
                        Problem(
                            fname,
                            line,
                            dotted,
                            f"{p}: scale: true multiplies a number, and the base scenario "
                            f"has {value!r} here",
                        )
                    )
    return problems


def point_overrides(
    factors: list[Factor], point: dict[str, Any], base: Scenario | None
) -> list[str]:
    """``PATH=VALUE`` overrides of one point (a factor's value goes to each of its paths)."""
    by_path = {f.path: f for f in factors}
    out: list[str] = []
    for p, v in point.items():
        f = by_path.get(p)
        paths = f.paths if f is not None else [p]
        for q in paths:
            value = v
            if f is not None and f.scale:
                assert base is not None
                value = float(v) * float(value_at(base, q))
            out.append(f"{q}={json.dumps(value)}")
    return out


def scenario_at(exp: Experiment, point: dict[str, Any]) -> Scenario:
    """The validated scenario of one point (base + factor values)."""
    overrides = point_overrides(exp.spec.all_factors, point, exp.base_scenario)
    doc = apply_overrides(exp.base_doc, overrides, Scenario, source="factor")
    return validate_document(doc, Scenario)


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------

Model = Callable[[Any, int, int], Any]


def _task(model: Model, payload: Any, seed: int, replication: int) -> Any:
    return model(payload, seed, replication)


def _simulator(scenario: Scenario, seed: int, replication: int) -> RunResult:
    return simulate(scenario, seed, replication)


@dataclass
class SweepResult:
    """The design, the per-run metrics and the sensitivity tables of a sweep."""

    experiment: Experiment
    design: pd.DataFrame
    metrics: pd.DataFrame  # long: point, replication, seed, metric, value
    complete: bool
    done: int
    total: int
    sensitivity: dict[str, pd.DataFrame] = field(default_factory=dict)

    def point_means(self, metric: str) -> np.ndarray:
        """Mean over replications of ``metric`` at each point (NaN where nothing ran)."""
        m = self.metrics[self.metrics.metric == metric]
        means = m.groupby("point")["value"].mean()
        out = np.full(len(self.experiment.points), np.nan)
        out[means.index.to_numpy()] = means.to_numpy()
        return out


def _key(point: int, replication: int) -> str:
    return f"p{point:06d}-r{replication:04d}"


def design_frame(exp: Experiment) -> pd.DataFrame:
    rows = []
    mixes = exp.mix_names
    for i, p in enumerate(exp.points):
        row: dict[str, Any] = {"point": i}
        if mixes:
            row["mix"] = mixes[i]
        for f in exp.spec.all_factors:
            row[f.label] = p[f.path]
        rows.append(row)
    return pd.DataFrame(rows)


def sweep(
    experiment: Experiment | Path | str,
    out: Path | str,
    *,
    resume: bool = False,
    overwrite: bool = False,
    executor: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    model: Model | None = None,
    payload: Callable[[Experiment, dict[str, Any]], Any] | None = None,
) -> SweepResult:
    """Run every (point, replication) of an experiment; write each as it finishes.

    Parameters
    ----------
    experiment
        An experiment file or a loaded :class:`Experiment`.
    out
        Results directory; it must be empty (or missing) unless ``resume`` or ``overwrite``.
    resume
        Skip the runs already on disk (the runs must be unchanged: same digest).
    overwrite
        Replace the results already in ``out``.
    executor, workers, dask_address
        Override the experiment file's executor.
    model, payload
        Plug another model in place of the simulator: ``payload(exp, point)`` builds the task
        input (default: the point's validated scenario) and ``model(payload, seed, rep)``
        returns a RunResult or a dict of metric values.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    store = ResultsDir(out).open(
        kind="sweep", digest=exp.digest, resume=resume, overwrite=overwrite
    )
    try:
        return _run_sweep(exp, store, executor, workers, dask_address, progress, model, payload)
    finally:
        store.close()


def _run_sweep(
    exp: Experiment,
    store: ResultsDir,
    executor: str | None,
    workers: int | None,
    dask_address: str | None,
    progress: Callable[[int, int], None] | None,
    model: Model | None,
    payload: Callable[[Experiment, dict[str, Any]], Any] | None,
) -> SweepResult:
    spec = exp.spec
    done = store.done_keys()
    model = model or _simulator
    build = payload or scenario_at
    design = design_frame(exp)
    store.write_table("design", design)
    meta = {
        "kind": "sweep",
        "name": spec.name,
        "experiment_file": str(exp.file),
        "digest": exp.digest,
        "design": spec.design.model_dump(mode="json"),
        "factors": [f.model_dump(mode="json") for f in spec.all_factors],
        "levers": [f.label for f in spec.levers],
        "uncertainties": [f.label for f in spec.uncertainties],
        "mixes": [name for name, _ in spec.mix_points()] if spec.crossed else [],
        "thresholds": [t.model_dump(mode="json") for t in spec.thresholds],
        "metrics": spec.metrics,
        "points": len(exp.points),
        "seed": spec.seed,
        "replications": list(range(spec.replications)),
        "seeds": seeds_record(spec.seed, range(spec.replications)),
        "scenarios": {"base": "scenarios/base.yaml"},
        "complete": False,
    }
    store.write_meta(meta)
    base_scn = validate_document(exp.base_doc, Scenario)
    store.write_scenario("base", base_scn)
    store.write_text("experiment.yaml", exp.file.read_text(encoding="utf-8"))
    todo = [
        (i, r)
        for i in range(len(exp.points))
        for r in range(spec.replications)
        if _key(i, r) not in done
    ]
    total = len(exp.points) * spec.replications
    finished = total - len(todo)
    payloads: dict[int, Any] = {}
    tasks = []
    for i, r in todo:
        if i not in payloads:
            payloads[i] = build(exp, exp.points[i])
        tasks.append((model, payloads[i], spec.seed, r))
    complete = True
    if progress is not None:
        progress(finished, total)
    address = dask_address or spec.dask_address
    exe = make_executor(
        choose_executor(executor or spec.executor, len(tasks), address),
        workers or spec.workers,
        address,
    )
    try:
        for j, result in exe.run(_task, tasks):
            i, r = todo[j]
            _write_task(store, exp, i, r, spec.seed, result)
            finished += 1
            if progress is not None:
                progress(finished, total)
    except KeyboardInterrupt:
        complete = False
    finally:
        exe.close()
    tables = store.consolidate()
    metrics = tables.get(
        "metrics",
        pd.DataFrame(columns=["scenario", "point", "replication", "seed", "metric", "value"]),
    )
    res = SweepResult(
        experiment=exp,
        design=design,
        metrics=metrics,
        complete=complete and finished == total,
        done=finished,
        total=total,
    )
    if res.complete:
        res.sensitivity = sensitivity_tables(res)
        for name, df in res.sensitivity.items():
            store.write_table(f"sensitivity-{name}", df)
    store.write_meta({**meta, "complete": res.complete})
    return res


def _write_task(
    store: ResultsDir, exp: Experiment, point: int, rep: int, seed: int, result: Any
) -> None:
    key = _key(point, rep)
    if isinstance(result, RunResult):
        keep = run_tables(result, exp.spec.name, point=point, only=("metrics", "outcomes", "costs"))
    else:
        metrics = pd.DataFrame(
            {"metric": list(result), "value": [float(v) for v in result.values()]}
        )
        for pos, (col, val) in enumerate(
            {"scenario": exp.spec.name, "point": point, "replication": rep, "seed": seed}.items()
        ):
            metrics.insert(pos, col, val)
        keep = {"metrics": metrics}
    store.write_run(key, keep)


def factor_matrix(res: SweepResult, factors: list[Factor] | None = None) -> np.ndarray:
    """Points x factors as numbers (categorical levels as their index)."""
    cols = []
    for f in res.experiment.spec.all_factors if factors is None else factors:
        vals = [p[f.path] for p in res.experiment.points]
        if f.kind == "categorical":
            assert f.levels is not None
            cols.append([float(f.levels.index(v)) for v in vals])
        else:
            cols.append([float(v) for v in vals])
    return np.array(cols, dtype=float).T


def sensitivity_tables(res: SweepResult) -> dict[str, pd.DataFrame]:
    """Sensitivity of each metric of interest, by the method that suits the design.

    ``sobol``: first-order and total Sobol indices with 95 % CIs (SALib); ``lhs``: partial rank
    correlation coefficients with p-values; ``grid``: main effects. Per-point values are the
    means over replications.

    With levers and uncertainties, the inputs are the uncertainties and one 0/1 column per mix
    but the first (``mix=NAME``): the levers of a few mixes are collinear, so their separate
    indices would mean nothing; each index is then the effect controlled for the others.
    """
    from accesssim.analysis import main_effects, prcc, sobol_indices

    spec = res.experiment.spec
    if spec.crossed:
        names = [f.label for f in spec.uncertainties]
        X = factor_matrix(res, list(spec.uncertainties))
        mixes = res.experiment.mix_names
        for name in list(dict.fromkeys(mixes))[1:]:
            names.append(f"mix={name}")
            X = np.column_stack([X, [float(m == name) for m in mixes]])
    else:
        names = [f.label for f in spec.all_factors]
        X = factor_matrix(res)
    rows = []
    for metric in spec.metrics:
        y = res.point_means(metric)
        if spec.design.kind == "sobol":
            df = sobol_indices(
                y, names, second_order=spec.design.second_order, seed=spec.design.seed
            )
        elif spec.design.kind == "lhs":
            df = prcc(X, y, names)
        else:
            df = main_effects(X, y, names)
        df.insert(0, "metric", metric)
        rows.append(df)
    return {"indices": pd.concat(rows, ignore_index=True)} if rows else {}
