"""``pgfactory eval``: evaluate one ADF expression, print its value as JSON.

For unit-testing expressions outside a pipeline run: the context (parameters, variables,
activity outputs, item, system values) comes from a JSON file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pgfactory.errors import ExpressionError, PgFactoryError
from pgfactory.expressions import evaluate_expression

_CONTEXT_HELP = (
    "JSON file (or - for standard input) with any of: parameters, globalParameters, variables, "
    "activities ({name: {output, status, error}}), item, system ({RunId, TriggerTime, ...}; also "
    "accepted at the top level), linkedService, dataset."
)


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)


def evaluate(
    expression: Annotated[str, typer.Argument(
        help="A property value as written in ADF JSON: '@add(1, 2)', 'Hi @{pipeline().parameters.name}', '@@text'.",
        show_default=False)],
    context: Annotated[Path | None, typer.Option("--context", "-c", help=_CONTEXT_HELP, show_default=False)] = None,
) -> None:
    """Evaluate an expression and print its value as JSON; an error exits 1 and shows where it is."""
    try:
        value = evaluate_expression(expression, _read_context(context) if context else None)
    except ExpressionError as error:
        typer.echo(f"error: {error.message}", err=True)
        if error.position is not None and error.expression is not None:
            typer.echo(_pointer(error.expression, error.position), err=True)
        raise typer.Exit(1) from None
    except PgFactoryError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    if "@" not in expression:
        typer.echo("note: the text has no '@', so it is a literal string; expressions start with '@'", err=True)
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _read_context(path: Path) -> Any:
    where = "standard input" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as error:
        raise PgFactoryError(f"cannot read the context file {where}: {error.strerror}") from None
    except ValueError as error:
        raise PgFactoryError(f"the context in {where} is not valid JSON: {error}") from None


def _pointer(text: str, position: int) -> str:
    """The line of ``text`` holding ``position``, with a caret under it."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)]
    return f"  {line}\n  {' ' * (position - start)}^"
