"""Entry point: one Typer app; each command lives in its own module and registers itself."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pgfactory",
    help="Run Azure Data Factory definitions against PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Run Azure Data Factory definitions against PostgreSQL."""


def _register_commands() -> None:
    from pgfactory.cli import connection_test, demo, eval_command, run, runs, serve, token, upgrade, validate

    connection_test.register(app)
    demo.register(app)
    validate.register(app)
    upgrade.register(app)
    runs.register(app)
    run.register(app)
    eval_command.register(app)
    serve.register(app)
    token.register(app)


def main() -> None:
    _register_commands()
    app()
