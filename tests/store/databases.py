"""Databases and a clock for the store's tests (fixtures in conftest.py use them, and so do tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from psycopg import sql
from sqlalchemy import URL

from pgfactory.store.database import StoreDatabase
from pgfactory.store.schema import metadata
from tests.fixtures.postgres import RunningServer
from tests.store.samples import T0


def new_database(server: RunningServer, name: str) -> URL:
    """An empty database ``name`` owned by a role of that name (both made anew)."""
    server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    password = server.create_role(name, f"{name}-password")
    server.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
    return URL.create("postgresql+psycopg", username=name, password=password, host="127.0.0.1", port=server.port,
                      database=name)


def empty_every_table(database: StoreDatabase) -> None:
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with database.write() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY")


class StepClock:
    """A clock for the store that moves only when told: times in tests are exact and need no sleeping."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
