"""``pgfactory test-connection``: the staged connection report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pgfactory.cli.options import FactoryOption, parse_parameters
from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, StageStatus, test_linked_service

_MARKS = {StageStatus.PASSED: ("pass", "green"), StageStatus.FAILED: ("FAIL", "bold red"),
          StageStatus.SKIPPED: ("skip", "dim")}


def register(app: typer.Typer) -> None:
    app.command("test-connection")(test_connection_command)


def test_connection_command(
    name: Annotated[str | None, typer.Argument(help="Linked service name in linkedService/")] = None,
    factory: FactoryOption = Path("."),
    definition: Annotated[Path | None, typer.Option("--definition", help="Test an unsaved linked service JSON file")]
    = None,
    parameter: Annotated[list[str] | None, typer.Option("--parameter", "-p", help="Linked service parameter name=value")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Connect stage by stage (resolve, DNS, TCP, TLS, token, authentication, database, permissions)."""
    report = test_linked_service(name, factory_dir=factory, definition=definition,
                                 parameters=parse_parameters(parameter or []))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print_report(report, Console())
    raise typer.Exit(0 if report.succeeded else 1)


def print_report(report: ConnectionTestReport, console: Console) -> None:
    table = Table(title=f"Test connection: {report.linked_service}", title_justify="left")
    table.add_column("stage")
    table.add_column("result")
    table.add_column("time", justify="right")
    table.add_column("details")
    for stage in report.stages:
        mark, style = _MARKS[stage.status]
        details = ", ".join(f"{key}={value}" for key, value in stage.details.items() if value not in (None, [], ""))
        if stage.message and stage.status is not StageStatus.FAILED:
            details = f"{details}; {stage.message}" if details else stage.message
        elapsed = f"{stage.elapsed_ms:.0f} ms" if stage.status is not StageStatus.SKIPPED else ""
        table.add_row(stage.name, Text(mark, style=style), elapsed, details)
    console.print(table)
    failed = report.failed_stage
    if failed is None:
        console.print(Text("Connection successful.", style="green"))
        return
    console.print(Text(f"Failed at {failed.name}: {failed.message}", style="bold red"))
    if failed.hint:
        console.print(f"How to fix: {failed.hint}")
    code = failed.error_code + (f" (SQLSTATE {failed.sqlstate})" if failed.sqlstate else "") if failed.error_code else ""
    if code:
        console.print(Text(f"Error code: {code}", style="dim"))
