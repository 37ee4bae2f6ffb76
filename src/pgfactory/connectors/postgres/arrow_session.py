"""One ADBC PostgreSQL connection, for moving Arrow record batches in C (binary COPY both ways).

The ADBC driver (``adbc-driver-postgresql``) reads with ``COPY (query) TO STDOUT (FORMAT binary)``
and writes with ``COPY ... FROM STDIN (FORMAT binary)``, decoding and encoding rows in C: no
Python object per row. Its connection takes a libpq URI, built here from the same keywords
``psycopg`` gets (TLS mode and root certificate, options, the password or a fresh Entra token),
so both drivers reach the server the same way.

A session never commits on its own: autocommit is off, and :meth:`ArrowSession.commit` /
:meth:`ArrowSession.rollback` belong to the caller ("a copy into PostgreSQL commits once, at the
end"). :meth:`ArrowSession.cancel` may be called from any thread; it cancels the running
statement (a COPY included) through libpq's cancel request.
"""

from __future__ import annotations

import contextlib
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import psycopg

from pgfactory.connectors.postgres.connection import connection_password
from pgfactory.connectors.postgres.errors import translate_connection_error
from pgfactory.connectors.postgres.statement_errors import failure_kind
from pgfactory.errors import ActivityError

if TYPE_CHECKING:
    from adbc_driver_manager import dbapi as adbc_dbapi

    from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
    from pgfactory.secrets import Secret

TRANSFER_FAILED = "PostgreSqlTransferFailed"
QUERY_CANCELED = "57014"
_SERVER_ERROR = re.compile(r"ERROR:\s+(?P<message>.*)", re.DOTALL)


def adbc_uri(settings: PostgresConnectionSettings, password: Secret | None) -> str:
    """A libpq URI holding every connection keyword as a percent-encoded query parameter.

    libpq accepts any keyword in a URI's query string (host and port included), so nothing is
    lost in translation: ``sslmode``, ``sslrootcert``, ``options`` and the password or token
    travel exactly as ``psycopg.connect`` would pass them.
    """
    params = settings.libpq_params(password)
    return "postgresql://?" + urlencode({key: str(value) for key, value in params.items()}, quote_via=quote)


class ArrowSession:
    """An open ADBC connection with a transaction the caller ends; use as a context manager.

    Leaving the ``with`` block without :meth:`commit` rolls back whatever was written.
    """

    def __init__(self, connection: adbc_dbapi.Connection) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self._lock = threading.Lock()
        self._closed = False
        self._cancel_requested = threading.Event()

    @classmethod
    def open(cls, settings: PostgresConnectionSettings, *, statement_timeout: float | None = None) -> ArrowSession:
        """Connect with ``settings``; ``statement_timeout`` (seconds, 0 = none) replaces the linked
        service's ``commandTimeout`` for this session, as a Copy's ``queryTimeout`` does."""
        from adbc_driver_manager import Error as AdbcError
        from adbc_driver_postgresql import dbapi

        try:
            connection = dbapi.connect(adbc_uri(settings, connection_password(settings)))
        except AdbcError as error:
            # The same libpq startup messages psycopg sees: one translation table for both.
            raise translate_connection_error(psycopg.OperationalError(_libpq_text(error))) from None
        session = cls(connection)
        if statement_timeout is not None:
            # Committed at once: a SET inside a transaction that is rolled back would be undone with it.
            session.execute(f"SET statement_timeout = {round(statement_timeout * 1000)}")
            session.commit()
        return session

    def __enter__(self) -> ArrowSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def cursor(self) -> adbc_dbapi.Cursor:
        """The session's cursor, for the read and write modules of this package."""
        return self._cursor

    def execute(self, statement: str, parameters: tuple[Any, ...] = (), *, where: str = "statement") -> list[tuple[Any, ...]]:
        """Run one statement (``$1``-style parameters) in the session's transaction; its rows, if any."""
        from adbc_driver_manager import Error as AdbcError

        try:
            self._cursor.execute(statement, parameters or None)
            return list(self._cursor.fetchall()) if self._cursor.description else []
        except AdbcError as error:
            raise transfer_error(error, where=where) from None

    def commit(self) -> None:
        from adbc_driver_manager import Error as AdbcError

        try:
            self._connection.commit()
        except AdbcError as error:
            raise transfer_error(error, where="commit") from None

    def rollback(self) -> None:
        """Roll back the transaction; a cancellation requested before is settled by it."""
        from adbc_driver_manager import Error as AdbcError

        self._cancel_requested.clear()
        try:
            self._connection.rollback()
        except AdbcError as error:
            raise transfer_error(error, where="rollback") from None

    def cancel(self) -> None:
        """Cancel the running statement, from any thread; a no-op once the session is closed.

        A write also stops taking batches (the server only sees a COPY's cancellation once the
        client stops sending) until :meth:`rollback`.
        """
        self._cancel_requested.set()
        with self._lock:
            if not self._closed:
                self._cursor.adbc_cancel()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested.is_set()

    def close(self) -> None:
        """Roll back anything uncommitted and disconnect; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        # A connection that broke cannot roll back; closing it discards the transaction anyway.
        with contextlib.suppress(Exception):
            self._connection.rollback()
        self._cursor.close()
        self._connection.close()


def transfer_error(error: Exception, *, where: str) -> ActivityError:
    """An ActivityError for an ADBC failure, classified by its SQLSTATE like any statement's."""
    sqlstate = getattr(error, "sqlstate", None) or None
    text = _libpq_text(error)
    match = _SERVER_ERROR.search(text)
    message = match.group("message").strip() if match else text.strip()
    # Without a SQLSTATE the server never answered: libpq's own "server closed the connection" and kin.
    failure_type, transient = failure_kind(sqlstate, connection_lost=sqlstate is None and "connection" in text.lower())
    return ActivityError(
        f"{where} failed" + (f" with SQLSTATE {sqlstate}" if sqlstate else "") + f": {message}",
        code=TRANSFER_FAILED, failure_type=failure_type, transient=transient,
        details=[{"sqlstate": sqlstate, "where": where}],
    )


def _libpq_text(error: Exception) -> str:
    # ADBC prefixes its status ("IO: [libpq] ..."); the server's text follows.
    return re.sub(r"^[A-Z_]+: (\[libpq\] )?", "", str(error))


def cancelled_error(where: str) -> ActivityError:
    """What a transfer raises when :meth:`ArrowSession.cancel` stopped it between statements."""
    return ActivityError(f"{where} was cancelled", code=TRANSFER_FAILED, failure_type="UserError",
                         details=[{"sqlstate": QUERY_CANCELED, "where": where}])
