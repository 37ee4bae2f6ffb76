"""PostgreSQL to files: the query's rows as Arrow batches (binary COPY decoded in C) into a file sink.

The batches carry each column's PostgreSQL type in their field metadata, so a Parquet file
remembers it and a later copy back restores the exact type. A file appears under its final name
only when every row is written.

A partitioned source is read by up to ``parallelCopies`` streams at once. Without a
``fileName`` in the sink dataset each partition writes its own file, ``<fileNamePrefix or
name>_<partition index, 5 digits><extension>`` (ADF "writes to a folder as multiple files"); with
one, all partitions write into that file, one batch at a time. Files are renamed to their final
names only after every partition succeeded; a failure leaves none of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from pgfactory.activities.base import ActivityControl, Cancellation
from pgfactory.activities.copy.additional_columns import check_unique_names
from pgfactory.activities.copy.columns import map_names
from pgfactory.activities.copy.consistency import check_counts, verification
from pgfactory.activities.copy.file_endpoints import FileEndpoint
from pgfactory.activities.copy.partition_streams import SharedProgress, run_partitions
from pgfactory.activities.copy.partitions import NONE, Partition
from pgfactory.activities.copy.postgres_to_postgres import PROGRESS_INTERVAL, PostgresSource
from pgfactory.activities.copy.read_ahead import read_ahead
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.copy.type_conversion import read_type_conversion
from pgfactory.activities.postgres_session import cancelled_error
from pgfactory.connectors.files import FileFormat, FileSink, SinkSettings, SinkTarget, plan_sink_targets
from pgfactory.connectors.postgres.arrow_read import read_query
from pgfactory.connectors.postgres.arrow_values import parquet_compatible
from pgfactory.errors import ActivityError, DefinitionError


def copy_postgres_to_files(source: PostgresSource, sink: FileEndpoint, translator: object, control: ActivityControl,
                           statistics: CopyStatistics, *, default_stem: str, validate: bool = False) -> None:
    try:
        settings = replace(sink.format.sink_settings(sink.format_settings),
                           text_style=read_type_conversion(translator).text_style())
        [target] = plan_sink_targets(sink.server, sink.format.location, sink.store_settings, settings,
                                     default_stem=default_stem)
    except DefinitionError as error:
        raise ActivityError(f"sink dataset '{sink.dataset.name}': {error.message}", code=error.code) from None
    partitions = source.partitions(control.cancellation)
    streams = min(source.partitioning.parallel_copies, len(partitions))
    statistics.method = "binary COPY -> Arrow -> " + sink.dataset.type
    statistics.parallel_copies = statistics.source_connections = streams
    one_file = bool(sink.format.location.file_name) or source.partitioning.option == NONE
    targets = [target] if one_file else [replace(target, stem=f"{target.stem}_{index:05d}") for index in range(len(partitions))]
    files = _PartitionFiles(targets, sink.format, settings)
    progress = SharedProgress(statistics, control, PROGRESS_INTERVAL)
    try:
        run_partitions(partitions, streams, lambda partition, stop: _read(
            partition, stop, source, sink, translator, files, progress), control.cancellation)
        if validate:  # before the files get their final names
            check_counts(statistics.rows_read, files.rows_written, statistics.rows_skipped)
            statistics.consistency = verification(statistics.rows_skipped)
        files.commit()
    finally:
        files.discard()
    statistics.files_written = len(files.paths)
    statistics.rows_copied = files.rows_written
    statistics.data_written = files.bytes_written


def _read(partition: Partition, stop: Cancellation, source: PostgresSource, sink: FileEndpoint, translator: object,
          files: _PartitionFiles, progress: SharedProgress) -> None:
    parquet = sink.dataset.type == "Parquet"
    with read_query(source.settings, partition.query.as_string(None), statement_timeout=source.timeout) as stream:
        unregister = stop.on_cancel(stream.cancel)
        try:
            if source.additional_columns:
                check_unique_names(stream.schema.names)
            selection = map_names(stream.schema.names, None, translator, sink_name=f"dataset {sink.dataset.name}")
            selected = pa.schema([stream.schema.field(index).with_name(name) for index, name in selection])
            schema = selected
            if parquet:  # intervals become their exact struct form, which Parquet can store
                schema = parquet_compatible(pa.RecordBatch.from_pylist([], schema=selected)).schema
            file_sink, lock = files.open(partition.index, schema)
            with closing(read_ahead(stream, stop=stream.cancel)) as batches:
                _write(batches, selection, selected, parquet, file_sink, lock, progress)
        except ActivityError:
            if stop.cancelled:
                raise cancelled_error(stop) from None
            raise
        finally:
            unregister()


def _write(batches: Iterator[pa.RecordBatch], selection: list[tuple[int, str]], selected: pa.Schema, parquet: bool,
           file_sink: FileSink, lock: AbstractContextManager[object], progress: SharedProgress) -> None:
    for batch in batches:
        out = pa.RecordBatch.from_arrays([batch.column(index) for index, _ in selection], schema=selected)
        with lock:
            before = file_sink.bytes_written
            file_sink.write(parquet_compatible(out) if parquet else out)
            written = file_sink.bytes_written - before
        progress.add(rows_read=batch.num_rows, rows_copied=batch.num_rows, data_read=batch.nbytes, data_written=written)


class _PartitionFiles:
    """The file sinks of a copy: one per partition, or a single one that partitions take turns writing to.

    A sink is opened when its first partition knows its columns; none is committed until all
    partitions are done, and :meth:`discard` removes whatever was not committed.
    """

    def __init__(self, targets: list[SinkTarget], file_format: FileFormat, settings: SinkSettings) -> None:
        self._targets = targets
        self._format = file_format
        self._settings = settings
        self._lock = threading.Lock()
        self._shared_lock = threading.Lock() if len(targets) == 1 else None
        self._sinks: dict[int, FileSink] = {}
        self._committed = False

    def open(self, partition: int, schema: pa.Schema) -> tuple[FileSink, AbstractContextManager[object]]:
        """The sink a partition writes to, and the lock to hold around each write (a no-op for its own file)."""
        index = 0 if len(self._targets) == 1 else partition
        with self._lock:
            sink = self._sinks.get(index)
            if sink is None:
                sink = self._sinks[index] = FileSink(self._targets[index], self._format, schema, self._settings)
        return sink, self._shared_lock or nullcontext()

    def commit(self) -> None:
        for index in sorted(self._sinks):
            self._sinks[index].commit()
        self._committed = True

    def discard(self) -> None:
        if not self._committed:
            for sink in self._sinks.values():
                sink.abort()

    @property
    def paths(self) -> list[Path]:
        return [path for index in sorted(self._sinks) for path in self._sinks[index].paths]

    @property
    def rows_written(self) -> int:
        return sum(sink.rows_written for sink in self._sinks.values())

    @property
    def bytes_written(self) -> int:
        return sum(sink.bytes_written for sink in self._sinks.values())
