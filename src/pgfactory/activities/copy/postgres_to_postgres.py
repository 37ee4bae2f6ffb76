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
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from pgfactory.activities.base import ActivityControl
from pgfactory.activities.copy.columns import ColumnPair, map_columns, query_columns, table_columns
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.postgres_session import StatementGuard, activity_connection, cancelled_error, statement_failure
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.connectors.postgres.statement_errors import statement_error
from pgfactory.errors import ActivityError

PROGRESS_INTERVAL = 0.5  # seconds between progress reports
_CHECK_EVERY = 4096  # COPY messages (rows) between two looks at the clock

COPY_COMMAND, BULK_INSERT, UPSERT = "CopyCommand", "BulkInsert", "Upsert"


@dataclass(frozen=True)
class PostgresSource:
    linked_service: str
    settings: PostgresConnectionSettings
    query: sql.Composable  # the source query, or SELECT * FROM the dataset's table
    timeout: float | None


@dataclass(frozen=True)
class PostgresSink:
    linked_service: str
    settings: PostgresConnectionSettings
    table: sql.Identifier
    table_text: str
    write_method: str = COPY_COMMAND
    upsert_keys: tuple[str, ...] = ()  # empty: the table's primary key
    pre_copy_script: str | None = None


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
        pairs = map_columns(source_columns, sink_columns, translator, sink_name=sink.table_text)
        binary = all(pair.same_type for pair in pairs)
        statistics.method = "COPY BINARY pass-through" if binary else "COPY TEXT pass-through"
        with writer.transaction():
            if sink.pre_copy_script:
                _run_pre_copy_script(writer, writer_guard, sink.pre_copy_script)
            staging = None if sink.write_method == COPY_COMMAND else _create_staging(writer, sink, pairs)
            _stream(reader, reader_guard, writer, writer_guard, source, staging or sink.table, pairs, binary, control,
                    statistics)
            if staging is not None:
                statistics.rows_copied = _merge(writer, writer_guard, sink, staging, pairs)


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
    next_report = time.monotonic() + PROGRESS_INTERVAL
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


def _run_pre_copy_script(writer: psycopg.Connection[Any], guard: StatementGuard, script: str) -> None:
    try:
        with guard.deadline(None) as deadline:
            writer.execute(script)  # no parameters: the simple protocol, so several statements may follow each other
    except psycopg.Error as error:
        raise statement_failure(error, guard, deadline, where="The sink's preCopyScript", timeout_property="",
                                code="PostgreSqlPreCopyScript") from None


def _create_staging(writer: psycopg.Connection[Any], sink: PostgresSink, pairs: list[ColumnPair]) -> sql.Identifier:
    """A temporary table with the mapped columns of the target, gone at commit."""
    staging = sql.Identifier(f"pgfactory_stage_{uuid.uuid4().hex[:12]}")
    columns = sql.SQL(", ").join(sql.Identifier(pair.sink.name) for pair in pairs)
    writer.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        staging, columns, sink.table))
    return staging


def _merge(writer: psycopg.Connection[Any], guard: StatementGuard, sink: PostgresSink, staging: sql.Identifier,
           pairs: list[ColumnPair]) -> int:
    """Move the staged rows into the target (Upsert: insert or update by key; BulkInsert: insert); rows written."""
    names = [pair.sink.name for pair in pairs]
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    keys: list[str] = []
    if sink.write_method == BULK_INSERT:
        statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(sink.table, columns, columns, staging)
    else:
        keys = list(sink.upsert_keys) or _primary_key(writer, sink)
        missing = [key for key in keys if key not in names]
        if missing:
            raise ActivityError(f"upsertSettings.keys {', '.join(map(repr, missing))} are not among the copied columns "
                                f"({', '.join(names)})", code="UserErrorInvalidUpsertKeys")
        key_list = sql.SQL(", ").join(map(sql.Identifier, keys))
        updates = [name for name in names if name not in keys]
        action = sql.SQL("DO NOTHING") if not updates else sql.SQL("DO UPDATE SET {}").format(sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in updates))
        # The last staged row of a key wins, as if the rows had been applied one after the other.
        statement = sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({keys}) {columns} FROM {staging} "
            "ORDER BY {keys}, ctid DESC ON CONFLICT ({keys}) {action}"
        ).format(table=sink.table, columns=columns, keys=key_list, staging=staging, action=action)
    try:
        with guard.deadline(None) as deadline:
            return max(writer.execute(statement).rowcount, 0)
    except psycopg.errors.InvalidColumnReference as error:
        raise ActivityError(
            f"Upsert into {sink.table_text} needs a primary key or unique constraint on exactly its keys "
            f"({', '.join(keys)}): {error.diag.message_primary}", code="UserErrorInvalidUpsertKeys") from None
    except psycopg.Error as error:
        raise statement_failure(error, guard, deadline, where=f"{sink.write_method} into {sink.table_text}",
                                timeout_property="", code="PostgreSqlCopy") from None


def _primary_key(writer: psycopg.Connection[Any], sink: PostgresSink) -> list[str]:
    rows = writer.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        [sink.table.as_string(writer)],
    ).fetchall()
    if not rows:
        raise ActivityError(f"Upsert into {sink.table_text}: the table has no primary key; give upsertSettings.keys",
                            code="UserErrorInvalidUpsertKeys")
    return [row[0] for row in rows]
