"""The ``accesssim`` command line (typer + rich): parses, calls the public API, prints.

Bad input never shows a traceback: every problem is printed as ``FILE:LINE: field.path:
reason`` on standard error and the exit code is 2.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from accesssim._version import __version__
from accesssim.cli_i18n import LocalisedCommand, LocalisedGroup, apply_language, localise_help
from accesssim.i18n import _, set_language
from accesssim.scenario.errors import InputError, printable


class _App(typer.Typer):
    """Typer whose commands write their usage line and help option in the language."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or LocalisedCommand, **kwargs)


app = _App(
    name="accesssim",
    cls=LocalisedGroup,
    help=_("Simulate access to primary care in French health territories."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, a batch scheduler) handled as Ctrl-C: workers stop,
    finished runs and ``experiment.json`` are kept; the exit code is 143."""


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """While an experiment runs, SIGTERM stops it the way Ctrl-C does."""

    def on_term(signum: int, frame: Any) -> None:
        _terminated[0] = True
        raise Terminated()

    _terminated[0] = False
    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted_code(exc: BaseException | None = None) -> int:
    return EXIT_SIGTERM if isinstance(exc, Terminated) or _terminated[0] else EXIT_SIGINT


_terminated = [False]


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
            from accesssim.scenario.errors import translated

            for problem in exc.problems:
                _err(str(translated(problem)))
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper  # type: ignore[return-value]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"accesssim {__version__}")
        raise typer.Exit()


def _lang_callback(ctx: typer.Context, value: str | None) -> str | None:
    if value is not None:
        try:
            set_language(value)
        except ValueError:
            raise typer.BadParameter("fr, en") from None
        apply_language()
        localise_help(ctx.find_root().command)
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        callback=_lang_callback,
        is_eager=True,
        metavar="fr|en",
        help=_(
            "Language of tables, messages and reports: fr or en (default: French when the "
            "locale is French, LANG=fr_FR...). Files and JSON keep English identifiers."
        ),
    ),
]


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help=_("Show version.")
        ),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Simulate access to primary care in French health territories."""


StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help=_("Treat warnings (implausible but valid input) as errors.")),
]


def _warnings(scenario: Any, doc: Any, strict: bool) -> tuple[list[Any], list[Any]]:
    """(warnings to print, problems): the scenario's warnings, as problems with ``strict``."""
    from accesssim.scenario.errors import Problem
    from accesssim.scenario.plausibility import warning_problems

    found = warning_problems(scenario, doc)
    if strict:
        return [], [
            Problem(
                w.file,
                w.line,
                w.path,
                _("{reason} (a warning, an error with --strict)").format(reason=w.reason),
            )
            for w in found
        ]
    return found, []


def _print_warnings(found: list[Any]) -> None:
    """Each warning on stderr as ``FILE:LINE: warning: field.path: message``."""
    for w in found:
        where = f"{w.file}:{w.line}" if w.line is not None else w.file
        _err(
            _("{where}: warning: {path}: {reason}").format(
                where=where, path=w.path, reason=w.reason
            )
        )


@app.command(
    help=_("Check scenario files; print one line per valid file, every problem of the others.")
)
@handles_input_errors
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help=_("Scenario YAML files."))],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help=_("Override a field: PATH=VALUE (repeatable).")),
    ] = None,
    strict: StrictOpt = False,
    lang: LangOpt = None,
) -> None:
    """Check scenario files; print one line per valid file, every problem of the others.

    Warnings (a valid but implausible scenario: GP density, retirements, coordinates, horizon,
    late policies) go to stderr; --strict makes them errors (exit code 2)."""
    from accesssim.scenario import load_scenario_document

    problems = []
    for path in scenarios:
        try:
            scenario, doc = load_scenario_document(path, set_ or [])
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found, strict_problems = _warnings(scenario, doc, strict)
        if strict_problems:
            problems.extend(strict_problems)
            continue
        info = scenario.summary()
        from accesssim.report.describe import POLICY_LABELS
        from accesssim.wording import fmt_int

        names = [_(POLICY_LABELS.get(k, k)) for k in info["policies"]]
        typer.echo(
            _(
                "ok  {path}: {name} - {population} inhabitants, {communes} commune(s), {gps} "
                "GPs; policies: {policies}"
            ).format(
                path=printable(str(path)),
                name=printable(info["name"]),
                population=fmt_int(info["population"]),
                communes=info["communes"],
                gps=info["gps"],
                policies=", ".join(names) or _("none"),
            )
        )
        _print_warnings(found)
    if problems:
        raise InputError(problems)


@app.command(help=_("Print the JSON Schema of scenario files (or the Markdown field reference)."))
def schema(
    format_: Annotated[
        str, typer.Option("--format", help=_("json (JSON Schema) or markdown (field reference)."))
    ] = "json",
) -> None:
    """Print the JSON Schema of scenario files (or the Markdown field reference)."""
    from accesssim.scenario.reference import json_schema, reference_markdown

    if format_ == "json":
        typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False, allow_nan=False))
    elif format_ == "markdown":
        typer.echo(reference_markdown(), nl=False)
    else:
        _err(_("--format: expected json or markdown, got {value!r}").format(value=format_))
        raise typer.Exit(EXIT_INPUT)


# ---------------------------------------------------------------------------------------------
# Shared options and output
# ---------------------------------------------------------------------------------------------

ReplicationsOpt = Annotated[
    int, typer.Option("--replications", "-r", min=1, help=_("Replications (independent runs)."))
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help=_("Root seed (0 is a seed)."))]
HorizonOpt = Annotated[
    int | None, typer.Option("--horizon", min=1, help=_("Simulated days incl. warm-up."))
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help=_("Override a scenario field: PATH=VALUE (repeatable).")),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help=_("Directory for Parquet results (kept on Ctrl-C)."))
]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume", help=_("Continue the same experiment in --out: keep its finished runs.")
    ),
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help=_("Replace the results already in --out."))
]
FormatOpt = Annotated[str, typer.Option("--format", help=_("table, json or csv."))]
ReportOpt = Annotated[
    bool,
    typer.Option("--report", help=_("Also write the HTML report, --out DIR/report.html.")),
]
ExecutorOpt = Annotated[
    str, typer.Option("--executor", help=_("serial, processes (all cores) or dask."))
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, help=_("Worker processes."))]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask-address", help=_("Address of a running dask scheduler (tcp://...).")),
]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json", "csv"):
        from accesssim.scenario.errors import Problem

        raise InputError(
            [
                Problem(
                    "--format",
                    None,
                    "format",
                    _("expected table, json or csv, got {value!r}").format(value=fmt),
                )
            ]
        )


def _check_dask(address: str | None) -> None:
    if address:
        from accesssim.experiment.executors import check_dask_address

        check_dask_address(address)


def _check_executor(name: str) -> None:
    if name not in ("serial", "processes", "dask"):
        from accesssim.scenario.errors import Problem

        raise InputError(
            [
                Problem(
                    "--executor",
                    None,
                    "executor",
                    _("expected serial, processes or dask, got {value!r}").format(value=name),
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


def _summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    from accesssim.model import METRICS

    rows = []
    for metric, est in summary.items():
        rows.append({"metric": metric, "unit": METRICS[metric][0], **est.as_dict()})
    return rows


def _console() -> Any:
    """A rich console on standard output: the terminal's width (80 columns when piped)."""
    from rich.console import Console

    return Console(highlight=False)


def _table(title: str, caption: str) -> Any:
    """A table a planner reads: light rules, wrapped (never cut) cells; its title and caption
    printed as wrapped paragraphs around it (:func:`_show`)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.accesssim_words = (title, caption)  # type: ignore[attr-defined]
    return table


def _show(console: Any, table: Any) -> None:
    from rich.text import Text

    title, caption = table.accesssim_words
    table.width = min(console.width, 100) - 1  # a box of known width: cells wrap, none is cut
    console.print(Text(title, style="bold"))
    console.print(table)
    console.print(Text(caption, style="dim"))


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
    from accesssim.i18n import _
    from accesssim.report.tables import summary_rows

    table = _table(title, _("↑ higher is better, ↓ lower is better; 95 % CI: confidence interval."))
    table.add_column(_("Indicator"), overflow="fold", min_width=22)
    table.add_column("", no_wrap=True)
    table.add_column(_("Mean"), justify="right", overflow="fold")
    table.add_column(_("95 % CI"), justify="right", overflow="fold")
    table.add_column(_("Unit"), style="dim", overflow="fold")
    for r in summary_rows(summary, summary):
        table.add_row(r.label, r.better[:1], r.mean, r.ci, r.unit)
    _show(_console(), table)


def _json_num(v: Any) -> Any:
    import math

    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------


@app.command(help=_("Run replications of a scenario; print every metric with its 95 % CI."))
@handles_input_errors
def run(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO", help=_("Scenario YAML."))],
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
        bool, typer.Option("--auto", help=_("Add replications until the CIs are narrow enough."))
    ] = False,
    precision: Annotated[
        float,
        typer.Option(
            "--precision", min=0.001, help=_("Relative CI half-width targeted (--auto, advice).")
        ),
    ] = 0.05,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=2, help=_("--auto: cap."))
    ] = 100,
    csv_copy: Annotated[
        bool, typer.Option("--csv", help=_("Also write CSV tables in --out."))
    ] = False,
    with_report: ReportOpt = False,
    strict: StrictOpt = False,
    lang: LangOpt = None,
    resume: ResumeOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run replications of a scenario; print every metric with its 95 % CI."""
    from accesssim.experiment import AutoStop, ResultsDir, replicate, run_tables
    from accesssim.experiment.store import labels_for, run_digest, seeds_record
    from accesssim.scenario import load_scenario_document

    _check_format(format_)
    _check_executor(executor)
    _check_dask(dask_address)
    _check_report(with_report, out)
    _check_out_flags(out, resume, overwrite)
    scenario, doc = load_scenario_document(scenario_file, set_ or [], horizon_days=horizon)
    found, strict_problems = _warnings(scenario, doc, strict)
    if strict_problems:
        raise InputError(strict_problems)
    _print_warnings(found)
    label = labels_for([scenario_file])[0]
    digest = run_digest(label, scenario, seed, "auto" if auto else replications)
    store = None
    if out is not None:
        store = ResultsDir(out).open(kind="run", digest=digest, resume=resume, overwrite=overwrite)
    meta: dict[str, Any] = {
        "kind": "run",
        "digest": digest,
        "scenarios": {label: f"scenarios/{label}.yaml"},
        "seed": seed,
        "replications": [],
        "seeds": [],
        "complete": False,
        "executor": executor,
    }

    def keep(result: Any) -> None:
        if store is not None:
            store.write_run(f"{label}-r{result.replication:05d}", run_tables(result, label))

    stop = AutoStop(relative=precision, max_replications=max_replications) if auto else None
    with contextlib.ExitStack() as stack:
        if store is not None:
            stack.enter_context(store)
            store.write_scenario(label, scenario)
            store.write_meta(meta)
        prior = (
            store.stored_runs(label, scenario.costs.perspective)
            if store is not None and resume
            else []
        )
        with _stoppable(), _Progress(f"run {label}") as bar:
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
                prior=prior,
            )
        if store is not None:
            # Only what is on disk counts: a run whose writing a signal cut short is dropped.
            on_disk = store.done_keys()
            reps.results = [r for r in reps.results if f"{label}-r{r.replication:05d}" in on_disk]
            done = [r.replication for r in reps.results]
            meta.update(replications=done, seeds=seeds_record(seed, done), complete=reps.complete)
            store.write_meta(meta)
            store.consolidate(csv=csv_copy)
    if not reps.results:
        _err(_("interrupted before any replication finished"))
        raise typer.Exit(_interrupted_code())
    summary = reps.summary()
    title = _("{name}: {n} replication(s), seed {seed}, {days} days measured").format(
        name=scenario.name,
        n=reps.n,
        seed=seed,
        days=scenario.calendar.horizon_days - scenario.calendar.warmup_days,
    )
    extra = {
        "scenario": scenario.name,
        "file": str(scenario_file),
        "seed": seed,
        "replications": reps.n,
        "complete": reps.complete,
        "costs": _mean_costs(reps.results),
    }
    from accesssim.experiment.store import outcome_profiles

    extra.update(outcome_profiles(reps.results))
    if auto:
        extra["precision_target_met"] = reps.converged()
        extra["replications_needed"] = reps.needed()
    from accesssim.analysis import advice

    hints = advice(reps.results, scenario.calendar.warmup_days, relative=precision)
    extra["advice"] = hints
    if format_ == "json":
        extra["by_year"] = [
            {k: _json_num(v) for k, v in row.items()}
            for row in reps.year_summary().to_dict("records")
        ]
    _print_summary(title, summary, format_, extra)
    if format_ == "table":
        _show(_console(), _cost_year_table(None, run=reps))
        from accesssim.wording import metric_short, pct

        needed = ", ".join(
            f"{metric_short(m)} {n}" for m, n in hints["replications_needed"].items()
        )
        _err(
            _(
                "warm-up: {used} days used; MSER-5 on the weekly planned waits suggests "
                "{suggested} days"
            ).format(used=hints["warmup_used_days"], suggested=hints["warmup_suggested_days"])
        )
        _err(
            _("replications for a 95 % CI within {p} of the mean: {needed}").format(
                p=pct(precision), needed=needed
            )
        )
    if auto and format_ == "table":
        from accesssim.wording import pct

        if reps.converged():
            met = _("met")
        elif reps.n >= max_replications:
            met = _("not met: cap of {cap} reached, about {needed} needed").format(
                cap=max_replications, needed=reps.needed()
            )
        else:
            met = _("not met: stopped after {n}, about {needed} needed").format(
                n=reps.n, needed=reps.needed()
            )
        _err(
            _("automatic replications: {n} run; precision target {p} {met}").format(
                n=reps.n, p=pct(precision), met=met
            )
        )
    if out is not None and format_ == "table":
        _err(_("results written to {out}").format(out=out))
    if not reps.complete:
        _err(_("interrupted: {n} finished replication(s) kept").format(n=reps.n))
        raise typer.Exit(_interrupted_code())
    if with_report and out is not None:
        _write_report(out)


# ---------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------


@app.command(
    help=_("Compare alternatives with a baseline: paired differences with 95 % CIs (same seeds).")
)
@handles_input_errors
def compare(
    base_file: Annotated[Path, typer.Argument(metavar="BASE", help=_("Baseline scenario."))],
    alt_files: Annotated[
        list[Path], typer.Argument(metavar="ALT...", help=_("Alternative scenario(s)."))
    ],
    replications: ReplicationsOpt = 10,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    format_: FormatOpt = "table",
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    all_metrics: Annotated[
        bool, typer.Option("--all", help=_("Show every metric (default: the headline ones)."))
    ] = False,
    csv_copy: Annotated[
        bool, typer.Option("--csv", help=_("Also write CSV tables in --out."))
    ] = False,
    with_report: ReportOpt = False,
    lang: LangOpt = None,
    resume: ResumeOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compare alternatives with a baseline: paired differences with 95 % CIs (same seeds)."""
    from accesssim.experiment import ResultsDir, run_tables
    from accesssim.experiment.compare import compare as run_compare
    from accesssim.experiment.store import compare_digest, labels_for, write_comparison
    from accesssim.scenario import load_scenario_document

    _check_format(format_)
    _check_executor(executor)
    _check_dask(dask_address)
    _check_report(with_report, out)
    _check_out_flags(out, resume, overwrite)
    files = [base_file, *alt_files]
    scenarios, docs, problems = [], [], []
    for f in files:
        try:
            sc, doc = load_scenario_document(f, set_ or [], horizon_days=horizon)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        scenarios.append(sc)
        docs.append(doc)
    if problems:
        raise InputError(problems)
    problems = _cost_basis_problems(scenarios, docs)
    if problems:
        raise InputError(problems)
    labels = labels_for(files)
    digest = compare_digest(labels, scenarios, seed, replications)
    store = None
    if out is not None:
        store = ResultsDir(out).open(
            kind="compare", digest=digest, resume=resume, overwrite=overwrite
        )

    def keep(label: str, result: Any) -> None:
        if store is not None:
            store.write_run(f"{label}-r{result.replication:05d}", run_tables(result, label))

    with contextlib.ExitStack() as stack:
        prior = {}
        if store is not None:
            stack.enter_context(store)
            for label, sc in zip(labels, scenarios, strict=True):
                store.write_scenario(label, sc)
            store.write_meta(
                {
                    "kind": "compare",
                    "digest": digest,
                    "baseline": labels[0],
                    "alternatives": labels[1:],
                    "scenarios": {lab: f"scenarios/{lab}.yaml" for lab in labels},
                    "seed": seed,
                    "replications": [],
                    "complete": False,
                    "executor": executor,
                }
            )
            if resume:
                prior = {
                    label: store.stored_runs(label, sc.costs.perspective)
                    for label, sc in zip(labels, scenarios, strict=True)
                }
        with _stoppable(), _Progress("compare") as bar:
            cmp = run_compare(
                scenarios[0],
                scenarios[1:],
                replications,
                seed,
                labels=labels,
                executor=executor,
                workers=workers,
                dask_address=dask_address,
                progress=bar,
                on_result=keep,
                prior=prior,
            )
        if store is not None:
            on_disk = store.done_keys()  # a run whose writing a signal cut short is dropped
            for lab, run in zip(labels, cmp.runs, strict=True):
                run.results = [r for r in run.results if f"{lab}-r{r.replication:05d}" in on_disk]
            write_comparison(
                cmp,
                store.path,
                executor=executor,
                csv=csv_copy,
                store=store,
                replications=replications,
            )
    if cmp.n == 0:
        _err(_("interrupted before any replication finished"))
        raise typer.Exit(_interrupted_code())
    _print_comparison(cmp, format_, all_metrics)
    if out is not None and format_ == "table":
        _err(_("results written to {out}").format(out=out))
    if not cmp.complete:
        _err(_("interrupted: {n} finished replication(s) per scenario kept").format(n=cmp.n))
        raise typer.Exit(_interrupted_code())
    if with_report and out is not None:
        _write_report(out)


def _print_comparison(cmp: Any, fmt: str, all_metrics: bool) -> None:
    diffs = cmp.differences()
    gains = cmp.cost_per_gain()
    if fmt == "json":
        payload = {
            "baseline": cmp.labels[0],
            "alternatives": cmp.labels[1:],
            "seed": cmp.seed,
            "replications": cmp.n,
            "complete": cmp.complete,
            "differences": [
                {k: _json_num(v) for k, v in row.items()} for row in diffs.to_dict("records")
            ],
            "cost_per_gain": [
                {k: _json_num(v) for k, v in row.items()} for row in gains.to_dict("records")
            ],
            "differences_by_year": [
                {k: _json_num(v) for k, v in row.items()}
                for row in cmp.differences_by_year().to_dict("records")
            ],
            "perspective": cmp.runs[0].scenario.costs.perspective,
        }
        from accesssim.experiment.store import outcome_profiles

        payload["outcome_profiles"] = {
            label: outcome_profiles(run.results)
            for label, run in zip(cmp.labels, cmp.runs, strict=True)
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    if fmt == "csv":
        diffs.to_csv(sys.stdout, index=False)
        typer.echo("")
        gains.to_csv(sys.stdout, index=False)
        return
    from accesssim.i18n import _
    from accesssim.model import HEADLINE_METRICS, METRIC_NAMES
    from accesssim.report.describe import policy_rows
    from accesssim.report.tables import baseline_cost_words, difference_rows

    console = _console()
    metrics = METRIC_NAMES if all_metrics else HEADLINE_METRICS
    base = cmp.labels[0]
    for alt in cmp.labels[1:]:
        table = _table(
            _("{alt} against {base}: paired differences, {n} replications, seed {seed}").format(
                alt=alt, base=base, n=cmp.n, seed=cmp.seed
            ),
            _(
                "↑ higher is better, ↓ lower is better. Clear change: the 95 % CI of the "
                "difference excludes 0; otherwise it could be chance. Shares differ in "
                "percentage points (pt)."
            ),
        )
        table.add_column(_("Indicator (unit)"), overflow="fold", min_width=18)
        table.add_column("", no_wrap=True)
        table.add_column(_("Baseline"), justify="right", overflow="fold")
        table.add_column(_("Alternative"), justify="right", overflow="fold")
        table.add_column(_("Difference [95 % CI]"), justify="right", overflow="fold", min_width=20)
        table.add_column(_("Reading"), overflow="fold", max_width=10)
        for r in difference_rows(diffs, alt, metrics):
            table.add_row(
                f"{r.short} ({r.unit})",
                r.better[:1],
                r.base,
                r.alt,
                f"{r.diff}\n{r.ci}",
                r.reading,
            )
        _show(console, table)
        _show(console, _icer_table(alt, gains, cmp.runs[0].scenario))
        _show(console, _cost_year_table(cmp, alt))
    names = {p["key"]: p["name"] for p in policy_rows(cmp.runs[0].scenario)}
    console.print(baseline_cost_words(_mean_costs(cmp.runs[0].results), names), style="dim")


def _cost_basis_problems(scenarios: list[Any], docs: list[Any]) -> list[Any]:
    """One problem per alternative whose costs are not counted like the baseline's (payer,
    discount rate): differences between the arms would mix them."""
    from accesssim.experiment.compare import cost_basis_mismatches
    from accesssim.scenario.errors import Problem

    base = scenarios[0]
    problems = []
    for i, name in cost_basis_mismatches(base, scenarios[1:]):
        loc = ("costs", name)
        file, line = docs[i + 1].where(loc)
        problems.append(
            Problem(
                file,
                line,
                ".".join(loc),
                _(
                    "{value} here but {base_value} in the baseline: the alternatives of a "
                    "comparison are costed for the baseline's payer and discounted at its rate"
                ).format(
                    value=getattr(scenarios[i + 1].costs, name),
                    base_value=getattr(base.costs, name),
                ),
            )
        )
    return problems


def _perspective_note(scenario: Any) -> str:
    from accesssim.wording import pct, perspective_words

    c = scenario.costs
    return _("Costs to {who}, discounted at {rate} a year (docs/policies.md).").format(
        who=perspective_words(c.perspective), rate=pct(c.discount_rate)
    )


def _icer_table(alt: str, gains: Any, scenario: Any) -> Any:
    from accesssim.report.tables import icer_rows

    gt = _table(
        _("{alt}: cost-effectiveness against the baseline").format(alt=alt),
        _(
            "Incremental cost and effect: means of the paired differences with their 95 % CI; "
            "cost per unit of gain (ICER) with its 95 % CI by Fieller's method, shown when the "
            "effect is clearly not 0."
        )
        + " "
        + _perspective_note(scenario),
    )
    gt.add_column(_("Gain (unit)"), overflow="fold", min_width=16)
    gt.add_column(_("Extra cost [95 % CI]"), justify="right", overflow="fold")
    gt.add_column(_("Gain [95 % CI]"), justify="right", overflow="fold")
    gt.add_column(_("Cost per unit [95 % CI]"), justify="right", overflow="fold")
    gt.add_column(_("Reading"), overflow="fold", max_width=16)
    for r in icer_rows(gains, alt):
        gt.add_row(
            r.description,
            f"{r.cost}\n{r.cost_ci}",
            f"{r.effect}\n{r.effect_ci}",
            f"{r.icer}\n{r.icer_ci}",
            r.case,
        )
    return gt


def _cost_frame(results: list[Any], label: str) -> Any:
    import pandas as pd

    frames = [
        pd.DataFrame(r.cost_lines).assign(scenario=label, replication=r.replication)
        for r in results
        if r.cost_lines
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def _cost_year_table(cmp: Any, alt: Any = None, run: Any = None) -> Any:
    """Mean discounted euros by item and year: a run's, or an alternative's difference from
    the baseline."""
    import pandas as pd

    from accesssim.report.tables import cost_year_rows, perspective_costs

    if run is not None:
        label, scenario = "run", run.scenario
        frame = _cost_frame(run.results, label)
        base = None
    else:
        label, scenario, base = alt, cmp.runs[0].scenario, cmp.labels[0]
        j = cmp.labels.index(alt)
        frame = pd.concat(
            [_cost_frame(cmp.runs[0].results, base), _cost_frame(cmp.runs[j].results, alt)],
            ignore_index=True,
        )
    title = (
        _("Costs by item and year (mean)")
        if base is None
        else _("{alt}: extra cost by item and year (mean difference from the baseline)").format(
            alt=alt
        )
    )
    table = _table(title, _perspective_note(scenario))
    persp = scenario.costs.perspective
    years, rows = cost_year_rows(
        perspective_costs(frame, {label: persp, str(base): persp}), label, base
    )
    table.add_column(_("Item"), overflow="fold", min_width=16)
    for y in years:
        table.add_column(_("Year {n}").format(n=y), justify="right", overflow="fold")
    if len(years) > 1:
        table.add_column(_("All years"), justify="right", overflow="fold")
    for r in rows:
        cells = [r.label, *r.years] + ([r.total] if len(years) > 1 else [])
        table.add_row(*cells, style="bold" if r.item == "total" else None)
    return table


# ---------------------------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------------------------


@app.command(
    help=_("Run a design of experiments (grid, LHS, Sobol); print sensitivity indices with CIs.")
)
@handles_input_errors
def sweep(
    experiment_file: Annotated[
        Path, typer.Argument(metavar="EXPERIMENT", help=_("Experiment YAML file."))
    ],
    out: Annotated[Path, typer.Option("--out", help=_("Results directory."))],
    resume: Annotated[
        bool, typer.Option("--resume", help=_("Skip the runs already in --out."))
    ] = False,
    overwrite: OverwriteOpt = False,
    executor: Annotated[
        str | None,
        typer.Option("--executor", help=_("serial, processes or dask (overrides file).")),
    ] = None,
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    format_: FormatOpt = "table",
    with_report: ReportOpt = False,
    lang: LangOpt = None,
) -> None:
    """Run a design of experiments (grid, LHS, Sobol); print sensitivity indices with CIs."""
    from accesssim.experiment.sweep import load_experiment
    from accesssim.experiment.sweep import sweep as run_sweep

    _check_format(format_)
    _check_dask(dask_address)
    if executor is not None:
        _check_executor(executor)
    exp = load_experiment(experiment_file)
    n = len(exp.points) * exp.spec.replications
    _err(
        _("{name}: {kind} design, {points} points x {reps} replication(s) = {n} runs").format(
            name=exp.spec.name,
            kind=exp.spec.design.kind,
            points=len(exp.points),
            reps=exp.spec.replications,
            n=n,
        )
    )
    with _stoppable(), _Progress(f"sweep {exp.spec.name}") as bar:
        res = run_sweep(
            exp,
            out,
            resume=resume,
            overwrite=overwrite,
            executor=executor,
            workers=workers,
            dask_address=dask_address,
            progress=bar,
        )
    if not res.complete:
        _err(
            _(
                "interrupted: {done} of {total} runs are on disk in {out}; continue with --resume"
            ).format(done=res.done, total=res.total, out=out)
        )
        raise typer.Exit(_interrupted_code())
    table = res.sensitivity.get("indices")
    if table is None:
        if with_report:
            _write_report(out)
        return
    if format_ == "json":
        typer.echo(
            json.dumps(
                [{k: _json_num(v) for k, v in r.items()} for r in table.to_dict("records")],
                indent=2,
            )
        )
    elif format_ == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        _print_sensitivity(table, exp.spec.design.kind)
    _err(_("{n} runs; results in {out}").format(n=res.total, out=out))
    if with_report:
        _write_report(out)


def _print_sensitivity(table: Any, kind: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from accesssim.wording import metric_label

    console = Console(width=max(100, Console().width))
    for metric, part in table.groupby("metric", sort=False):
        t = Table(
            title=_("Sensitivity of {label} ({kind} design)").format(
                label=metric_label(str(metric)), kind=kind
            ),
            title_justify="left",
        )
        t.add_column(_("factor"))
        if kind == "sobol":
            t.add_column(_("first order S1 [95 % CI]"), justify="right")
            t.add_column(_("total ST [95 % CI]"), justify="right")
            wide = part.pivot(index="factor", columns="measure", values=["value", "low", "high"])
            order = wide[("value", "ST")].sort_values(ascending=False).index
            for f in order:
                cells = []
                for m in ("S1", "ST"):
                    cells.append(
                        f"{wide.loc[f, ('value', m)]:.3f} "
                        f"[{wide.loc[f, ('low', m)]:.3f}, {wide.loc[f, ('high', m)]:.3f}]"
                    )
                t.add_row(str(f), *cells)
        elif kind == "lhs":
            t.add_column("PRCC", justify="right")
            t.add_column(_("95 % CI"), justify="right")
            t.add_column(_("p-value"), justify="right")
            part = part.reindex(part["value"].abs().sort_values(ascending=False).index)
            for r in part.itertuples():
                ci = "-" if r.low != r.low else f"[{r.low:+.3f}, {r.high:+.3f}]"
                t.add_row(r.factor, f"{r.value:+.3f}", ci, f"{r.p_value:.2g}")
        else:
            t.add_column(_("main effect (range of level means)"), justify="right")
            t.add_column(_("lowest / highest level mean"), justify="right")
            part = part.sort_values("value", ascending=False)
            for r in part.itertuples():
                t.add_row(r.factor, f"{r.value:.4g}", f"{r.low:.4g} / {r.high:.4g}")
        console.print(t)


# ---------------------------------------------------------------------------------------------
# optimise, discover
# ---------------------------------------------------------------------------------------------


@app.command(
    help=_("Search the levers for the best mixes within a budget; confirm the Pareto set.")
)
@handles_input_errors
def optimise(
    experiment_file: Annotated[
        Path, typer.Argument(metavar="EXPERIMENT", help=_("Optimisation YAML file."))
    ],
    out: Annotated[Path, typer.Option("--out", help=_("Results directory."))],
    resume: Annotated[
        bool, typer.Option("--resume", help=_("Replay the search; run only what is missing."))
    ] = False,
    overwrite: OverwriteOpt = False,
    executor: Annotated[
        str | None,
        typer.Option("--executor", help=_("serial, processes or dask (overrides file).")),
    ] = None,
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    format_: FormatOpt = "table",
    with_report: ReportOpt = False,
    lang: LangOpt = None,
) -> None:
    """Search the levers for the best mixes within a budget; confirm the Pareto set."""
    from accesssim.experiment.optimise import load_optimise, pareto_payload
    from accesssim.experiment.optimise import optimise as run_optimise

    _check_format(format_)
    _check_out_flags(out, resume, overwrite)
    if executor is not None:
        _check_executor(executor)
    exp = load_optimise(experiment_file)
    s = exp.spec.search
    what = (
        _("every combination of the levers")
        if s.algorithm == "exhaustive"
        else _("{algorithm}, {population} mixes x {generations} generations").format(
            algorithm=s.algorithm, population=s.population, generations=s.generations
        )
    )
    _err(
        _("{name}: {what}, {reps} replication(s) each; then finalists").format(
            name=exp.spec.name, what=what, reps=exp.spec.replications
        )
    )
    with _Progress(f"optimise {exp.spec.name}") as bar:
        res = run_optimise(
            exp,
            out,
            resume=resume,
            overwrite=overwrite,
            executor=executor,
            workers=workers,
            dask_address=dask_address,
            progress=bar,
        )
    if not res.complete:
        _err(
            _("interrupted: {n} runs are on disk in {out}; continue with --resume").format(
                n=res.runs_done, out=out
            )
        )
        raise typer.Exit(130)
    if format_ == "json":
        typer.echo(json.dumps(pareto_payload(res), indent=2, default=str))
    elif format_ == "csv":
        res.mixes.to_csv(sys.stdout, index=False)
    else:
        _print_pareto(res)
    _err(
        _("{mixes} mixes evaluated, {runs} runs ({now} run now); results in {out}").format(
            mixes=len(res.mixes), runs=res.runs_done, now=res.runs_executed, out=out
        )
    )
    if with_report:
        _write_report(out)


def _print_pareto(res: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from accesssim.wording import fmt_ci, fmt_eur, fmt_value, interval, num, number

    spec = res.experiment.spec
    console = Console(width=max(120, Console().width))
    budget = spec.budget
    if budget is None:
        title = _("{name}: confirmed Pareto set ({n} mixes): mean [95 % CI]")
    else:
        per = _("a year") if budget.per == "year" else _("over the horizon")
        if budget.relative_to == "baseline":
            title = _(
                "{name}: confirmed Pareto set ({n} mixes; budget {amount} {per} above the "
                "baseline): mean [95 % CI]"
            )
        else:
            title = _(
                "{name}: confirmed Pareto set ({n} mixes; budget {amount} {per}): mean [95 % CI]"
            )
    title = title.format(
        name=spec.name,
        n=len(res.pareto),
        amount=fmt_eur(budget.amount_eur) if budget is not None else "",
        per=per if budget is not None else "",
    )
    t = Table(title=title, title_justify="left")
    t.add_column(_("mix"))
    t.add_column(_("extra cost (EUR)"), justify="right")
    for o in spec.objectives:
        t.add_column(f"{o.metric} ({o.sense[:3]})", justify="right")
    t.add_column(_("reps"), justify="right")
    rows = res.mixes.set_index("mix")
    for m in res.pareto:
        r = rows.loc[m]
        ci = (
            interval(number(r["extra_cost_low"]), number(r["extra_cost_high"]))
            if r["extra_cost_low"] == r["extra_cost_low"]
            else ""
        )
        cells = [str(r["label"]), f"{number(r['extra_cost_mean'])}\n{ci}".strip()]
        for o in spec.objectives:
            cells.append(
                f"{fmt_value(o.metric, r[o.metric + '_mean'])}\n"
                f"{fmt_ci(o.metric, r[o.metric + '_low'], r[o.metric + '_high'])}"
            )
        cells.append(str(int(r["replications"])))
        t.add_row(*cells)
    console.print(t)
    for m in res.pareto:
        r = rows.loc[m]
        changes = r["changes"] if r["changes"] != "-" else _("as today")
        console.print(f"  {r['label']}: {changes}")
    comps = res.comparisons
    inside = comps[comps["a"].isin(res.pareto) & comps["b"].isin(res.pareto)]
    real = inside[inside["decision"].isin(["a better", "b better"])]
    words = _(
        "Between the mixes of the set: {real} real differences, {ties} ties within the "
        "indifference zone, {undecided} undecided (KN-type paired procedure, overall error "
        "{alpha}); comparisons.parquet lists each. Mean and 95 % CI; extra cost: paired "
        "difference from the baseline in {cost}."
    ).format(
        real=len(real),
        ties=int((inside["decision"] == "tie").sum()),
        undecided=int((inside["decision"] == "undecided").sum()),
        alpha=num(spec.confirm.alpha),
        cost=spec.cost_metric,
    )
    console.print(f"[dim]{words}[/dim]")


@app.command(
    help=_("Scenario discovery: where each mix fails (PRIM), robustness, regret, feature scores.")
)
@handles_input_errors
def discover(
    results_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS_DIR", help=_("A sweep's --out with levers and uncertainties.")
        ),
    ],
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help=_("METRIC>=VALUE or METRIC<=VALUE (repeatable); default: the experiment's."),
        ),
    ] = None,
    format_: FormatOpt = "table",
    with_report: Annotated[
        bool, typer.Option("--report", help=_("Also write RESULTS_DIR/report.html."))
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Scenario discovery: where each mix fails (PRIM), robustness, regret, feature scores."""
    from accesssim.experiment.discover import box_words, parse_threshold, threshold_words
    from accesssim.experiment.discover import discover as run_discover
    from accesssim.wording import fmt_diff, fmt_value, pct

    _check_format(format_)
    ts = [parse_threshold(t) for t in threshold] if threshold else None
    disc = run_discover(results_dir, ts)
    if format_ == "json":
        typer.echo((results_dir / "discovery.json").read_text(encoding="utf-8"), nl=False)
    elif format_ == "csv":
        disc.robustness.to_csv(sys.stdout, index=False)
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console(width=max(110, Console().width))
        crit = _(" and ").join(threshold_words(t) for t in disc.thresholds)
        said = {t.text(): threshold_words(t) for t in disc.thresholds}
        meta = json.loads((results_dir / "experiment.json").read_text(encoding="utf-8"))
        factors = {f.get("name") or f["path"]: f for f in meta.get("factors") or []}
        t = Table(
            title=_("Robustness of each mix ({criteria})").format(criteria=crit),
            title_justify="left",
        )
        columns = (_("mix"), _("threshold"), _("met in"), _("mean"), _("worst"), _("max regret"))
        for i, col in enumerate(columns):
            t.add_column(col, justify="left" if i < 2 else "right")
        rob = disc.robustness
        for r in rob.itertuples():
            if r.metric == "all thresholds":
                t.add_row(r.mix, _("every threshold"), pct(round(r.satisficing, 2)), "", "", "")
                continue
            t.add_row(
                r.mix,
                said.get(r.threshold, r.threshold),
                pct(round(r.satisficing, 2)),
                fmt_value(r.metric, r.mean),
                fmt_value(r.metric, r.worst),
                fmt_diff(r.metric, r.regret_max).lstrip("+"),
            )
        console.print(t)
        for mix in disc.mixes:
            box = disc.summary["mixes"][mix].get("box")
            if not box:
                console.print(_("  {mix}: meets every threshold in every sample").format(mix=mix))
                continue
            if not box["limits"]:
                console.print(
                    _(
                        "  {mix}: fails across the whole uncertainty space ({failures} of "
                        "{cases} samples): no box holds its failures better"
                    ).format(mix=mix, failures=box["failures"], cases=box["cases"])
                )
                continue
            console.print(
                _(
                    "  {mix}: fails mostly when {words} (PRIM box: {coverage} of its {failures} "
                    "failures inside, {density} of the {cases} samples inside fail)"
                ).format(
                    mix=mix,
                    words=box_words(box["limits"], factors),
                    coverage=pct(round(box["coverage"], 2)),
                    failures=box["failures"],
                    density=pct(round(box["density"], 2)),
                    cases=box["cases"],
                )
            )
    _err(
        _("discovery written to {out} (discovery.json, robustness.parquet, prim-*.parquet)").format(
            out=results_dir
        )
    )
    if with_report:
        _write_report(results_dir)


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------


def _check_report(with_report: bool, out: Path | None) -> None:
    if with_report and out is None:
        from accesssim.scenario.errors import Problem

        raise InputError(
            [
                Problem(
                    "--report",
                    None,
                    "--out",
                    _("missing: the report is written to --out DIR/report.html, give --out DIR"),
                )
            ]
        )


def _check_out_flags(out: Path | None, resume: bool, overwrite: bool) -> None:
    from accesssim.scenario.errors import Problem

    flag = "--resume" if resume else "--overwrite" if overwrite else None
    if flag is not None and out is None:
        reason = _("missing: {flag} needs --out DIR").format(flag=flag)
        raise InputError([Problem(flag, None, "--out", reason)])
    if resume and overwrite:
        reason = _("--resume and --overwrite exclude each other")
        raise InputError([Problem("--resume", None, "--overwrite", reason)])


def _write_report(results_dir: Path, out: Path | None = None) -> Path:
    from accesssim.report import report as build_report

    path = build_report(results_dir, out)
    _err(_("report written to {path}").format(path=path))
    return path


@app.command(
    help=_("Write the HTML report of a results directory: figures and tables, readable offline.")
)
@handles_input_errors
def report(
    results_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS_DIR", help=_("A results directory (--out of run, compare or sweep).")
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help=_("HTML file to write (default: RESULTS_DIR/report.html).")),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write the HTML report of a results directory: figures and tables, readable offline."""
    _write_report(results_dir, out)


# ---------------------------------------------------------------------------------------------
# app
# ---------------------------------------------------------------------------------------------


@app.command(
    "app",
    help=_("Start the planner's web app (Streamlit) on http://127.0.0.1:PORT (Ctrl-C stops it)."),
)
def app_command(
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help=_("Port on 127.0.0.1."))
    ] = 8501,
    lang: LangOpt = None,
) -> None:
    """Start the planner's web app (Streamlit) on http://127.0.0.1:PORT (Ctrl-C stops it)."""
    import importlib.util
    import signal
    import subprocess

    if importlib.util.find_spec("streamlit") is None:
        _err(_("accesssim app needs Streamlit: install with pip install 'accesssim[app]'"))
        raise typer.Exit(EXIT_INPUT)
    script = Path(__file__).resolve().parent / "app" / "streamlit_app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",  # no "Deploy" button: the app runs on the planner's own machine
    ]
    _err(
        _("accesssim app: open http://127.0.0.1:{port} in a browser (Ctrl-C to stop)").format(
            port=port
        )
    )
    proc = subprocess.Popen(command)
    # Stopping this command (kill, a service manager) stops the server too.
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # Streamlit got the same Ctrl-C and stops on its own
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            code = proc.wait()
        code = 0 if code in (0, -2, 130) else code
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(128 - code if code < 0 else code)  # killed by signal N: 128 + N


# ---------------------------------------------------------------------------------------------
# calibrate
# ---------------------------------------------------------------------------------------------


@app.command(
    help=_("Run the calibration targets: published French figures vs simulated (mean, 95 % CI).")
)
@handles_input_errors
def calibrate(
    france: Annotated[
        Path, typer.Option("--france", help=_("National-average baseline scenario."))
    ] = Path("scenarios/france-baseline.yaml"),
    lyon: Annotated[
        Path | None, typer.Option("--lyon", help=_("Lyon metropolitan scenario (or none)."))
    ] = Path("scenarios/lyon-metropole.yaml"),
    replications: ReplicationsOpt = 10,
    seed: SeedOpt = 0,
    format_: FormatOpt = "table",
    executor: ExecutorOpt = "processes",
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help=_("Write the table as Markdown to this file."))
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Run the calibration targets: published French figures vs simulated (mean, 95 % CI)."""
    from accesssim.calibration import calibration_markdown, calibration_table
    from accesssim.scenario import load_scenario

    _check_format(format_)
    _check_executor(executor)
    _check_dask(dask_address)
    load_scenario(france)
    if lyon is not None:
        load_scenario(lyon)
    with _stoppable(), _Progress("calibrate") as bar:
        table = calibration_table(
            france,
            lyon,
            replications,
            seed,
            executor=executor,
            workers=workers,
            dask_address=dask_address,
            progress=bar,
        )
    if markdown is not None:
        from accesssim.calibration import write_markdown

        write_markdown(markdown, calibration_markdown(table, replications, seed))
    if format_ == "json":
        typer.echo(
            json.dumps(
                [{k: _json_num(v) for k, v in row.items()} for row in table.to_dict("records")],
                indent=2,
            )
        )
    elif format_ == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        from rich.console import Console
        from rich.table import Table

        from accesssim.calibration import fmt_target as _fmt
        from accesssim.wording import interval

        t = Table(
            title=_("Calibration: {n} replications, seed {seed}").format(n=replications, seed=seed),
            title_justify="left",
        )
        for col in (
            _("target"),
            _("published"),
            _("tolerance"),
            _("simulated"),
            _("95 % CI"),
            _("pass"),
        ):
            t.add_column(col, overflow="fold")
        yes, no = _("yes"), _("no")  # outside the f-strings: the extractor does not see into them
        for r in table.itertuples():
            lo = "-inf" if r.low != r.low or r.low == float("-inf") else _fmt(r.low, r.unit)
            t.add_row(
                f"{_(r.label)} ({r.scenario})",
                _(r.published),
                _("{lo} to {hi}").format(lo=lo, hi=_fmt(r.high, r.unit)),
                _fmt(r.mean, r.unit),
                interval(_fmt(r.ci_low, r.unit), _fmt(r.ci_high, r.unit)),
                f"[green]{yes}[/green]" if r.passed else f"[red]{no}[/red]",
            )
        Console(width=max(120, Console().width)).print(t)
    if not table.passed.all():
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------
# territory
# ---------------------------------------------------------------------------------------------


@app.command(
    help=_("Write a scenario file for any French territory from the packaged commune table.")
)
@handles_input_errors
def territory(
    communes: Annotated[
        list[str] | None,
        typer.Argument(metavar="COMMUNE", help=_("INSEE codes or names of communes.")),
    ] = None,
    departement: Annotated[
        list[str] | None,
        typer.Option("--departement", help=_("A département (code or name); repeatable.")),
    ] = None,
    epci: Annotated[
        list[str] | None,
        typer.Option("--epci", help=_("An EPCI (SIREN code or name); repeatable.")),
    ] = None,
    around: Annotated[
        str | None, typer.Option("--around", help=_("Centre commune of a radius (code or name)."))
    ] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help=_("Radius around --around (km)."))
    ] = None,
    gps: Annotated[
        int | None, typer.Option("--gps", help=_("GP count (default: 78 per 100,000)."))
    ] = None,
    gp_csv: Annotated[
        Path | None,
        typer.Option("--gp-csv", help=_("CSV of GPs by commune (commune[, fte, age, ...]).")),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help=_("Scenario name."))] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=_("File to write (default: stdout)."))
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write a scenario file for any French territory from the packaged commune table.

    Communes: INSEE codes or names, --departement, --epci, --around with --radius-km (the union
    of all given). GPs: --gps N, --gp-csv FILE, or the national density. Today's practice
    (same-day slots, teleconsultation) is scaled to the population; every number's source is
    written in the file's comments."""
    from accesssim.territory.build import Selection, build_territory, command_line, read_back

    sel = Selection(
        communes=tuple(communes or ()),
        departements=tuple(departement or ()),
        epcis=tuple(epci or ()),
        around=around,
        radius_km=radius_km,
    )
    command = command_line(sel, gps=gps, gp_csv=gp_csv, name=name, output=output)
    text, terr = build_territory(sel, gps=gps, gp_csv=gp_csv, name=name, command=command)
    target = output if output is not None and str(output) != "-" else None
    scenario, doc = read_back(text, target or Path(f"{terr.slug}.yaml"))
    if target is None:
        typer.echo(text, nl=False)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    info = scenario.summary()
    from accesssim.wording import fmt_int

    shown = target if target is not None else "stdout"
    _err(
        _(
            "wrote {path}: {name} - {territory}: {population} inhabitants, {communes} "
            "commune(s), {gps} GPs; policies: {policies}"
        ).format(
            path=printable(str(shown)),
            name=printable(info["name"]),
            territory=terr.name,
            population=fmt_int(info["population"]),
            communes=info["communes"],
            gps=info["gps"],
            policies=", ".join(info["policies"]) or _("none"),  # the scenario's field names
        )
    )
    _print_warnings(_warnings(scenario, doc, strict=False)[0])


def _mean_costs(results: list[Any]) -> dict[str, float]:
    import numpy as np

    keys = sorted({k for r in results for k in r.costs})
    return {k: float(np.mean([r.costs.get(k, 0.0) for r in results])) for k in keys}


def main() -> None:
    """Console-script entry point.

    ``kill -USR1 PID`` prints the stack of every thread to stderr (where a long command is).
    After an interruption (exit code 130 or 143), everything has been written and the
    executor's workers stopped: the process ends at once, without the interpreter's exit
    handlers. Those join the manager thread of a process pool stopped with
    ``shutdown(wait=False)`` after its workers were killed, which can hang (cpython issues
    83386 and 132969, fixed after 3.11).
    """
    # (no SIGUSR1 outside POSIX; no usable stderr under some embedders or captures)
    with contextlib.suppress(AttributeError, ValueError, OSError, RuntimeError):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        try:
            app()
        except SystemError as exc:
            # A Ctrl-C that lands while numba loads a compiled function (outside a run too,
            # e.g. while a command starts) is reported as a SystemError caused by it.
            from accesssim.experiment.executors import raise_interrupt_behind

            raise_interrupt_behind(exc)
            raise
    except KeyboardInterrupt as exc:
        _err(_("interrupted"))
        _exit_now(_interrupted_code(exc))
    except SystemExit as exc:
        if exc.code in (EXIT_SIGINT, EXIT_SIGTERM):
            _exit_now(exc.code)
        raise


def _exit_now(code: int) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
