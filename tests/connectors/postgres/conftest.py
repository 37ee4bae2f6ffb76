"""Fixtures for the Arrow read/write tests: superuser settings and a schema dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer


@pytest.fixture
def pg_settings(pg_plain: RunningServer) -> PostgresConnectionSettings:
    linked_service = basic_auth(pg_plain.host, pg_plain.port, "postgres", pg_plain.server.superuser_password, ssl_mode=0)
    return resolve_connection_settings(linked_service)


@pytest.fixture
def scratch_schema(pg_plain: RunningServer) -> Iterator[str]:
    """A fresh schema for the test's tables and types."""
    name = f"arrow_{secrets.token_hex(4)}"
    pg_plain.execute(f'CREATE SCHEMA "{name}"')
    yield name
    pg_plain.execute(f'DROP SCHEMA "{name}" CASCADE')
