"""``pgfactory validate``: parse and cross-check every resource of a factory folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from pgfactory.cli.options import FactoryOption
from pgfactory.engine.validation import validate_factory_folder
from pgfactory.errors import DefinitionError
from pgfactory.models.problems import Problem


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    factory: FactoryOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as one JSON object.")] = False,
) -> None:
    """Check every resource of a factory folder; exit 1 when any has an error (warnings alone pass)."""
    try:
        loaded, problems = validate_factory_folder(factory)
    except DefinitionError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    resources = sum(len(by_name) for by_name in loaded.resources.values())
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    if as_json:
        # Machine output stays plain JSON: no colours, no wrapping.
        typer.echo(json.dumps({
            "factory": str(factory),
            "resources": resources,
            "errors": errors,
            "warnings": warnings,
            "problems": [problem.to_dict() for problem in problems],
        }, indent=2))
    else:
        _print_report(problems, resources, errors, warnings)
    if errors:
        raise typer.Exit(1)


def _print_report(problems: list[Problem], resources: int, errors: int, warnings: int) -> None:
    # soft_wrap keeps one problem per line, so the output can be grepped; Text avoids rich markup
    # eating '[...]' in messages.
    console = Console(highlight=False, soft_wrap=True)
    for problem in problems:
        console.print(Text(str(problem), style="red" if problem.severity == "error" else "yellow"))
    summary = f"{_count(resources, 'resource')}, {_count(errors, 'error')}, {_count(warnings, 'warning')}"
    console.print(Text(summary, style="bold red" if errors else "bold green"))
    if not resources:
        Console(stderr=True, highlight=False, soft_wrap=True).print(Text(
            "no resources found: is this the factory's root folder (the one holding linkedService/, dataset/, ...)?",
            style="yellow"))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
