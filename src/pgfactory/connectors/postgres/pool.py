"""Reused connections for execution activities, one idle stack per resolved connection settings.

A TLS handshake and a SCRAM exchange cost several milliseconds, more than the engine's whole
budget for an activity run, so connections are kept and reused when the linked service's
``pooling`` is true (the default, as in Npgsql). The settings are the key: two linked services
that resolve to the same server, role, options and secret share connections; a rotated password
makes a new key and the old connections age out. Entra tokens are only needed to connect.

Why not psycopg_pool: its pools open connections in background workers, so a wrong password
becomes a ``PoolTimeout`` after the wait instead of the staged connection error at once; and
it is one pool object (with its own threads) per connection string, where a factory has as many
keys as linked services and parameter values. What is needed here is small: a lock, a stack of
idle connections per key, a reset on return, and one thread that closes idle ones.

On return a connection is rolled back if a script left a transaction open and reset with
``DISCARD ALL`` (session settings, temporary tables, prepared statements, advisory locks,
LISTEN), as Npgsql does; a broken or busy one is closed. ``DISCARD ALL`` restores settings to
the values given at connection start, so linked service options (search_path, TimeZone) hold.
"""

from __future__ import annotations

import atexit
import select
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import ConnStatus, TransactionStatus

from pgfactory.connectors.postgres.connection import connect
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings

DEFAULT_MAX_IDLE = 50  # per key: one ForEach at ADF's largest batchCount finds all its connections again
DEFAULT_IDLE_LIFETIME = 300.0  # seconds, Npgsql's "Connection Idle Lifetime"
DEFAULT_PRUNE_INTERVAL = 10.0  # seconds, Npgsql's "Connection Pruning Interval"

Connection = psycopg.Connection[Any]


@dataclass
class _Idle:
    connection: Connection
    since: float


class ConnectionPool:
    """Autocommit connections per :class:`PostgresConnectionSettings`; thread-safe.

    ``configure`` runs once on every new connection (e.g. to install loaders). Take connections
    with :meth:`connection` (a context manager) or :meth:`acquire` and :meth:`release`; close a
    connection before releasing it to have it dropped instead of reused (after a cancel, say).
    """

    def __init__(
        self,
        *,
        configure: Callable[[Connection], None] | None = None,
        max_idle: int = DEFAULT_MAX_IDLE,
        idle_lifetime: float = DEFAULT_IDLE_LIFETIME,
        prune_interval: float = DEFAULT_PRUNE_INTERVAL,
    ) -> None:
        self._configure = configure
        self._max_idle = max_idle
        self._idle_lifetime = idle_lifetime
        self._prune_interval = prune_interval
        self._lock = threading.Lock()
        self._idle: dict[PostgresConnectionSettings, list[_Idle]] = {}
        self._stop_pruner: threading.Event | None = None
        _POOLS.add(self)

    @contextmanager
    def connection(self, settings: PostgresConnectionSettings) -> Iterator[Connection]:
        """A connection for ``settings`` for the duration of the block."""
        connection = self.acquire(settings)
        try:
            yield connection
        finally:
            self.release(settings, connection)

    def acquire(self, settings: PostgresConnectionSettings) -> Connection:
        """An idle connection for ``settings`` when pooling and one is there, else a new one.

        Connection failures raise :class:`~pgfactory.errors.ConnectionStageError` at once.
        """
        if settings.pooling:
            idle = self._take_idle(settings)
            if idle is not None:
                return idle
        return self._connect(settings)

    def release(self, settings: PostgresConnectionSettings, connection: Connection) -> None:
        """Give back a connection from :meth:`acquire`; closed ones (and all when not pooling) are dropped."""
        if not settings.pooling:
            connection.close()
            return
        if not _reset(connection):
            connection.close()
            return
        with self._lock:
            stack = self._idle.setdefault(settings, [])
            keep = len(stack) < self._max_idle
            if keep:
                stack.append(_Idle(connection, time.monotonic()))
                self._start_pruner()
        if not keep:
            connection.close()

    def idle_count(self, settings: PostgresConnectionSettings | None = None) -> int:
        with self._lock:
            if settings is not None:
                return len(self._idle.get(settings, ()))
            return sum(len(stack) for stack in self._idle.values())

    def close(self) -> None:
        """Close every idle connection now; the pool stays usable and connects again when asked."""
        with self._lock:
            idle, self._idle = self._idle, {}
            if self._stop_pruner is not None:
                self._stop_pruner.set()
                self._stop_pruner = None
        for stack in idle.values():
            for entry in stack:
                entry.connection.close()

    def _connect(self, settings: PostgresConnectionSettings) -> Connection:
        connection = connect(settings, autocommit=True)
        # No automatic server-side prepared statements: DISCARD ALL on release deletes them on the
        # server, and psycopg's client-side list of them would no longer match.
        connection.prepare_threshold = None
        if self._configure is not None:
            try:
                self._configure(connection)
            except BaseException:
                connection.close()
                raise
        return connection

    def _take_idle(self, settings: PostgresConnectionSettings) -> Connection | None:
        # Most recently used first: it is the warmest, and the least used ones age out.
        while True:
            with self._lock:
                stack = self._idle.get(settings)
                if not stack:
                    return None
                entry = stack.pop()
            if time.monotonic() - entry.since <= self._idle_lifetime and _still_usable(entry.connection):
                return entry.connection
            entry.connection.close()

    def _start_pruner(self) -> None:
        """Called with the lock held: one thread closes expired idle connections while there are any."""
        if self._stop_pruner is None:
            self._stop_pruner = threading.Event()
            threading.Thread(target=self._prune_loop, args=(self._stop_pruner,), name="pgfactory-pool-pruner",
                             daemon=True).start()

    def _prune_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self._prune_interval):
            expired: list[Connection] = []
            deadline = time.monotonic() - self._idle_lifetime
            with self._lock:
                for settings, stack in list(self._idle.items()):
                    expired.extend(entry.connection for entry in stack if entry.since < deadline)
                    stack[:] = [entry for entry in stack if entry.since >= deadline]
                    if not stack:
                        del self._idle[settings]
                done = not self._idle
                if done and self._stop_pruner is stop:
                    self._stop_pruner = None
            for connection in expired:
                connection.close()
            if done:
                return


def _still_usable(connection: Connection) -> bool:
    """Whether an idle connection still works, without a round trip.

    An idle connection has nothing to read unless the server closed it (restart, idle timeout,
    pg_terminate_backend, which first sends a FATAL message) or sent something unasked for:
    either way it is not trusted.
    """
    if connection.closed or connection.pgconn.status != ConnStatus.OK:
        return False
    try:
        return not _readable(connection.fileno())
    except (OSError, ValueError):
        return False


def _readable(fd: int) -> bool:
    if hasattr(select, "poll"):  # select.select cannot watch descriptors above 1023
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def _reset(connection: Connection) -> bool:
    """Leave ``connection`` as new; False when it cannot be reused."""
    if connection.closed or connection.broken:
        return False
    status = connection.pgconn.transaction_status
    if status not in (TransactionStatus.IDLE, TransactionStatus.INTRANS, TransactionStatus.INERROR):
        return False  # a statement is still running or the state is unknown
    try:
        if status != TransactionStatus.IDLE:
            connection.rollback()
        if not connection.autocommit:
            connection.autocommit = True
        connection.execute("DISCARD ALL")
    except psycopg.Error:
        return False
    return True


_POOLS: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()


def close_pools() -> None:
    """Close the idle connections of every pool (tests, process exit)."""
    for pool in list(_POOLS):
        with suppress(Exception):
            pool.close()


atexit.register(close_pools)
