"""PostgreSQL to PostgreSQL: COPY bytes from the source connections to the sink's, never decoding a row.

When every mapped column has the same type on both sides the bytes are PostgreSQL's binary COPY
format; otherwise its text format, which the sink server parses into the sink's types (so an
``integer`` can land in a ``bigint`` or ``text`` column exactly as an INSERT would put it).

Everything the sink sees happens in one transaction that commits at the end: the
``preCopyScript``, the rows, and for Upsert and BulkInsert the statement that moves them from a
staging table into the target. A failure anywhere rolls all of it back and the target is as it
was, so a retry never duplicates rows.

A partitioned source (see :mod:`.partitions`) is read by up to ``parallelCopies`` connections at
once, all feeding the sink's one ``COPY ... FROM STDIN``: each reader gathers its rows into
chunks and hands them to the sink under a lock. Binary COPY data carries a header and a trailer
per stream, so each reader strips its own and the sink stream gets one of each; text COPY
streams simply follow one another. One COPY, one transaction, one commit, however many
partitions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.activities.base import ActivityControl, Cancellation
from pgfactory.activities.copy.additional_columns import AdditionalColumn, check_unique_names, with_additional_columns
from pgfactory.activities.copy.columns import ColumnPair, map_columns, query_columns, table_columns
from pgfactory.activities.copy.consistency import (
    Checksum,
    check_checksums,
    check_counts,
    checksum,
    verification,
    written_by_this_transaction,
)
from pgfactory.activities.copy.partition_streams import SharedProgress, run_partitions
from pgfactory.activities.copy.partitions import NONE, Partition, PartitionSettings, plan_partitions, single_partition
from pgfactory.activities.copy.postgres_sink import (
    COPY_COMMAND,
    PostgresSink,
    create_staging,
    merge_staged,
    run_pre_copy_script,
)
from pgfactory.activities.copy.skip_rows import SkipSettings, create_text_staging, write_staged_skipping
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.postgres_session import (
    Deadline,
    StatementGuard,
    activity_connection,
    cancelled_error,
    statement_failure,
)
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.connectors.postgres.statement_errors import statement_error
from pgfactory.errors import ActivityError

PROGRESS_INTERVAL = 0.5  # seconds between progress reports
CHUNK_BYTES = 64 * 1024  # COPY data a reader gathers before it takes its turn at the sink (psycopg sends up to 128 KiB at once)
# Binary COPY: an 11-byte signature, 32-bit flags and a 32-bit header extension length, then tuples, then a -1 field count.
BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
BINARY_HEADER = BINARY_SIGNATURE + bytes(8)
BINARY_TRAILER = b"\xff\xff"


@dataclass(frozen=True)
class PostgresSource:
    linked_service: str
    settings: PostgresConnectionSettings
    query: sql.Composable  # the source query (with any ?Adf... hooks), or SELECT * FROM the dataset's table
    timeout: float | None
    table: sql.Identifier | None = None  # the dataset's table, when it names one
    query_text: str | None = None  # the source's own query, None when the table is read
    partitioning: PartitionSettings = field(default_factory=PartitionSettings)
    additional_columns: tuple[AdditionalColumn, ...] = ()

    def partitions(self, cancellation: Cancellation) -> list[Partition]:
        """The queries to read (with the additional columns): one unless partitioned, when finding them takes a
        connection (and ``queryTimeout``)."""
        if not self.additional_columns:
            return self._partitions(cancellation)
        return [replace(partition, query=with_additional_columns(partition.query, self.additional_columns))
                for partition in self._partitions(cancellation)]

    def _partitions(self, cancellation: Cancellation) -> list[Partition]:
        if self.partitioning.option == NONE:
            return [single_partition(self.query_text, self.table)]
        with activity_connection(self.settings, cancellation, linked_service=self.linked_service) as (connection, guard):
            try:
                with guard.deadline(self.timeout) as deadline:
                    return plan_partitions(connection, self.partitioning, query_text=self.query_text, table=self.table)
            except psycopg.Error as error:
                raise statement_failure(error, guard, deadline, where="Finding the source's partitions",
                                        timeout_property="source.queryTimeout", code="PostgreSqlCopySource") from None


def copy_postgres_to_postgres(source: PostgresSource, sink: PostgresSink, translator: Any, control: ActivityControl,
                              statistics: CopyStatistics, *, validate: bool = False, skip: SkipSettings | None = None) -> None:
    cancellation = control.cancellation
    partitions = source.partitions(cancellation)
    with activity_connection(source.settings, cancellation, linked_service=source.linked_service) as (reader, _):
        try:
            source_columns = query_columns(reader, partitions[0].query)
        except psycopg.Error as error:
            raise statement_error(error, where="The source query", code="PostgreSqlCopySourceFailed") from None
    if source.additional_columns:
        check_unique_names([column.name for column in source_columns])
    with activity_connection(sink.settings, cancellation, linked_service=sink.linked_service) as (writer, writer_guard):
        try:
            sink_columns = table_columns(writer, sink.table)
        except psycopg.Error as error:
            raise statement_error(error, where=f"The sink table {sink.table_text}", code="PostgreSqlCopySinkFailed") from None
        pairs = map_columns(source_columns, sink_columns, translator, sink_name=f"table {sink.table_text}")
        binary = skip is None and all(pair.same_type for pair in pairs)
        statistics.method = "COPY BINARY pass-through" if binary else "COPY TEXT pass-through"
        streams = min(source.partitioning.parallel_copies, len(partitions))
        statistics.parallel_copies = statistics.source_connections = streams
        with writer.transaction():
            if sink.pre_copy_script:
                run_pre_copy_script(writer, writer_guard, sink.pre_copy_script)
            if skip is not None:
                _copy_skipping(source, sink, writer, writer_guard, pairs, partitions, streams, control, statistics, skip,
                               validate=validate)
                return
            staging = None if sink.write_method == COPY_COMMAND else create_staging(writer, sink, pairs)
            sink_rows = _sink_rows(staging or sink.table, pairs, mine=staging is None)
            # What the preCopyScript wrote in this transaction is not the copy's (CopyCommand counts rows by xmin).
            before = checksum(writer, sink_rows) if validate and binary and staging is None and sink.pre_copy_script \
                else Checksum(0, 0)
            _SinkStream(source, writer, writer_guard, staging or sink.table, pairs, binary, statistics).copy(
                partitions, streams, control)
            if validate:
                check_counts(statistics.rows_read, statistics.rows_copied, statistics.rows_skipped)
                if binary:
                    check_checksums(_source_checksum(source, partitions, pairs, cancellation),
                                    checksum(writer, sink_rows) - before)
                statistics.consistency = verification(statistics.rows_skipped)
            if staging is not None:
                statistics.rows_copied = merge_staged(writer, writer_guard, sink, staging, pairs, statistics.rows_copied)


def _copy_skipping(source: PostgresSource, sink: PostgresSink, writer: psycopg.Connection[Any], guard: StatementGuard,
                   pairs: list[ColumnPair], partitions: list[Partition], streams: int, control: ActivityControl,
                   statistics: CopyStatistics, skip: SkipSettings, *, validate: bool) -> None:
    """The rows as COPY TEXT into a text staging table, then only those that fit into the target (see :mod:`.skip_rows`)."""
    statistics.method = "COPY TEXT -> staging, incompatible rows skipped"

    def run(statement: str) -> list[tuple[Any, ...]]:
        try:
            with guard.deadline(None) as deadline:
                cursor = writer.execute(statement)
                return cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            raise statement_failure(error, guard, deadline, where=f"Writing into {sink.table_text}", timeout_property="",
                                    code="PostgreSqlCopy") from None

    names = [pair.sink.name for pair in pairs]
    staging = create_text_staging(run, names)
    _SinkStream(source, writer, guard, sql.Identifier(staging), pairs, False, statistics).copy(partitions, streams, control)
    write_staged_skipping(run, sink, staging, names, skip, statistics, validate=validate)


def _sink_rows(table: sql.Identifier, pairs: list[ColumnPair], *, mine: bool) -> sql.Composable:
    """The rows this copy wrote into ``table`` (a staging table holds only those), as a SELECT of the mapped columns."""
    columns = sql.SQL(", ").join(sql.Identifier(pair.sink.name) for pair in pairs)
    return written_by_this_transaction(table, columns) if mine else sql.SQL("SELECT {} FROM {}").format(columns, table)


def _source_checksum(source: PostgresSource, partitions: list[Partition], pairs: list[ColumnPair],
                     cancellation: Cancellation) -> Checksum:
    """The checksum of the copied columns over every partition, computed by the source server (read again)."""
    columns = sql.SQL(", ").join(sql.Identifier(pair.source.name) for pair in pairs)
    total = Checksum(0, 0)
    with activity_connection(source.settings, cancellation, linked_service=source.linked_service) as (reader, guard):
        for partition in partitions:
            try:
                with guard.deadline(source.timeout) as deadline:
                    part = checksum(reader, sql.SQL("SELECT {} FROM ({}) AS source").format(columns, partition.query))
            except psycopg.Error as error:
                raise statement_failure(error, guard, deadline, where="Checking the source's data consistency",
                                        timeout_property="source.queryTimeout", code="PostgreSqlCopySource") from None
            total = Checksum(total.rows + part.rows, total.total + part.total)
    return total


class _SinkStream:
    """The sink's one COPY FROM STDIN, fed by the COPY TO STDOUT of every partition."""

    def __init__(self, source: PostgresSource, writer: psycopg.Connection[Any], writer_guard: StatementGuard,
                 target: sql.Identifier, pairs: list[ColumnPair], binary: bool, statistics: CopyStatistics) -> None:
        self._source = source
        self._writer = writer
        self._writer_guard = writer_guard
        self._target = target
        self._pairs = pairs
        self._binary = binary
        self._options = sql.SQL("(FORMAT binary)" if binary else "(FORMAT text)")
        self._statistics = statistics
        self._lock = threading.Lock()  # one partition at a time writes into the sink's COPY
        self._copy: psycopg.Copy | None = None

    def copy(self, partitions: list[Partition], streams: int, control: ActivityControl) -> None:
        progress = SharedProgress(self._statistics, control, PROGRESS_INTERVAL)
        copy_in = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
            self._target, sql.SQL(", ").join(sql.Identifier(pair.sink.name) for pair in self._pairs), self._options)
        failure: ActivityError | None = None
        try:
            with self._writer.cursor() as in_cursor:
                with in_cursor.copy(copy_in) as copy_to:
                    self._copy = copy_to
                    if self._binary:
                        copy_to.write(BINARY_HEADER)
                    try:
                        rows_read = run_partitions(partitions, streams, lambda partition, stop: self._read(
                            partition, stop, progress), control.cancellation)
                    except ActivityError as error:
                        failure = error
                        raise
                    if self._binary:
                        copy_to.write(BINARY_TRAILER)
                self._statistics.rows_copied = max(in_cursor.rowcount, 0)
            self._statistics.rows_read = sum(rows_read)
            self._statistics.data_written = self._statistics.data_read
        except psycopg.Error as error:  # the sink's COPY ended in an error (a row the target refused, say)
            if failure is not None:
                raise failure from None
            raise self._sink_failure(error) from None
        finally:
            self._copy = None

    def _read(self, partition: Partition, stop: Cancellation, progress: SharedProgress) -> int:
        """Stream one partition into the sink; its row count."""
        source = self._source
        columns = sql.SQL(", ").join(sql.Identifier(pair.source.name) for pair in self._pairs)
        copy_out = sql.SQL("COPY (SELECT {} FROM ({}) AS source) TO STDOUT {}").format(columns, partition.query, self._options)
        where = "Reading the source query" + (f" ({partition.description})" if partition.description else "")
        with activity_connection(source.settings, stop, linked_service=source.linked_service) as (reader, guard):
            try:
                with guard.deadline(source.timeout) as deadline, reader.cursor() as out_cursor:
                    with out_cursor.copy(copy_out) as copy_from:
                        self._pass_through(copy_from, progress)
                    return max(out_cursor.rowcount, 0)
            except psycopg.Error as error:
                if guard.cancelled:
                    raise cancelled_error(stop) from None
                raise statement_failure(error, guard, deadline, where=where, timeout_property="source.queryTimeout",
                                        code="PostgreSqlCopy") from None

    def _pass_through(self, copy_from: psycopg.Copy, progress: SharedProgress) -> None:
        """Gather COPY messages (one per row) into chunks for the sink, without this stream's binary header and trailer."""
        chunk = bytearray()
        rows = read = 0
        messages = iter(copy_from)
        if self._binary:
            head = next(messages, None)
            if head is None:
                raise ActivityError("The source's binary COPY sent no data", code="PostgreSqlCopyFailed")
            chunk += _without_header(head)
            rows, read = 1, len(head)
        for message in messages:
            if len(chunk) >= CHUNK_BYTES:
                self._write(chunk, rows, read, progress)
                chunk, rows, read = bytearray(), 0, 0
            chunk += message
            rows += 1
            read += len(message)
        if self._binary:
            if chunk[-2:] != BINARY_TRAILER:
                raise ActivityError("The source's binary COPY data did not end with its trailer", code="PostgreSqlCopyFailed")
            del chunk[-2:]
            rows -= 1  # the trailer's message holds no row
        self._write(chunk, rows, read, progress)

    def _write(self, chunk: bytearray, rows: int, read: int, progress: SharedProgress) -> None:
        with self._lock:
            assert self._copy is not None
            try:
                self._copy.write(chunk)
            except psycopg.Error as error:
                raise self._sink_failure(error) from None
        progress.add(rows_read=rows, rows_copied=rows, data_read=read, data_written=read)

    def _sink_failure(self, error: psycopg.Error) -> ActivityError:
        if self._writer_guard.cancelled:
            return cancelled_error(self._writer_guard.cancellation)
        where = f"Writing into {self._target.as_string(self._writer)}"
        return statement_failure(error, self._writer_guard, Deadline(), where=where, timeout_property="", code="PostgreSqlCopy")


def _without_header(message: Any) -> memoryview:
    view = memoryview(message)
    if bytes(view[:len(BINARY_SIGNATURE)]) != BINARY_SIGNATURE:
        raise ActivityError("The source's binary COPY data did not start with PostgreSQL's signature",
                            code="PostgreSqlCopyFailed")
    extension = int.from_bytes(view[15:19], "big")  # after the signature and the flags
    return view[19 + extension:]
