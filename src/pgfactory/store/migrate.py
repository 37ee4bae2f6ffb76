"""Bringing a store's schema to the newest revision with Alembic, safely when several processes start at once.

The revisions live in ``migrations/versions/`` inside the package; :func:`alembic_config` builds
Alembic's configuration in code, so nothing needs an alembic.ini at run time. The whole upgrade
is one transaction (both SQLite and PostgreSQL have transactional DDL); on PostgreSQL it first
takes an advisory lock, on SQLite the database's write lock, so service processes that start
together on one store upgrade it one after the other and the later ones find nothing left to do.

A new revision, after changing :mod:`pgfactory.store.schema`: with a connection to a store at
head, ``alembic.command.revision(alembic_config(connection), message="...", autogenerate=True)``,
then read and edit the generated file under ``migrations/versions/``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url, text

from pgfactory.store.engines import create_store_engine

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock's key for "the store's schema is being changed": any fixed 64-bit number
# that nothing else in the database uses ("pgfmigr" in ASCII).
MIGRATION_LOCK_KEY = 0x7067666D69677200

_upgraded: set[str] = set()
_upgrading = threading.Lock()


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for the store's migrations, run on ``connection`` (see ``migrations/env.py``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_store(url: str | URL) -> None:
    """Bring the store at ``url`` to the newest revision, creating it when empty; a store at head is left as it is."""
    engine = create_store_engine(make_url(url), migrating=True)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Released with the transaction: when the upgrade commits, or when this process dies.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()


def upgrade_once(url: URL) -> None:
    """:func:`upgrade_store` on the first store opened on ``url`` in this process; later ones trust it."""
    key = url.render_as_string(hide_password=False)
    with _upgrading:
        if key not in _upgraded:
            upgrade_store(url)
            _upgraded.add(key)
