"""Databases for the store's tests: an empty SQLite file per test, or one PostgreSQL database emptied per test.

The PostgreSQL database lives for the session: a store upgrades a database once per process and
then trusts it, so a database dropped and created again under the same URL would not be upgraded.
Tests that watch migrations themselves make databases of their own with ``databases.new_database``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL

from pgfactory.store import ResourceStore
from tests.fixtures.postgres import RunningServer
from tests.store.databases import StepClock, empty_every_table, new_database


@pytest.fixture(scope="session")
def postgres_url(pg_plain: RunningServer) -> URL:
    return new_database(pg_plain, "run_store")


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture(params=["sqlite", "postgresql"])
def resource_store(request: pytest.FixtureRequest, tmp_path: Path, clock: StepClock) -> Iterator[ResourceStore]:
    """The same behaviour is asked of the default SQLite store and of a shared PostgreSQL store."""
    if request.param == "sqlite":
        opened = ResourceStore.open(tmp_path, clock=clock)
    else:
        opened = ResourceStore(request.getfixturevalue("postgres_url"), clock=clock)
        empty_every_table(opened.database)
    with opened:
        yield opened
