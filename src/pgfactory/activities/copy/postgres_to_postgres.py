"""PostgreSQL to PostgreSQL: COPY bytes from one connection to the other, never decoding a row.

When every mapped column has the same type on both sides the bytes are PostgreSQL's binary COPY
format; otherwise its text format, which the sink server parses into the sink's types (so an
``integer`` can land in a ``bigint`` or ``text`` column exactly as an INSERT would put it).

Everything the sink sees happens in one transaction that commits at the end: the
``preCopyScript``, the rows, and for Upsert and BulkInsert the statement that moves them from a
staging table into the target. A failure anywhere rolls all of it back and the target is as it
was, so a retry never duplicates rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from pgfactory.activities.base import ActivityControl
from pgfactory.activities.copy.columns import ColumnPair, map_columns, query_columns, table_columns
from pgfactory.activities.copy.postgres_sink import COPY_COMMAND, PostgresSink, create_staging, merge_staged, run_pre_copy_script
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.postgres_session import StatementGuard, activity_connection, cancelled_error, statement_failure
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.connectors.postgres.statement_errors import statement_error

PROGRESS_INTERVAL = 0.5  # seconds between progress reports
_CHECK_EVERY = 4096  # COPY messages (rows) between two looks at the clock



@dataclass(frozen=True)
class PostgresSource:
    linked_service: str
    settings: PostgresConnectionSettings
    query: sql.Composable  # the source query, or SELECT * FROM the dataset's table
    timeout: float | None


def copy_postgres_to_postgres(source: PostgresSource, sink: PostgresSink, translator: Any, control: ActivityControl,
                              statistics: CopyStatistics) -> None:
    cancellation = control.cancellation
    with activity_connection(source.settings, cancellation, linked_service=source.linked_service) as (reader, reader_guard), \
            activity_connection(sink.settings, cancellation, linked_service=sink.linked_service) as (writer, writer_guard):
        try:
            source_columns = query_columns(reader, source.query)
        except psycopg.Error as error:
            raise statement_error(error, where="The source query", code="PostgreSqlCopySourceFailed") from None
        try:
            sink_columns = table_columns(writer, sink.table)
        except psycopg.Error as error:
            raise statement_error(error, where=f"The sink table {sink.table_text}", code="PostgreSqlCopySinkFailed") from None
        pairs = map_columns(source_columns, sink_columns, translator, sink_name=f"table {sink.table_text}")
        binary = all(pair.same_type for pair in pairs)
        statistics.method = "COPY BINARY pass-through" if binary else "COPY TEXT pass-through"
        with writer.transaction():
            if sink.pre_copy_script:
                run_pre_copy_script(writer, writer_guard, sink.pre_copy_script)
            staging = None if sink.write_method == COPY_COMMAND else create_staging(writer, sink, pairs)
            _stream(reader, reader_guard, writer, writer_guard, source, staging or sink.table, pairs, binary, control,
                    statistics)
            if staging is not None:
                statistics.rows_copied = merge_staged(writer, writer_guard, sink, staging, pairs)


def _select(source: PostgresSource, pairs: list[ColumnPair]) -> sql.Composable:
    columns = sql.SQL(", ").join(sql.Identifier(pair.source.name) for pair in pairs)
    return sql.SQL("SELECT {} FROM ({}) AS source").format(columns, source.query)


def _stream(reader: psycopg.Connection[Any], reader_guard: StatementGuard, writer: psycopg.Connection[Any],
            writer_guard: StatementGuard, source: PostgresSource, target: sql.Identifier, pairs: list[ColumnPair],
            binary: bool, control: ActivityControl, statistics: CopyStatistics) -> None:
    options = sql.SQL("(FORMAT binary)" if binary else "(FORMAT text)")
    copy_out = sql.SQL("COPY ({}) TO STDOUT {}").format(_select(source, pairs), options)
    copy_in = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        target, sql.SQL(", ").join(sql.Identifier(pair.sink.name) for pair in pairs), options)
    next_report = time.monotonic()  # the first report comes early, then one per interval
    messages = 0
    try:
        with reader_guard.deadline(source.timeout) as deadline, reader.cursor() as out_cursor, \
                writer.cursor() as in_cursor:
            with out_cursor.copy(copy_out) as copy_from, in_cursor.copy(copy_in) as copy_to:
                for message in copy_from:
                    copy_to.write(message)
                    statistics.data_read += len(message)
                    messages += 1
                    if messages % _CHECK_EVERY == 0 and time.monotonic() >= next_report:
                        statistics.rows_read = statistics.rows_copied = messages
                        statistics.data_written = statistics.data_read
                        control.report_progress(statistics.progress())
                        next_report = time.monotonic() + PROGRESS_INTERVAL
            statistics.rows_read = max(out_cursor.rowcount, 0)
            statistics.rows_copied = max(in_cursor.rowcount, 0)
            statistics.data_written = statistics.data_read
    except psycopg.Error as error:
        failed_on_sink = writer.info.transaction_status == TransactionStatus.INERROR
        guard = writer_guard if failed_on_sink else reader_guard
        if reader_guard.cancelled or writer_guard.cancelled:
            raise cancelled_error(control.cancellation) from None
        where = f"Writing into {target.as_string(writer)}" if failed_on_sink else "Reading the source query"
        raise statement_failure(error, guard, deadline, where=where, timeout_property="source.queryTimeout",
                                code="PostgreSqlCopy") from None
