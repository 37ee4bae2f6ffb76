"""The connection pool against a real server: reuse, reset, broken connections, limits, threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from pgfactory.connectors.postgres.pool import ConnectionPool, close_pools
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.errors import ConnectionStageError
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer

ROLE = "pool_user"
PASSWORD = "pool-password-1"


@pytest.fixture(scope="module")
def settings(pg_tls: RunningServer) -> PostgresConnectionSettings:
    pg_tls.create_role(ROLE, PASSWORD)
    return resolve_connection_settings(basic_auth("localhost", pg_tls.port, ROLE, PASSWORD, ssl_mode=3,
                                                  schema="pg_catalog"))


@pytest.fixture
def pool() -> Iterator[ConnectionPool]:
    created = ConnectionPool()
    yield created
    created.close()


def backend_pid(connection: psycopg.Connection[Any]) -> int:
    row = connection.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_a_returned_connection_is_reused(pool: ConnectionPool, settings: PostgresConnectionSettings) -> None:
    with pool.connection(settings) as first:
        pid = backend_pid(first)
        assert first.autocommit
    assert pool.idle_count(settings) == 1
    with pool.connection(settings) as second:
        assert backend_pid(second) == pid
    assert pool.idle_count() == 1


def test_session_state_is_reset_to_the_linked_service_settings(pool: ConnectionPool,
                                                               settings: PostgresConnectionSettings) -> None:
    with pool.connection(settings) as connection:
        connection.execute("SET search_path = public; CREATE TEMP TABLE scratch (id int)")
        connection.execute("SET statement_timeout = 1234")
    with pool.connection(settings) as connection:
        assert connection.execute("SHOW search_path").fetchone() == ("pg_catalog",)  # the linked service's schema
        assert connection.execute("SELECT to_regclass('scratch') IS NULL").fetchone() == (True,)
        assert connection.execute("SHOW statement_timeout").fetchone() == ("30s",)  # commandTimeout's default


def test_an_open_transaction_is_rolled_back(pool: ConnectionPool, settings: PostgresConnectionSettings,
                                            pg_tls: RunningServer) -> None:
    pg_tls.execute("DROP TABLE IF EXISTS pool_tx; CREATE TABLE pool_tx (id int); GRANT ALL ON pool_tx TO pool_user")
    with pool.connection(settings) as connection:
        connection.execute("BEGIN; INSERT INTO public.pool_tx VALUES (1)")
    with pool.connection(settings) as connection:
        assert connection.execute("SELECT count(*) FROM public.pool_tx").fetchone() == (0,)
    assert pool.idle_count(settings) == 1


def test_a_failed_transaction_is_rolled_back_too(pool: ConnectionPool, settings: PostgresConnectionSettings) -> None:
    with pool.connection(settings) as connection:
        connection.execute("BEGIN")
        with pytest.raises(psycopg.errors.DivisionByZero):
            connection.execute("SELECT 1/0")
        assert connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
    with pool.connection(settings) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_closed_by_the_server_is_replaced(pool: ConnectionPool, settings: PostgresConnectionSettings,
                                                       pg_tls: RunningServer) -> None:
    with pool.connection(settings) as connection:
        pid = backend_pid(connection)
    pg_tls.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.05)
    with pool.connection(settings) as connection:
        assert backend_pid(connection) != pid


def test_a_connection_closed_by_its_user_is_dropped(pool: ConnectionPool, settings: PostgresConnectionSettings) -> None:
    with pool.connection(settings) as connection:
        connection.close()
    assert pool.idle_count(settings) == 0


def test_without_pooling_every_connection_is_new_and_closed(pool: ConnectionPool,
                                                            settings: PostgresConnectionSettings) -> None:
    unpooled = replace(settings, pooling=False)
    with pool.connection(unpooled) as first:
        pid = backend_pid(first)
    assert first.closed
    with pool.connection(unpooled) as second:
        assert backend_pid(second) != pid
    assert pool.idle_count() == 0


def test_different_settings_do_not_share_connections(pool: ConnectionPool, settings: PostgresConnectionSettings) -> None:
    with pool.connection(settings) as first:
        pid = backend_pid(first)
    with pool.connection(replace(settings, timezone="UTC")) as other:
        assert backend_pid(other) != pid


def test_idle_connections_are_capped(settings: PostgresConnectionSettings) -> None:
    pool = ConnectionPool(max_idle=2)
    try:
        connections = [pool.acquire(settings) for _ in range(4)]
        for connection in connections:
            pool.release(settings, connection)
        assert pool.idle_count(settings) == 2
        assert sum(connection.closed for connection in connections) == 2
    finally:
        pool.close()


def test_idle_connections_are_closed_after_their_lifetime(settings: PostgresConnectionSettings) -> None:
    pool = ConnectionPool(idle_lifetime=0.2, prune_interval=0.05)
    try:
        with pool.connection(settings) as connection:
            pass
        deadline = time.monotonic() + 5
        while pool.idle_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.idle_count() == 0
        assert connection.closed
    finally:
        pool.close()


def test_concurrent_users_each_get_their_own_connection(pool: ConnectionPool,
                                                        settings: PostgresConnectionSettings) -> None:
    pids: list[int] = []
    barrier = threading.Barrier(20)

    def work() -> None:
        with pool.connection(settings) as connection:
            barrier.wait(timeout=10)
            pids.append(backend_pid(connection))

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(pids)) == 20
    assert pool.idle_count(settings) == 20


def test_a_wrong_password_fails_at_once_with_the_stage(pool: ConnectionPool, settings: PostgresConnectionSettings,
                                                       pg_tls: RunningServer) -> None:
    wrong = resolve_connection_settings(basic_auth("localhost", pg_tls.port, ROLE, "not-the-password", ssl_mode=3))
    with pytest.raises(ConnectionStageError) as caught:
        pool.acquire(wrong)
    assert caught.value.stage == "authentication"


def test_configure_runs_once_per_new_connection(settings: PostgresConnectionSettings) -> None:
    configured: list[int] = []
    pool = ConnectionPool(configure=lambda connection: configured.append(backend_pid(connection)))
    try:
        for _ in range(3):
            with pool.connection(settings):
                pass
        assert len(configured) == 1
    finally:
        pool.close()


def test_close_pools_closes_idle_connections_and_pools_keep_working(settings: PostgresConnectionSettings) -> None:
    pool = ConnectionPool()
    with pool.connection(settings) as connection:
        pass
    close_pools()
    assert connection.closed
    assert pool.idle_count() == 0
    with pool.connection(settings) as again:
        assert backend_pid(again) > 0
    pool.close()


def test_statements_run_many_times_on_a_reused_connection_keep_working(pool: ConnectionPool,
                                                                      settings: PostgresConnectionSettings) -> None:
    """psycopg would prepare a statement run often; DISCARD ALL on release must not leave it believing so."""
    for _ in range(12):
        with pool.connection(settings) as connection:
            assert connection.execute("SELECT 1 + %s", [1]).fetchone() == (2,)
