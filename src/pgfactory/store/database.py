"""One database behind every part of the store: an engine, the schema at head, and writers that take turns.

Every store object of one process on one database (run history, factories, resources, tokens,
queue) shares a :class:`StoreDatabase`, so that a write spanning two of them (a run request and
its Queued pipeline run) is one transaction. SQLite takes one writer at a time; writers of this
process queue on a lock instead of on SQLite's busy-wait, which sleeps in steps of milliseconds.
Other processes read alongside, as WAL allows.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from sqlalchemy import URL, make_url
from sqlalchemy.dialects import postgresql, sqlite

from pgfactory.store.engines import backend_of, create_store_engine
from pgfactory.store.migrate import upgrade_once
from pgfactory.store.state import state_dir as resolve_state_dir

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy import Connection, Table

DATABASE_FILE = "runs.db"


class StoreDatabase:
    """The engine of one store, its schema brought to head the first time this process opens it; thread-safe."""

    def __init__(self, url: str | URL) -> None:
        parsed = make_url(url)
        self.backend = backend_of(parsed)
        upgrade_once(parsed)
        self.engine = create_store_engine(parsed)
        self._write_lock: contextlib.AbstractContextManager[object] = (
            threading.Lock() if self.backend == "sqlite" else contextlib.nullcontext())

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a transaction that commits when the block ends (rolls back on an exception)."""
        with self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """An INSERT that can say ``ON CONFLICT``: both backends spell it alike, each dialect builds its own."""
        return sqlite.insert(table) if self.backend == "sqlite" else postgresql.insert(table)

    def close(self) -> None:
        self.engine.dispose()


def state_database_url(state_dir: Path | None = None) -> URL:
    """The SQLite store ``runs.db`` in the state folder (see :func:`pgfactory.store.state.state_dir`)."""
    database = resolve_state_dir(state_dir) / DATABASE_FILE
    # Inputs, outputs and resources may hold business data: the file is the owner's alone, and
    # SQLite gives its -wal and -shm files the same permissions.
    database.touch(mode=0o600, exist_ok=True)
    return URL.create("sqlite+pysqlite", database=str(database))
