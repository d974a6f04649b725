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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
