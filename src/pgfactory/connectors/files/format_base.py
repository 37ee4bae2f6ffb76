"""What every file format offers: a reader of record batches, a writer, and the sink's naming.

A reader yields ``pyarrow.RecordBatch`` objects in file order, holding one batch (and the
parser's read-ahead) in memory at a time, and counts the bytes it took from disk. A writer
writes batches to a path it is given (a temporary name: ``FileSink`` handles naming, splitting
and the atomic rename).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import pyarrow as pa

from pgfactory.connectors.files.datetime_text import DateTimeFormat
from pgfactory.connectors.files.file_server import FileServerLocation

# Column name -> the Arrow type a reader converts the column to (others keep the file's type).
ColumnTypes = Mapping[str, pa.DataType]


@dataclass(frozen=True)
class TextStyle:
    """How the text formats write what has no single text form, as a Copy activity's
    ``translator.typeConversionSettings`` ask: timestamps, timestamptz and dates in .NET formats
    (None: ISO 8601), booleans as ``1``/``0`` instead of ``True``/``False`` (JSON: true/false)."""

    datetime_format: DateTimeFormat | None = None
    datetime_offset_format: DateTimeFormat | None = None
    date_format: DateTimeFormat | None = None
    booleans_as_numbers: bool = False


@dataclass(frozen=True)
class SinkSettings:
    """A sink's ``formatSettings``, evaluated: file naming, and the format's own write options.

    ``extension`` has its dot and the codec's extension (``.csv.gz``); ``quote_all_text`` is
    DelimitedText's, ``array_of_objects`` Json's ``filePattern``; ``text_style`` is the Copy
    activity's, for the text formats.
    """

    extension: str
    file_name_prefix: str = ""
    max_rows_per_file: int | None = None
    quote_all_text: bool = False
    array_of_objects: bool = False
    text_style: TextStyle = TextStyle()


class FileReader(ABC):
    """The record batches of one file. Iterate it once; close it (or use ``with``) when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows_read = 0

    @property
    @abstractmethod
    def schema(self) -> pa.Schema:
        """The batches' schema (a file without rows may have no columns)."""

    @property
    @abstractmethod
    def bytes_read(self) -> int:
        """Bytes taken from disk so far (compressed bytes for a compressed file); the file's size
        once it has been read to the end. Cheap enough to poll for progress."""

    @abstractmethod
    def _batches(self) -> Iterator[pa.RecordBatch]: ...

    @abstractmethod
    def close(self) -> None:
        """Release the file; ``bytes_read`` keeps its last value."""

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self._batches():
            self.rows_read += batch.num_rows
            yield batch

    def __enter__(self) -> FileReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


class FormatWriter(Protocol):
    """Writes batches of one schema to one file; ``close`` completes the file."""

    @property
    def bytes_written(self) -> int: ...

    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


class FileFormat(Protocol):
    """A dataset's format (``DelimitedText``, ``Parquet``, ``Json``) with its location."""

    @property
    def location(self) -> FileServerLocation: ...

    def open_reader(
        self, path: Path, *, format_settings: Mapping[str, Any] | None = None, column_types: ColumnTypes | None = None
    ) -> FileReader:
        """A reader of ``path``; ``format_settings`` is the copy source's ``formatSettings``."""
        ...

    def sink_settings(self, format_settings: Mapping[str, Any] | None = None) -> SinkSettings:
        """The copy sink's ``formatSettings``, evaluated and checked."""
        ...

    def open_writer(self, path: Path, schema: pa.Schema, settings: SinkSettings) -> FormatWriter: ...
