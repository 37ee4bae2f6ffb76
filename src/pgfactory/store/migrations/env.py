"""Alembic's environment for the metadata store: migrations run on the connection that
:func:`pgfactory.store.migrate.upgrade_store` opened, inside its transaction (and, on PostgreSQL,
under its advisory lock). No alembic.ini: :func:`pgfactory.store.migrate.alembic_config` builds
the configuration in code.
"""

from __future__ import annotations

from alembic import context

from pgfactory.store.schema import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    # SQLite alters a table by copying it: later revisions' alter_column and friends go through batch mode there.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
