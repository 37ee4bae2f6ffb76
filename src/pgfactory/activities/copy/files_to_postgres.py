"""Files to PostgreSQL: Arrow batches from each file into one transaction through ADBC's binary COPY.

Delimited text is parsed straight into the sink columns' Arrow types (in C); Parquet and JSON
batches are cast by the writer. All files, the ``preCopyScript`` and (for BulkInsert and Upsert)
the move from the staging table commit together at the end, or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyarrow as pa
from psycopg import sql

from pgfactory.activities.base import ActivityControl
from pgfactory.activities.copy.additional_columns import (
    AdditionalColumn,
    add_to_batch,
    check_unique_names,
    names_with_additional,
    read_additional_columns,
)
from pgfactory.activities.copy.columns import map_names
from pgfactory.activities.copy.consistency import check_counts, verification
from pgfactory.activities.copy.file_endpoints import FileEndpoint
from pgfactory.activities.copy.postgres_sink import (
    COPY_COMMAND,
    PostgresSink,
    keys_without_constraint,
    merge_statement,
    primary_key_query,
    staged_batches,
    staged_pages_query,
    upsert_keys,
)
from pgfactory.activities.copy.postgres_to_postgres import PROGRESS_INTERVAL
from pgfactory.activities.copy.skip_rows import SkipSettings, create_text_staging, write_staged_skipping
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.copy.type_conversion import DateTimeParsing, read_type_conversion
from pgfactory.activities.postgres_session import cancelled_error
from pgfactory.connectors.files import ReadSettings, SourceFile, delete_source_files, list_source_files
from pgfactory.connectors.postgres.arrow_session import QUERY_CANCELED, ArrowSession
from pgfactory.connectors.postgres.arrow_types import Travel
from pgfactory.connectors.postgres.arrow_write import TableName, create_staging_table, table_columns, write_batches
from pgfactory.connectors.postgres.sql_text import split_statements
from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.models.timespan import format_timespan

_NO_UNIQUE_CONSTRAINT = "42P10"


def copy_files_to_postgres(source: FileEndpoint, sink: PostgresSink, translator: object, control: ActivityControl,
                           statistics: CopyStatistics, *, validate: bool = False, skip: SkipSettings | None = None) -> None:
    try:
        files = list_source_files(source.server, source.format.location, source.store_settings)
    except DefinitionError as error:
        raise ActivityError(f"source dataset '{source.dataset.name}': {error.message}", code=error.code) from None
    extras = read_additional_columns(source.settings, file_source=True)
    statistics.method = f"{source.dataset.type} -> Arrow -> binary COPY"
    statistics.files_read = len(files)
    _write_files(source, sink, files, extras, translator, control, statistics, validate=validate, skip=skip)
    if ReadSettings.from_dict(source.store_settings).delete_files_after_completion:
        delete_source_files(files)  # only once the rows are committed


def _write_files(source: FileEndpoint, sink: PostgresSink, files: list[SourceFile], extras: tuple[AdditionalColumn, ...],
                 translator: object, control: ActivityControl, statistics: CopyStatistics, *, validate: bool,
                 skip: SkipSettings | None) -> None:
    with ArrowSession.open(sink.settings) as session:
        unregister = control.cancellation.on_cancel(session.cancel)
        try:
            table, columns = table_columns(session, TableName(sink.table_parts[-1], (sink.table_parts[:-1] or [None])[0]))
            parsing = read_type_conversion(translator).date_parsing(columns, as_text=skip is not None)
            for statement in split_statements(sink.pre_copy_script or ""):
                session.execute(statement, where="The sink's preCopyScript")
            if files:
                sink_names = [column.name for column in columns]
                names, column_types = _plan(source, files[0], extras, sink_names, translator, sink,
                                            {column.name: column.arrow_type() for column in columns
                                             if column.travel is Travel.NATIVE and column.name not in parsing.formats})
                if skip is not None:
                    _write_skipping(session, source, files, extras, sink_names, names, translator, sink, control,
                                    statistics, skip, validate=validate, parsing=parsing)
                    session.commit()
                    return
                target = table if sink.write_method == COPY_COMMAND else create_staging_table(session, table, names)
                batches = _batches(source, files, extras, sink_names, names, column_types, translator, sink, control,
                                   statistics, parsing=parsing)
                statistics.rows_copied = write_batches(session, target, names, batches).rows
                statistics.data_written = statistics.data_read
                if validate:  # the rows written (for BulkInsert and Upsert: staged) against the rows read
                    check_counts(statistics.rows_read, statistics.rows_copied, statistics.rows_skipped)
                if target is not table:
                    statistics.rows_copied = _merge(session, sink, target, names, statistics.rows_copied)
            if validate:
                statistics.consistency = verification(statistics.rows_skipped)
            session.commit()
        except ActivityError:
            if control.cancellation.cancelled:
                raise cancelled_error(control.cancellation) from None
            raise
        finally:
            unregister()


def _write_skipping(session: ArrowSession, source: FileEndpoint, files: list[SourceFile], extras: tuple[AdditionalColumn, ...],
                    sink_names: list[str], names: list[str], translator: object, sink: PostgresSink,
                    control: ActivityControl, statistics: CopyStatistics, skip: SkipSettings, *, validate: bool,
                    parsing: DateTimeParsing) -> None:
    """Every value as text into a staging table, then only the rows that fit into the target (see :mod:`.skip_rows`)."""
    statistics.method = f"{source.dataset.type} -> Arrow -> text staging, incompatible rows skipped"

    def run(statement: str) -> list[tuple[Any, ...]]:
        return session.execute(statement, where=f"Writing into {sink.table_text}")

    staging = create_text_staging(run, names)
    # No column types: delimited text stays text, so a bad value reaches the server's check instead of failing the read.
    batches = _batches(source, files, extras, sink_names, names, None, translator, sink, control, statistics,
                       parsing=parsing)
    write_batches(session, TableName(staging, "pg_temp"), names, batches)
    statistics.data_written = statistics.data_read
    write_staged_skipping(run, sink, staging, names, skip, statistics, validate=validate)


def _selection(reader_names: list[str], sink_names: list[str], translator: object,
               sink: PostgresSink) -> list[tuple[int, str]]:
    return map_names(reader_names, sink_names, translator, sink_name=f"table {sink.table_text}")


def _plan(source: FileEndpoint, first: SourceFile, extras: tuple[AdditionalColumn, ...], sink_names: list[str],
          translator: object, sink: PostgresSink,
          native: dict[str, pa.DataType]) -> tuple[list[str], dict[str, pa.DataType] | None]:
    """The sink columns written (from the first file's columns) and, for delimited text, the
    Arrow types to parse each file column into."""
    with source.format.open_reader(first.path, format_settings=source.format_settings) as reader:
        file_names = list(reader.schema.names)
    selection = _selection(_source_names(file_names, extras), sink_names, translator, sink)
    names = [name for _, name in selection]
    if source.dataset.type != "DelimitedText":
        return names, None  # Parquet and JSON values are typed already; the writer casts them
    # Additional columns are text (after the file's columns), and Arrow's CSV reader parses into plain
    # types only (not uuid or json): those stay text and the server parses them into the sink's types.
    return names, {file_names[index]: native[name] for index, name in selection
                   if name in native and index < len(file_names) and not isinstance(native[name], pa.BaseExtensionType)}


def _source_names(file_names: list[str], extras: tuple[AdditionalColumn, ...]) -> list[str]:
    if not extras:
        return file_names
    names = names_with_additional(file_names, extras)
    check_unique_names(names)
    return names


def _batches(source: FileEndpoint, files: list[SourceFile], extras: tuple[AdditionalColumn, ...], sink_names: list[str],
             names: list[str],
             column_types: dict[str, pa.DataType] | None, translator: object, sink: PostgresSink, control: ActivityControl,
             statistics: CopyStatistics, *, parsing: DateTimeParsing) -> Iterator[pa.RecordBatch]:
    next_report = time.monotonic()
    bytes_before = 0  # bytes of the files already read
    for file in files:
        with source.format.open_reader(file.path, format_settings=source.format_settings,
                                       column_types=column_types) as reader:
            selection = _selection(_source_names(list(reader.schema.names), extras), sink_names, translator, sink)
            if [name for _, name in selection] != names:
                raise ActivityError(f"{file.relative_path} has columns {', '.join(reader.schema.names)}, which map to "
                                    f"other sink columns than the first file's ({', '.join(names)}): every file of one "
                                    "copy needs the same columns", code="UserErrorColumnMappingFailed")
            for batch in reader:
                if control.cancellation.cancelled:
                    raise cancelled_error(control.cancellation)
                batch = add_to_batch(batch, extras, file.relative_path)
                yield parsing.apply(pa.RecordBatch.from_arrays([batch.column(index) for index, _ in selection], names=names),
                                    file=file.relative_path, rows_before=reader.rows_read - batch.num_rows)
                statistics.rows_read += batch.num_rows
                statistics.data_read = bytes_before + reader.bytes_read
                if time.monotonic() >= next_report:
                    statistics.rows_copied = statistics.rows_read
                    control.report_progress(statistics.progress())
                    next_report = time.monotonic() + PROGRESS_INTERVAL
            bytes_before += reader.bytes_read
            statistics.data_read = bytes_before


def _merge(session: ArrowSession, sink: PostgresSink, staging: TableName, names: list[str], rows: int) -> int:
    keys = upsert_keys(sink, names, lambda: [row[0] for row in session.execute(
        primary_key_query(sink).as_string(None), where="looking up the primary key")])
    table = sql.Identifier(*([staging.schema] if staging.schema else []), staging.name)
    [(pages,)] = session.execute(staged_pages_query(table).as_string(None), where="sizing the staging table")
    # Each batch's bound, as the server's statement_timeout (reset at the commit that follows).
    timeout_ms = round((sink.write_batch_timeout or 0) * 1000)
    session.execute(f"SET LOCAL statement_timeout = {timeout_ms}", where="setting writeBatchTimeout")
    written = 0
    for batch in staged_batches(int(pages), rows, sink.write_batch_size):
        where = f"{sink.write_method} into {sink.table_text}"
        try:
            session.execute(merge_statement(sink, table, names, keys, batch).as_string(None), where=where)
        except ActivityError as error:
            sqlstates = {detail.get("sqlstate") for detail in error.details}
            if _NO_UNIQUE_CONSTRAINT in sqlstates:
                raise keys_without_constraint(sink, keys, error.message) from None
            if QUERY_CANCELED in sqlstates and timeout_ms:
                raise ActivityError(f"{where}: a batch of about {sink.write_batch_size:,} rows took longer than "
                                    f"sink.writeBatchTimeout ({format_timespan(timedelta(milliseconds=timeout_ms))})",
                                    code=error.code, failure_type="UserError", details=error.details) from None
            raise
        written += max(int(session.cursor.rowcount), 0)
    return written
