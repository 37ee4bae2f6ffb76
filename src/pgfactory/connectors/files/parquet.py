"""The ``Parquet`` format: read with ``ParquetFile.iter_batches``, written with ``ParquetWriter``.

The writer takes the caller's Arrow schema as it is, field metadata included; Arrow stores
that schema in the file, and the reader's schema and batches carry it back. So a copy from
PostgreSQL can put each column's original type in its field metadata and a copy back to
PostgreSQL finds it there.

Batches are gathered into row groups of about ``ROW_GROUP_BYTES`` (``ParquetWriter`` writes a
row group per call, and a row group per small batch makes slow files). The codec is
``compressionCodec``: none, gzip, snappy (default) or zstd; the reader takes it from the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from pgfactory.connectors.files.conversion import cast_columns
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID, FileStoreError, definition_error
from pgfactory.connectors.files.evaluated import whole_number
from pgfactory.connectors.files.file_server import FileServerLocation
from pgfactory.connectors.files.format_base import ColumnTypes, FileReader, FormatWriter, SinkSettings
from pgfactory.connectors.files.sink_targets import sink_extension
from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import ParquetTypeProperties, ParquetWriteSettings, parquet_codec_problem

BATCH_ROWS = 65_536
ROW_GROUP_BYTES = 64 << 20
ROW_GROUP_ROWS = 1 << 20
# A column chunk stays dictionary-encoded while its dictionary fits here (Arrow's default is 1 MiB).
# Columns with few distinct values fit easily; a mostly unique column (ids, uuids, free text) falls
# back to plain encoding sooner instead of hashing a megabyte of values first: about a fifth of
# the write's time on bench.copy's table, for files within 2% of the size.
DICTIONARY_PAGE_BYTES = 64 << 10


@dataclass(frozen=True)
class ParquetFormat:
    """A ``Parquet`` dataset's evaluated typeProperties."""

    location: FileServerLocation
    compression_codec: str = "snappy"
    default_extension: ClassVar[str] = ".parquet"

    @classmethod
    def from_type_properties(cls, type_properties: Mapping[str, Any]) -> ParquetFormat:
        try:
            model = ParquetTypeProperties.model_validate(type_properties)
        except ValidationError as error:
            raise definition_error(error, "typeProperties") from error
        codec = str(model.compression_codec or "snappy").strip().lower()
        if (problem := parquet_codec_problem(codec)) is not None:
            raise DefinitionError(problem, property_path="typeProperties.compressionCodec")
        return cls(FileServerLocation.from_dict(type_properties["location"]), codec)

    def open_reader(
        self, path: Path, *, format_settings: Mapping[str, Any] | None = None, column_types: ColumnTypes | None = None
    ) -> FileReader:
        return ParquetReader(path, column_types=column_types)

    def sink_settings(self, format_settings: Mapping[str, Any] | None = None) -> SinkSettings:
        try:
            model = ParquetWriteSettings.model_validate(format_settings or {})
        except ValidationError as error:
            raise definition_error(error, "formatSettings") from error
        return SinkSettings(
            extension=sink_extension(None, self.default_extension, None),
            file_name_prefix=str(model.file_name_prefix or ""),
            max_rows_per_file=whole_number(model.max_rows_per_file, property_path="formatSettings.maxRowsPerFile"),
        )

    def open_writer(self, path: Path, schema: pa.Schema, settings: SinkSettings) -> FormatWriter:
        return ParquetFileWriter(path, schema, self.compression_codec)


class ParquetReader(FileReader):
    def __init__(self, path: Path, *, column_types: ColumnTypes | None = None, batch_rows: int = BATCH_ROWS) -> None:
        super().__init__(path)
        try:
            self._file = pq.ParquetFile(str(path))
        except (pa.ArrowInvalid, OSError) as error:
            raise FileStoreError(f"{str(path)!r} is not a Parquet file: {error}", code=FILE_FORMAT_INVALID,
                                 path=path) from error
        self._size = path.stat().st_size
        self._total_rows = int(self._file.metadata.num_rows)
        self._column_types = column_types
        self._batch_rows = batch_rows
        self._done = False
        arrow_schema = self._file.schema_arrow
        targets = column_types or {}
        self._schema = pa.schema([field.with_type(targets.get(field.name, field.type)) for field in arrow_schema],
                                 metadata=arrow_schema.metadata)

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def bytes_read(self) -> int:
        """The file's size in proportion to the rows read (exact at the end): Parquet is read by
        column chunks and row groups, not front to back."""
        if self._done or not self._total_rows:
            return self._size if self._done else 0
        return self._size * self.rows_read // self._total_rows

    def close(self) -> None:
        self._file.close()

    def _batches(self) -> Iterator[pa.RecordBatch]:
        rows = 0
        for batch in self._file.iter_batches(batch_size=self._batch_rows):
            yield cast_columns(batch, self._column_types, path=self.path, rows_before=rows)
            rows += batch.num_rows
        self._done = True
        self.close()


class ParquetFileWriter:
    def __init__(self, path: Path, schema: pa.Schema, codec: str) -> None:
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pq.ParquetWriter(self._sink, schema, compression=codec, dictionary_pagesize_limit=DICTIONARY_PAGE_BYTES)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = self._pending_bytes = 0
        self._final_bytes: int | None = None

    @property
    def bytes_written(self) -> int:
        return self._final_bytes if self._final_bytes is not None else int(self._sink.tell())

    def write(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self._pending_bytes += batch.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES or self._pending_rows >= ROW_GROUP_ROWS:
            self._write_row_group()

    def close(self) -> None:
        self._write_row_group()
        self._writer.close()
        self._final_bytes = int(self._sink.tell())
        self._sink.close()

    def _write_row_group(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending), row_group_size=ROW_GROUP_ROWS)
            self._pending, self._pending_rows, self._pending_bytes = [], 0, 0
