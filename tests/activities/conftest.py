"""A role with its own schema on the TLS server, and factories whose linked service logs in as it."""

from __future__ import annotations

import pytest

from tests.fixtures.postgres import RunningServer

ROLE = "activity_user"
PASSWORD = "activity-password-1"


@pytest.fixture(scope="session")
def server(pg_tls: RunningServer) -> RunningServer:
    """``pg_tls`` with ``ROLE``, whose tables land in its own schema (made once: pooled sessions outlive tests)."""
    pg_tls.execute(f"DROP SCHEMA IF EXISTS {ROLE} CASCADE")
    pg_tls.create_role(ROLE, PASSWORD)
    pg_tls.execute(f"CREATE SCHEMA {ROLE} AUTHORIZATION {ROLE}")
    return pg_tls
