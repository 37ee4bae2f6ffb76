"""``pgfactory demo``: see pgfactory run a real pipeline against a real server in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pgfactory.cli.connection_test import print_report
from pgfactory.cli.live_view import LiveRunView
from pgfactory.demo import PIPELINE, demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the demo factory folder")]
    = Path("pgfactory-demo"),
) -> None:
    """Start an embedded PostgreSQL, write a factory folder for it, test the connection and run a pipeline."""
    console = Console(highlight=False)
    console.print(f"Starting an embedded PostgreSQL and writing the factory folder {directory}/ ...")
    with demo(directory) as started:
        report = started.test_connection()
        print_report(report, console)
        if not report.succeeded:
            raise typer.Exit(1)
        console.print(f"\nRunning {PIPELINE} ...")
        with LiveRunView(console) as view:
            result = started.run_pipeline(observers=[view])
    record = result.run
    console.print(f"\n{PIPELINE}: [bold]{record.status}[/bold] in {record.duration_in_ms} ms"
                  + (f"\n[red]{record.message}[/red]" if record.message else ""))
    values = result.return_value or {}
    summary = values.get("summary")
    if isinstance(summary, list) and summary:
        console.print(_table(summary))
    if "exportedRows" in values:
        console.print(f"Copied {values['exportedRows']:,} orders to {directory / 'exports' / 'orders' / 'orders.parquet'}")
    console.print(f"\nThe factory is in {directory}/ (pipeline/, dataset/, linkedService/). Its run history:\n"
                  f"  pgfactory runs show {record.run_id} --activities --state-dir {directory / '.pgfactory'}")
    raise typer.Exit(0 if result.succeeded else 1)


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="demo.region_summary (the pipeline's return value)")
    for column in rows[0]:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    return table
