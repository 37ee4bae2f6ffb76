"""What the Copy tests share: ``tables``, which leaves no ``source`` or ``target`` table behind from an earlier test."""

from __future__ import annotations

import pytest

from tests.activities.conftest import ROLE
from tests.fixtures.postgres import RunningServer


@pytest.fixture
def tables(server: RunningServer) -> RunningServer:
    for table in ("source", "target"):
        server.execute(f"DROP TABLE IF EXISTS {ROLE}.{table}")
    return server
