from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pgfactory.connectors.postgres.pool import close_pools
from pgfactory.store.run_store import RunStore
from tests.engine.pipelines import PASSWORD, ROLE
from tests.fixtures.postgres import RunningServer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore.open(tmp_path) as opened:
        yield opened


@pytest.fixture(scope="module")
def server(pg_plain: RunningServer) -> Iterator[RunningServer]:
    """``pg_plain`` with a role of its own for the engine's Script activities."""
    pg_plain.execute(f"DROP SCHEMA IF EXISTS {ROLE} CASCADE")
    pg_plain.create_role(ROLE, PASSWORD)
    pg_plain.execute(f"CREATE SCHEMA {ROLE} AUTHORIZATION {ROLE}")
    yield pg_plain
    close_pools()
