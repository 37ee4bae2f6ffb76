"""Read a query's rows as a stream of Arrow record batches, in constant memory.

Two connections take part. A short psycopg one *describes* the query without running it
(libpq's prepare + describe) to learn each column's type OID and modifier, which the ADBC driver
does not report, and asks the server to spell them (``format_type``). The ADBC session then runs
the query as a binary COPY and decodes it in C into batches of about ``batch_bytes``.

Columns whose type the driver cannot carry exactly travel as PostgreSQL text: the query is
wrapped as ``SELECT q.c0, q.c1::text, ... FROM (<query>) AS q(c0, c1, ...)`` (positional names,
so duplicate or odd column names are harmless), with a check per native array column that fails
the read on a value Arrow's one-dimensional list cannot hold. A ``numeric(p,s)`` with ``p <= 18``
is asked for as ``numeric_send(c)``, its binary form, which :mod:`.numeric_wire` decodes in bulk:
the driver would spell it as text at several times the cost. See :mod:`.arrow_types` for the
mapping and :mod:`.arrow_values` for the conversions applied to each batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import psycopg
from psycopg import pq

from pgfactory.connectors.postgres.arrow_session import TRANSFER_FAILED, ArrowSession, cancelled_error, transfer_error
from pgfactory.connectors.postgres.arrow_types import (
    NUMERIC,
    TEMPORAL_WITH_INFINITY,
    PgColumn,
    Travel,
    numeric_precision,
)
from pgfactory.connectors.postgres.arrow_values import (
    conversion_error,
    decimals_from_strings,
    infinities_from_driver,
    map_list_values,
    nan_error,
)
from pgfactory.connectors.postgres.connection import connect
from pgfactory.connectors.postgres.numeric_wire import MAX_INT64_PRECISION, NotANumber, decimals_from_wire
from pgfactory.connectors.postgres.sql_text import split_statements
from pgfactory.connectors.postgres.statement_errors import statement_error
from pgfactory.errors import ActivityError

if TYPE_CHECKING:
    import pyarrow as pa

    from pgfactory.connectors.postgres.settings import PostgresConnectionSettings

DEFAULT_BATCH_BYTES = 8 << 20  # the driver's hint; a batch ends at the first row past it
_SOURCE = "source query"


def describe_query(settings: PostgresConnectionSettings, query: str) -> list[PgColumn]:
    """The result columns of ``query`` (name, type OID, modifier, ``format_type`` text), without running it."""
    with connect(settings) as connection:
        encoding = connection.info.encoding
        pgconn = connection.pgconn
        result = pgconn.prepare(b"", query.encode(encoding))
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise statement_error(psycopg.errors.error_from_result(result, encoding=encoding),
                                  where=_SOURCE, code=TRANSFER_FAILED)
        described = pgconn.describe_prepared(b"")
        fields = range(described.nfields)
        if not fields:
            return []
        names = [(described.fname(i) or b"").decode(encoding) for i in fields]
        oids, typmods = [described.ftype(i) for i in fields], [described.fmod(i) for i in fields]
        # The row description reports a domain as its base type; a column taken straight from a
        # table (its table OID and attribute number are described too) gets its declared domain back.
        rows = connection.execute(
            "SELECT coalesce((SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_type t"
            " ON t.oid = a.atttypid WHERE a.attrelid = d.tab AND a.attnum = d.col AND t.typtype = 'd'"
            " AND t.typbasetype = d.oid), format_type(d.oid, d.typmod))"
            " FROM unnest(%s::oid[], %s::int4[], %s::oid[], %s::int2[]) WITH ORDINALITY AS d(oid, typmod, tab, col, n)"
            " ORDER BY d.n",
            (oids, typmods, [described.ftable(i) for i in fields], [described.ftablecol(i) for i in fields]),
        ).fetchall()
    return [PgColumn(name, oid, typmod, row[0]) for name, oid, typmod, row in zip(names, oids, typmods, rows, strict=True)]


def wrapped_query(query: str, columns: list[PgColumn]) -> tuple[str, list[int]]:
    """The query to run, and the positions of the array checks in its result (after the columns).

    The query is returned as given when every column travels natively and holds no array.
    """
    statements = split_statements(query)
    if len(statements) != 1:
        raise ActivityError(f"a source query must be exactly one statement; this one has {len(statements)}",
                            code=TRANSFER_FAILED, failure_type="UserError")
    body = statements[0]
    needs_wrap = any(column.travel is Travel.TEXT or column.element_oid is not None or _numeric_on_wire(column)
                     for column in columns)
    if not columns or not needs_wrap:
        return body, []
    items, checks, checked = [], [], []
    for index, column in enumerate(columns):
        name = f'q."c{index}"'
        if column.travel is Travel.TEXT:
            items.append(f'{name}::text AS "c{index}"')
            continue
        if _numeric_on_wire(column):
            items.append(f'numeric_send({name}) AS "c{index}"')
            continue
        items.append(f'{name} AS "c{index}"')
        if column.element_oid is not None:
            checks.append(f'(array_ndims({name}) > 1 OR array_lower({name}, 1) <> 1) AS "check{index}"')
            checked.append(index)
    aliases = ", ".join(f'"c{index}"' for index in range(len(columns)))
    return f"SELECT {', '.join(items + checks)} FROM (\n{body}\n) AS q({aliases})", checked


class QueryStream:
    """A described query: its Arrow :attr:`schema` at once, its batches by iteration (once).

    The query starts on the first iteration, so :meth:`cancel` (from any thread, repeatable) can
    be registered before anything runs; it stops the query wherever it is, the wait for the first
    rows included. :attr:`rows` and :attr:`bytes` (the Arrow size of the batches handed out) grow
    as batches are taken.
    """

    def __init__(self, session: ArrowSession, columns: list[PgColumn], statement: str, checked_arrays: list[int],
                 batch_bytes: int) -> None:
        import pyarrow as pa

        self.columns = columns
        self.schema = pa.schema([column.arrow_field() for column in columns])
        self.rows = 0
        self.bytes = 0
        self._session = session
        self._statement = statement
        self._checked_arrays = checked_arrays
        self._batch_bytes = batch_bytes
        self._reader: pa.RecordBatchReader | None = None
        self._finished = False

    def __enter__(self) -> QueryStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        from adbc_driver_manager import Error as AdbcError

        reader = self._start()
        while True:
            try:
                raw = reader.read_next_batch()
            except StopIteration:
                self._finished = True
                return
            except AdbcError as error:
                raise transfer_error(error, where=_SOURCE) from None
            batch = self._finish(raw)
            self.rows += batch.num_rows
            self.bytes += batch.nbytes
            yield batch

    def _start(self) -> pa.RecordBatchReader:
        from adbc_driver_manager import Error as AdbcError
        from adbc_driver_manager._reader import AdbcRecordBatchReader
        from adbc_driver_postgresql import StatementOptions

        if self._reader is not None or self._finished:
            raise RuntimeError("a query stream is iterated once")
        if self._session.cancel_requested:
            raise cancelled_error(_SOURCE)
        cursor = self._session.cursor
        try:
            cursor.adbc_statement.set_options(**{StatementOptions.BATCH_SIZE_HINT_BYTES.value: str(self._batch_bytes)})
            cursor.execute(self._statement)
            # The driver manager's own reader (what its DB-API fetch methods use): a failure while
            # streaming raises its Error with the SQLSTATE, where pyarrow's plain reader gives an OSError.
            handle = cursor.fetch_arrow()  # kept alive until the import has moved the stream out of it
            self._reader = AdbcRecordBatchReader._import_from_c(handle.address)
        except AdbcError as error:
            self._finished = True
            raise transfer_error(error, where=_SOURCE) from None
        return self._reader

    def _finish(self, raw: pa.RecordBatch) -> pa.RecordBatch:
        import pyarrow as pa
        import pyarrow.compute as pc

        width = len(self.columns)
        for offset, index in enumerate(self._checked_arrays):
            if pc.any(raw.column(width + offset)).as_py():
                column = self.columns[index]
                raise conversion_error(
                    f"column {column.name!r} ({column.type_name}) holds a multidimensional array or one whose "
                    f"lower bound is not 1, which an Arrow list cannot hold; copy it as text ({column.name}::text)",
                    column=column.name,
                )
        arrays = [_finish_column(column, raw.column(i)) for i, column in enumerate(self.columns)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def cancel(self) -> None:
        """Cancel the query on the server (from any thread); iteration then fails with SQLSTATE 57014."""
        self._session.cancel()

    def close(self) -> None:
        """Stop reading (cancelling an unfinished query) and disconnect; safe to call twice."""
        if not self._finished and self._reader is not None:
            self._session.cancel()
            # The cancelled COPY reports its cancellation here; nothing is left to read.
            with contextlib.suppress(Exception):
                self._reader.close()
        self._finished = True
        self._session.close()


def _numeric_on_wire(column: PgColumn) -> bool:
    """Whether ``column`` is read in numeric's binary form (a numeric(p,s) small enough for int64)."""
    precision = numeric_precision(column.typmod) if column.type_oid == NUMERIC else None
    return precision is not None and precision[0] <= MAX_INT64_PRECISION


def _finish_column(column: PgColumn, array: pa.Array) -> pa.Array:
    """The driver's array for ``column`` in the documented Arrow representation."""
    if column.travel is Travel.TEXT:
        return array
    if _numeric_on_wire(column):
        try:
            return decimals_from_wire(array, column.arrow_type())
        except NotANumber:
            raise nan_error(column.name, column.type_name) from None
    if column.element_oid == NUMERIC:
        decimal = column.arrow_type().value_type
        return map_list_values(array, lambda values: decimals_from_strings(
            values, decimal, column=column.name, pg_type=column.type_name))
    if column.type_oid == NUMERIC:
        return decimals_from_strings(array, column.arrow_type(), column=column.name, pg_type=column.type_name)
    if column.type_oid in TEMPORAL_WITH_INFINITY:
        return infinities_from_driver(array, column=column.name)
    return array


def read_query(
    settings: PostgresConnectionSettings,
    query: str,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    statement_timeout: float | None = None,
) -> QueryStream:
    """Describe ``query`` and connect; it runs when the stream is first iterated. Close the
    stream (or use ``with``) to release the connection.

    ``statement_timeout`` (seconds; 0 = none) replaces the linked service's ``commandTimeout``,
    as a Copy source's ``queryTimeout`` does.
    """
    columns = describe_query(settings, query)
    statement, checked = wrapped_query(query, columns)
    session = ArrowSession.open(settings, statement_timeout=statement_timeout)
    return QueryStream(session, columns, statement, checked, batch_bytes)
