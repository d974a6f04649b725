"""The ``accesssim`` command line (typer + rich): parses, calls the public API, prints.

Bad input never shows a traceback: every problem is printed as ``FILE:LINE: field.path:
reason`` on standard error and the exit code is 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from accesssim._version import __version__
from accesssim.scenario.errors import InputError

app = typer.Typer(
    name="accesssim",
    help="Simulate access to primary care in French health territories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def handles_input_errors(func: F) -> F:
    """Turn :class:`InputError` into one line per problem on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                _err(str(problem))
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"accesssim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Simulate access to primary care in French health territories."""


@app.command()
@handles_input_errors
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: PATH=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Check scenario files; print one line per valid file, every problem of the others."""
    from accesssim.scenario import load_scenario

    problems = []
    for path in scenarios:
        try:
            scenario = load_scenario(path, set_ or [])
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        info = scenario.summary()
        policies = ", ".join(info["policies"]) or "none"
        typer.echo(
            f"ok  {path}: {info['name']} - {info['population']:,} inhabitants, "
            f"{info['communes']} commune(s), {info['gps']} GPs; policies: {policies}"
        )
    if problems:
        raise InputError(problems)


@app.command()
def schema(
    format_: Annotated[
        str, typer.Option("--format", help="json (JSON Schema) or markdown (field reference).")
    ] = "json",
) -> None:
    """Print the JSON Schema of scenario files (or the Markdown field reference)."""
    from accesssim.scenario.reference import json_schema, reference_markdown

    if format_ == "json":
        typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False, default=str))
    elif format_ == "markdown":
        typer.echo(reference_markdown(), nl=False)
    else:
        _err(f"--format: expected json or markdown, got {format_!r}")
        raise typer.Exit(EXIT_INPUT)


# ---------------------------------------------------------------------------------------------
# Shared options and output
# ---------------------------------------------------------------------------------------------

ReplicationsOpt = Annotated[
    int, typer.Option("--replications", "-r", min=1, help="Replications (independent runs).")
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Root seed (0 is a seed).")]
HorizonOpt = Annotated[
    int | None, typer.Option("--horizon", min=1, help="Simulated days incl. warm-up.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a scenario field: PATH=VALUE (repeatable)."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Directory for Parquet results (kept on Ctrl-C).")
]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json or csv.")]
ExecutorOpt = Annotated[
    str, typer.Option("--executor", help="serial, processes (all cores) or dask.")
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes.")]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask-address", help="Address of a running dask scheduler (tcp://...)."),
]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        from accesssim.scenario.errors import Problem

        raise InputError(
            [Problem("--format", None, "format", f"expected table, json or csv, got {fmt!r}")]
        )


def _check_executor(name: str) -> None:
    if name not in ("serial", "processes", "dask"):
        from accesssim.scenario.errors import Problem

        raise InputError(
            [
                Problem(
                    "--executor",
                    None,
                    "executor",
                    f"expected serial, processes or dask, got {name!r}",
                )
            ]
        )


class _Progress:
    """A rich progress bar on a terminal (stderr); silent otherwise."""

    def __init__(self, label: str) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.bar = None
        self.task = None
        self.label = label
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=None, rate="")
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            elapsed = self.bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.2f}/s" if elapsed > 0 else ""
            self.bar.update(self.task, completed=done, total=total, rate=rate)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _fmt_value(metric: str, value: float) -> str:
    import math

    from accesssim.model import METRICS

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    unit = METRICS.get(metric, ("", ""))[0]
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit in ("EUR", "people"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    from accesssim.model import METRICS

    rows = []
    for metric, est in summary.items():
        rows.append({"metric": metric, "unit": METRICS[metric][0], **est.as_dict()})
    return rows


def _print_summary(title: str, summary: dict[str, Any], fmt: str, extra: dict[str, Any]) -> None:
    rows = _summary_rows(summary)
    if fmt == "json":
        payload = dict(extra)
        payload["metrics"] = {
            r["metric"]: {k: _json_num(v) for k, v in r.items() if k != "metric"} for r in rows
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    if fmt == "csv":
        import csv

        fields = ["metric", "mean", "low", "high", "half_width", "sd", "n", "unit"]
        w = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    table.add_column("unit", style="dim")
    for r in rows:
        ci = (
            f"[{_fmt_value(r['metric'], r['low'])}, {_fmt_value(r['metric'], r['high'])}]"
            if r["n"] >= 2
            else "-"
        )
        table.add_row(r["metric"], _fmt_value(r["metric"], r["mean"]), ci, r["unit"])
    Console(width=max(100, Console().width)).print(table)


def _json_num(v: Any) -> Any:
    import math

    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------


@app.command()
@handles_input_errors
def run(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario YAML.")],
    replications: ReplicationsOpt = 5,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    format_: FormatOpt = "table",
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    auto: Annotated[
        bool, typer.Option("--auto", help="Add replications until the CIs are narrow enough.")
    ] = False,
    precision: Annotated[
        float, typer.Option("--precision", min=0.001, help="--auto: relative CI half-width.")
    ] = 0.05,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=2, help="--auto: cap.")
    ] = 100,
    csv_copy: Annotated[
        bool, typer.Option("--csv", help="Also write CSV tables in --out.")
    ] = False,
) -> None:
    """Run replications of a scenario; print every metric with its 95 % CI."""
    from accesssim.experiment import AutoStop, ResultsDir, replicate, run_tables
    from accesssim.experiment.store import seeds_record
    from accesssim.scenario import load_scenario

    _check_format(format_)
    _check_executor(executor)
    scenario = load_scenario(scenario_file, set_ or [], horizon_days=horizon)
    store = ResultsDir(out).prepare() if out is not None else None
    label = scenario_file.stem
    if store is not None:
        store.write_scenario(label, scenario)

    def keep(result: Any) -> None:
        if store is not None:
            store.write_run(f"{label}-r{result.replication:05d}", run_tables(result, label))

    stop = AutoStop(relative=precision, max_replications=max_replications) if auto else None
    if executor == "processes" and replications == 1 and not auto and not dask_address:
        executor = "serial"
    with _Progress(f"run {label}") as bar:
        reps = replicate(
            scenario,
            replications,
            seed,
            executor=executor,
            workers=workers,
            dask_address=dask_address,
            auto=stop,
            progress=bar,
            on_result=keep,
        )
    if store is not None:
        store.write_meta(
            {
                "kind": "run",
                "scenarios": {label: f"scenarios/{label}.yaml"},
                "seed": seed,
                "replications": [r.replication for r in reps.results],
                "seeds": seeds_record(seed, [r.replication for r in reps.results]),
                "complete": reps.complete,
                "executor": executor,
            }
        )
        store.consolidate(csv=csv_copy)
    if not reps.results:
        _err("interrupted before any replication finished")
        raise typer.Exit(130)
    summary = reps.summary()
    title = (
        f"{scenario.name}: {reps.n} replication(s), seed {seed}, "
        f"{scenario.calendar.horizon_days - scenario.calendar.warmup_days} days measured"
    )
    extra = {
        "scenario": scenario.name,
        "file": str(scenario_file),
        "seed": seed,
        "replications": reps.n,
        "complete": reps.complete,
        "costs": _mean_costs(reps.results),
    }
    if auto:
        extra["precision_target_met"] = reps.converged()
    _print_summary(title, summary, format_, extra)
    if auto and format_ == "table":
        met = "met" if reps.converged() else "NOT met (cap reached)"
        _err(f"automatic replications: {reps.n} run; precision target {precision:.0%} {met}")
    if out is not None and format_ == "table":
        _err(f"results written to {out}")
    if not reps.complete:
        _err(f"interrupted: {reps.n} finished replication(s) kept")
        raise typer.Exit(130)


def _mean_costs(results: list[Any]) -> dict[str, float]:
    import numpy as np

    keys = sorted({k for r in results for k in r.costs})
    return {k: float(np.mean([r.costs.get(k, 0.0) for r in results])) for k in keys}


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
