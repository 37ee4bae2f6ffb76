"""``pgfactory upgrade-linked-service``: turn a 1.0 AzurePostgreSql linked service file into 2.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from pgfactory.connectors.postgres.upgrade import upgrade_linked_service_file
from pgfactory.errors import DefinitionError
from pgfactory.models.factory import dump_resource
from pgfactory.secrets import mask


def register(app: typer.Typer) -> None:
    app.command("upgrade-linked-service")(upgrade_linked_service)


def upgrade_linked_service(
    file: Annotated[Path, typer.Argument(help="The 1.0 linked service JSON file (linkedService/<name>.json).")],
    write: Annotated[bool, typer.Option("--write", help="Rewrite FILE in place with the 2.0 definition.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the 2.0 definition to this file instead.")
    ] = None,
) -> None:
    """Print the 2.0 form of a 1.0 AzurePostgreSql linked service (secrets masked); notes go to stderr."""
    if write and output is not None:
        raise typer.BadParameter("give --write or --output, not both", param_hint="--output")
    notes_console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        result = upgrade_linked_service_file(file)
    except DefinitionError as error:
        notes_console.print(Text(f"error: {error.message}", style="red"))
        raise typer.Exit(1) from None
    for note in result.notes:
        notes_console.print(Text(f"note: {note}", style="yellow"))
    target = file if write else output
    if target is None:
        # What reaches the terminal (and logs, and CI output) never holds a secret.
        typer.echo(json.dumps(mask(result.linked_service.to_json()), indent=4, ensure_ascii=False))
        return
    # A file keeps the real secret: it is the user's own definition, as ADF's git integration writes it.
    target.write_text(dump_resource(result.linked_service), encoding="utf-8")
    notes_console.print(Text(f"wrote {target}", style="green"))
