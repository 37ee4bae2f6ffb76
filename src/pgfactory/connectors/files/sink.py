"""Writing one sink target: batches in, complete files out, or nothing at all.

Every file is written under a temporary name in its folder and renamed on ``commit``; leaving
the ``with`` block without a commit (an error, a cancellation) removes the temporary files and
leaves the final names as they were. With ``maxRowsPerFile`` the rows are split over numbered
files, a batch split where a file fills up. A target always gets its first file, so an empty
source still yields a file (with only a header for delimited text).
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from types import TracebackType

import pyarrow as pa

from pgfactory.connectors.files.atomic import AtomicFile
from pgfactory.connectors.files.format_base import FileFormat, FormatWriter, SinkSettings
from pgfactory.connectors.files.sink_targets import SinkTarget


class FileSink:
    """Writes the batches of one ``SinkTarget`` in ``file_format``.

    ``with FileSink(target, file_format, schema, settings) as sink:`` then ``sink.write(batch)``
    for each batch and ``sink.commit()``. ``paths`` are the files written, ``rows_written`` and
    ``bytes_written`` (bytes on disk) count as writing goes, for progress and Copy's output.
    """

    def __init__(self, target: SinkTarget, file_format: FileFormat, schema: pa.Schema, settings: SinkSettings) -> None:
        self.target = target
        self.rows_written = 0
        self._format = file_format
        self._schema = schema
        self._settings = settings
        self._files: list[AtomicFile] = []
        self._writer: FormatWriter | None = None
        self._bytes_done = 0
        self._rows_in_file = 0
        self._committed = False
        self._open_next_file()

    @property
    def paths(self) -> list[Path]:
        return [file.final_path for file in self._files]

    @property
    def bytes_written(self) -> int:
        return self._bytes_done + (self._writer.bytes_written if self._writer is not None else 0)

    def write(self, batch: pa.RecordBatch) -> None:
        limit = self.target.max_rows_per_file
        while batch.num_rows:
            if limit is not None and self._rows_in_file >= limit:
                self._close_writer()
                self._open_next_file()
            room = batch.num_rows if limit is None else limit - self._rows_in_file
            part, batch = batch.slice(0, room), batch.slice(room)
            assert self._writer is not None
            self._writer.write(part)
            self._rows_in_file += part.num_rows
            self.rows_written += part.num_rows

    def commit(self) -> None:
        """Complete every file and give each its final name."""
        self._close_writer()
        for file in self._files:
            file.commit()
        self._committed = True

    def abort(self) -> None:
        """Remove every temporary file; nothing is left under a final name."""
        if self._writer is not None:
            with suppress(Exception):  # the error that brought us here is the one to report
                self._writer.close()
            self._writer = None
        for file in self._files:
            file.discard()

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if not self._committed:
            self.abort()

    def _open_next_file(self) -> None:
        file = AtomicFile(self.target.path(len(self._files)))
        self._files.append(file)
        try:
            self._writer = self._format.open_writer(file.temporary_path, self._schema, self._settings)
        except BaseException:
            self.abort()
            raise
        self._rows_in_file = 0

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._bytes_done += self._writer.bytes_written
            self._writer = None
