"""What Script and Lookup share on PostgreSQL: the connection, its timeouts and its cancellation.

Connections come from one pool whose connections return ADF's JSON values. Statement
timeouts (``scriptBlockExecutionTimeout``, ``queryTimeout``) are enforced here, by cancelling
the statement when its deadline passes, rather than by the linked service's
``statement_timeout``: they apply to a whole script block, which may hold several statements,
and the activity's timeout overrides ``commandTimeout`` as Npgsql's per-command timeout does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg

from pgfactory.activities.base import Cancellation
from pgfactory.connectors.postgres.json_values import use_json_values
from pgfactory.connectors.postgres.pool import ConnectionPool
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.connectors.postgres.statement_errors import statement_error
from pgfactory.deadlines import DEADLINES
from pgfactory.errors import ActivityError, ConnectionStageError, DefinitionError
from pgfactory.models.factory import Factory
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.timespan import format_timespan, parse_timespan

DEFAULT_STATEMENT_TIMEOUT = "02:00:00"  # ADF's default for queryTimeout and scriptBlockExecutionTimeout
CANCEL_REQUEST_TIMEOUT = 5.0  # seconds to deliver a cancel request; it runs on the canceller's thread
RECANCEL_INTERVAL = 1.0  # seconds between cancel requests while a cancelled statement still runs

ACTIVITY_POOL = ConnectionPool(configure=use_json_values)
"""Connections of the execution activities; their cursors return ADF's JSON values."""


def resolve_linked_service(
    factory: Factory, reference: Any, *, where: str
) -> tuple[LinkedServiceResource, PostgresConnectionSettings]:
    """The linked service a ``{"referenceName", "parameters"}`` reference names, and its settings."""
    if not isinstance(reference, dict) or not reference.get("referenceName"):
        raise ActivityError(f"{where} must name a linked service (referenceName)", code="UserErrorInvalidReference")
    try:
        linked_service = factory.linked_service(str(reference["referenceName"]))
        settings = resolve_connection_settings(linked_service, factory=factory, parameters=reference.get("parameters"))
    except DefinitionError as error:
        raise ActivityError(f"{where}: {error.message}", code=error.code) from None
    return linked_service, settings


def statement_timeout(value: Any, *, property_name: str, linked_service: LinkedServiceResource,
                      settings: PostgresConnectionSettings) -> float | None:
    """Seconds a statement (or script block) may run; None for no limit.

    The activity's own timeout wins; without one, a ``commandTimeout`` written in the linked
    service applies (0 means none), else ADF's two hours.
    """
    if value is None or value == "":
        if linked_service.properties.type_properties.get("commandTimeout") is not None:
            return float(settings.command_timeout) or None
        value = DEFAULT_STATEMENT_TIMEOUT
    try:
        seconds = parse_timespan(str(value)).total_seconds()
    except ValueError as error:
        raise ActivityError(f"{property_name}: {error}", code="UserErrorInvalidTimeout") from None
    return seconds or None


@contextmanager
def activity_connection(settings: PostgresConnectionSettings, cancellation: Cancellation, *,
                        linked_service: str) -> Iterator[tuple[psycopg.Connection[Any], StatementGuard]]:
    """A pooled connection and the guard that stops its statements; dropped from the pool if the guard fired."""
    if cancellation.cancelled:
        raise cancelled_error(cancellation)
    # Timeouts are the guard's; a startup statement_timeout would cut scripts at commandTimeout.
    key = replace(settings, command_timeout=0)
    try:
        connection = ACTIVITY_POOL.acquire(key)
    except ConnectionStageError as error:
        hint = f" {error.hint}." if error.hint else ""
        raise ActivityError(
            f"Cannot connect to PostgreSQL through linked service '{linked_service}': {error.stage} failed: "
            f"{error.message}.{hint}",
            code=error.code, failure_type="UserError", transient=error.transient,
            details=[{"stage": error.stage, "sqlstate": error.sqlstate}],
        ) from None
    guard = StatementGuard(connection, cancellation)
    try:
        yield connection, guard
    finally:
        guard.close()
        if guard.fired:
            connection.close()  # a late cancel request must not reach the next user of the connection
        ACTIVITY_POOL.release(key, connection)


class StatementGuard:
    """Cancels the statement running on a connection when the activity is cancelled or a deadline passes.

    Cancel requests are sent under a lock that :meth:`close` takes too, so none can reach the
    connection after it went back to the pool.
    """

    def __init__(self, connection: psycopg.Connection[Any], cancellation: Cancellation) -> None:
        self._connection = connection
        self._cancellation = cancellation
        self._lock = threading.Lock()
        self._open = True
        self._deadline: Deadline | None = None
        self.fired = False
        self._unregister = cancellation.on_cancel(self._cancel_statement)

    @property
    def cancellation(self) -> Cancellation:
        return self._cancellation

    @property
    def cancelled(self) -> bool:
        return self._cancellation.cancelled

    @contextmanager
    def deadline(self, seconds: float | None) -> Iterator[Deadline]:
        """Cancel whatever runs inside the block once ``seconds`` have passed."""
        deadline = Deadline(seconds)
        if seconds is None:
            yield deadline
            return
        with self._lock:
            self._deadline = deadline
        stop = DEADLINES.schedule(seconds, lambda: self._expire(deadline))
        try:
            yield deadline
        finally:
            stop()
            with self._lock:
                self._deadline = None

    def close(self) -> None:
        self._unregister()
        with self._lock:
            self._open = False

    def _expire(self, deadline: Deadline) -> None:
        with self._lock:
            if self._deadline is not deadline:
                return
            deadline.passed = True
        self._cancel_while(lambda: self._deadline is deadline)

    def _cancel_statement(self) -> None:
        self._cancel_while(lambda: True)

    def _cancel_while(self, wanted: Callable[[], bool]) -> None:
        """Send a cancel request, and again every second while the guard is open and ``wanted()``.

        The server ignores a request that arrives before the statement does (the cancel raced
        with the start of a block); asking again closes that gap.
        """
        with self._lock:
            if not self._open or not wanted():
                return
            self.fired = True
            with suppress(psycopg.Error):
                self._connection.cancel_safe(timeout=CANCEL_REQUEST_TIMEOUT)
        DEADLINES.schedule(RECANCEL_INTERVAL, lambda: self._cancel_while(wanted))


class Deadline:
    """Whether the deadline of one statement or block passed (and the statement was cancelled)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self.passed = False


def statement_failure(error: psycopg.Error, guard: StatementGuard, deadline: Deadline, *, where: str,
                      timeout_property: str, code: str) -> ActivityError:
    """The activity error for a failed statement: cancelled, timed out (``<code>TimedOut``) or failed (``<code>Failed``)."""
    if guard.cancelled:
        return cancelled_error(guard.cancellation)
    if deadline.passed and deadline.seconds is not None:
        return ActivityError(
            f"{where} ran longer than {timeout_property} ({format_timespan(timedelta(seconds=deadline.seconds))}) "
            "and was cancelled.",
            code=f"{code}TimedOut", transient=True, details=[{"where": where, "sqlstate": error.sqlstate}],
        )
    return statement_error(error, where=where, code=f"{code}Failed")


def cancelled_error(cancellation: Cancellation) -> ActivityError:
    """What an activity raises when it stopped because it was cancelled; the engine words the final error."""
    return ActivityError(f"The activity was stopped ({cancellation.reason or 'cancelled'}); its running statement "
                         "was cancelled.", code="ActivityCancelled")
