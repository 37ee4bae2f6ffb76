"""``pgfactory token create|list|revoke``: the API keys ``pgfactory serve`` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pgfactory.cli.options import StateDirOption

if TYPE_CHECKING:
    from pgfactory.store import ResourceStore

token_app = typer.Typer(help="API keys for `pgfactory serve`.", no_args_is_help=True)
StoreOption = Annotated[str | None, typer.Option("--store", help="Metadata store URL, as given to `serve`")]


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="What the key is for (unique)")],
    role: Annotated[str, typer.Option("--role", help="reader, operator (also runs and cancels) or contributor "
                                                     "(also changes resources)")] = "reader",
    store: StoreOption = None,
    state: StateDirOption = None,
) -> None:
    """Create an API key; it is printed this once (only its hash is kept)."""
    from pgfactory.service import tokens
    from pgfactory.store import TokenRole

    try:
        chosen = TokenRole(role.lower())
    except ValueError:
        raise typer.BadParameter("use reader, operator or contributor", param_hint="--role") from None
    with _open(store, state) as opened:
        record, key = tokens.issue(opened, name, chosen)
    typer.echo(key)
    typer.echo(f"API key {record.name!r} ({record.role.value}), id {record.id}. Send it as 'Authorization: Bearer <key>'.",
               err=True)


@token_app.command("list")
def list_tokens(store: StoreOption = None, state: StateDirOption = None) -> None:
    """The API keys: id, name, role, when last used, whether revoked (never the keys)."""
    with _open(store, state) as opened:
        for record in opened.tokens.list():
            used = record.last_used_at.isoformat() if record.last_used_at else "never used"
            typer.echo(f"{record.id}  {record.name}  {record.role.value}  {used}{'  REVOKED' if record.revoked else ''}")


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The key's id (from `token list`)")], store: StoreOption = None,
           state: StateDirOption = None) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    with _open(store, state) as opened:
        if not opened.tokens.revoke(token_id):
            typer.echo(f"no API key with id {token_id}", err=True)
            raise typer.Exit(1)
    typer.echo(f"revoked {token_id}")


def _open(store: str | None, state: Path | None) -> ResourceStore:
    from pgfactory.store import ResourceStore

    return ResourceStore(store) if store else ResourceStore.open(state)
