"""``pgfactory demo``: see pgfactory work against a real server in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pgfactory.cli.connection_test import print_report
from pgfactory.demo import run_demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the demo factory folder")]
    = Path("pgfactory-demo"),
) -> None:
    """Start an embedded PostgreSQL, write a factory folder for it, and test the connection."""
    console = Console()
    console.print(f"Starting an embedded PostgreSQL and writing the factory folder {directory}/ ...")
    result = run_demo(directory)
    print_report(result.report, console)
    console.print(f"\nThe definition is in {result.factory_dir / 'linkedService'}; "
                  "'pgfactory validate --factory' checks such folders.")
    raise typer.Exit(0 if result.report.succeeded else 1)
