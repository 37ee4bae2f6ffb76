"""PostgreSQL to files: the query's rows as Arrow batches (binary COPY decoded in C) into a file sink.

The batches carry each column's PostgreSQL type in their field metadata, so a Parquet file
remembers it and a later copy back restores the exact type. The file appears under its final
name only when every row is written.
"""

from __future__ import annotations

import time

import pyarrow as pa

from pgfactory.activities.base import ActivityControl
from pgfactory.activities.copy.columns import map_names
from pgfactory.activities.copy.file_endpoints import FileEndpoint
from pgfactory.activities.copy.postgres_to_postgres import PROGRESS_INTERVAL, PostgresSource
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.postgres_session import cancelled_error
from pgfactory.connectors.files import FileSink, plan_sink_targets
from pgfactory.connectors.postgres.arrow_read import read_query
from pgfactory.connectors.postgres.arrow_values import parquet_compatible
from pgfactory.errors import ActivityError, DefinitionError


def copy_postgres_to_files(source: PostgresSource, sink: FileEndpoint, translator: object, control: ActivityControl,
                           statistics: CopyStatistics, *, default_stem: str) -> None:
    parquet = sink.dataset.type == "Parquet"
    try:
        settings = sink.format.sink_settings(sink.format_settings)
        [target] = plan_sink_targets(sink.server, sink.format.location, sink.store_settings, settings,
                                     default_stem=default_stem)
    except DefinitionError as error:
        raise ActivityError(f"sink dataset '{sink.dataset.name}': {error.message}", code=error.code) from None
    statistics.method = "binary COPY -> Arrow -> " + sink.dataset.type
    with read_query(source.settings, source.query.as_string(None), statement_timeout=source.timeout) as stream:
        unregister = control.cancellation.on_cancel(stream.cancel)
        try:
            selection = map_names(stream.schema.names, None, translator, sink_name=f"dataset {sink.dataset.name}")
            selected = pa.schema([stream.schema.field(index).with_name(name) for index, name in selection])
            schema = selected
            if parquet:  # intervals become their exact struct form, which Parquet can store
                schema = parquet_compatible(pa.RecordBatch.from_pylist([], schema=selected)).schema
            next_report = time.monotonic()
            with FileSink(target, sink.format, schema, settings) as file_sink:
                for batch in stream:
                    out = pa.RecordBatch.from_arrays([batch.column(index) for index, _ in selection], schema=selected)
                    file_sink.write(parquet_compatible(out) if parquet else out)
                    statistics.rows_read += batch.num_rows
                    statistics.rows_copied, statistics.data_written = file_sink.rows_written, file_sink.bytes_written
                    statistics.data_read = stream.bytes
                    if time.monotonic() >= next_report:
                        control.report_progress(statistics.progress())
                        next_report = time.monotonic() + PROGRESS_INTERVAL
                file_sink.commit()
            statistics.files_written = len(file_sink.paths)
            statistics.data_written = file_sink.bytes_written
        except ActivityError:
            if control.cancellation.cancelled:
                raise cancelled_error(control.cancellation) from None
            raise
        finally:
            unregister()
