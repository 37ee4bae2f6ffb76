"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FactoryOption = Annotated[
    Path, typer.Option("--factory", "-f", help="Factory folder in ADF's git layout", show_default="current folder")
]

StateDirOption = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Folder of the run history and other state", file_okay=False,
                 show_default="$PGFACTORY_STATE_DIR, else the user state folder (~/.local/state/pgfactory)"),
]


def parse_parameters(pairs: list[str]) -> dict[str, str]:
    """``name=value`` pairs from the command line."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise typer.BadParameter(f"expected name=value, got {pair!r}", param_hint="--parameter")
        parsed[name] = value
    return parsed
