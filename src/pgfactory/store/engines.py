"""SQLAlchemy engines for the metadata store: SQLite tuned for many small writes, PostgreSQL as it comes.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a commit does not wait for the disk; a power
cut may lose the last commits, never corrupt the file) and with foreign keys enforced (SQLite
leaves them off unless asked, and deletes cascade through them).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection, Engine

# Seconds another process's write may hold SQLite's lock before a write here gives up.
_SQLITE_BUSY_TIMEOUT = 30
_BACKENDS = ("sqlite", "postgresql")


def backend_of(url: URL) -> str:
    """``sqlite`` or ``postgresql``; any other database is refused before anything connects, and so is an
    in-memory SQLite database (each connection would have its own, and the migrated one would be gone)."""
    backend = url.get_backend_name()
    if backend not in _BACKENDS:
        raise ValueError(f"the run store needs SQLite or PostgreSQL, not {backend!r}")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("the run store needs a SQLite file, not an in-memory database")
    return backend


def create_store_engine(url: URL, *, migrating: bool = False) -> Engine:
    """The engine a store works through; ``migrating`` gives the short-lived one :func:`upgrade_store` uses."""
    pool: dict[str, Any] = {"poolclass": NullPool} if migrating else {}
    if backend_of(url) == "postgresql":
        return create_engine(url, json_serializer=_compact_json, **pool)
    engine = create_engine(url, json_serializer=_compact_json, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT}, **pool)
    event.listen(engine, "connect", _tune_sqlite_connection)
    if migrating:
        # pysqlite opens a transaction only before INSERT/UPDATE/DELETE, so DDL would run outside any.
        # An upgrade takes SQLite's write lock with its first statement instead: processes that
        # upgrade one file at once take turns, and the second finds the first one's work done.
        event.listen(engine, "connect", _leave_transactions_to_sqlalchemy)
        event.listen(engine, "begin", _begin_immediate)
    return engine


_compact_json = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def _tune_sqlite_connection(dbapi_connection: Any, _connection_record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so). Switching answers "database is locked" at once, without
    SQLite's busy wait, while another connection writes (processes opening a new store together),
    so the switch is tried again until the busy timeout; a file in WAL mode already needs no switch."""
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _leave_transactions_to_sqlalchemy(dbapi_connection: Any, _connection_record: object) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
