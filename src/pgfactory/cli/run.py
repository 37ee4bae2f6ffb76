"""``pgfactory run``: run one pipeline of a factory folder, with a live view of its activities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from pgfactory.cli.live_view import LiveRunView
from pgfactory.cli.options import FactoryOption, StateDirOption, parse_parameters
from pgfactory.engine import Engine, RunObserver, RunResult
from pgfactory.engine.validation import validate_factory_folder
from pgfactory.errors import PgFactoryError
from pgfactory.models.factory import Factory
from pgfactory.store.run_store import RunStore


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    pipeline: Annotated[str, typer.Argument(help="Name of the pipeline to run")],
    factory: FactoryOption = Path("."),
    parameter: Annotated[list[str] | None, typer.Option("--parameter", "-p", help="name=value (repeatable)")] = None,
    state_dir: StateDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run and its activity runs as JSON.")] = False,
) -> None:
    """Run a pipeline; exit 0 only when it Succeeded."""
    console = Console(highlight=False, soft_wrap=True)
    try:
        loaded, problems = validate_factory_folder(factory)
        errors = [problem for problem in problems if problem.severity == "error"]
        if errors:
            for problem in errors:
                Console(stderr=True, highlight=False, soft_wrap=True).print(Text(str(problem), style="red"))
            typer.echo(f"error: the factory has {len(errors)} error(s); nothing was run (see 'pgfactory validate')", err=True)
            raise typer.Exit(2)
        with RunStore.open(state_dir) as store:
            result = _run(loaded, store, pipeline, parse_parameters(parameter or []), console, live=not as_json)
            if as_json:
                typer.echo(json.dumps({
                    "run": result.run.to_adf(),
                    "returnValue": result.return_value,
                    "activityRuns": [record.to_adf() for record in store.activity_runs(result.run.run_id)],
                }, indent=2, default=str))
    except PgFactoryError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    if not as_json:
        _print_summary(console, result)
    if not result.succeeded:
        raise typer.Exit(1)


def _run(factory: Factory, store: RunStore, pipeline: str, parameters: dict[str, str], console: Console,
         *, live: bool) -> RunResult:
    observers: list[RunObserver] = []
    view = LiveRunView(console) if live else None
    if view is not None:
        observers.append(view)
    with Engine(factory, store=store, observers=observers) as engine:
        if view is None:
            return engine.run(pipeline, parameters, parameters_from_text=True)
        with view:
            return engine.run(pipeline, parameters, parameters_from_text=True)


def _print_summary(console: Console, result: RunResult) -> None:
    record = result.run
    style = "bold green" if result.succeeded else "bold red"
    console.print(Text(f"{record.pipeline_name}: {record.status} in {record.duration_in_ms} ms (run {record.run_id})",
                       style=style))
    if record.message:
        console.print(Text(record.message, style="red"))
    if result.return_value is not None:
        console.print(Text("return value: " + json.dumps(result.return_value, default=str)))
