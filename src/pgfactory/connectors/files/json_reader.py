"""Reading ``Json`` files: what ADF's JSON source reads, in constant memory.

A file whose first character is ``[`` holds one array of objects (``arrayOfObjects``); it is
parsed by ijson's C backend, one object at a time, and batches are built from the objects (a
Python path per row: Arrow has no streaming parser for a top-level array). Anything else (JSON
Lines, concatenated or pretty-printed objects, a single object) goes to Arrow's streaming JSON
reader in C++, block by block.

Column types are inferred from the first block (or the first ``ARRAY_BATCH_ROWS`` objects);
a later value of another kind fails with a clear error, and ``column_types`` fixes the types
up front. Numbers in an array file are read as int64 or double; exact decimals need JSON Lines
(where ``column_types`` makes Arrow parse them as decimals) or numbers written as strings.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ijson
import pyarrow as pa
import pyarrow.json as pa_json

from pgfactory.connectors.files.conversion import cast_columns
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID, TYPE_CONVERSION_FAILURE, FileStoreError
from pgfactory.connectors.files.format_base import ColumnTypes
from pgfactory.connectors.files.text_io import TextFileReader, TextInput

if TYPE_CHECKING:
    from pgfactory.connectors.files.json_format import JsonFormat

BLOCK_BYTES = 1 << 20
ARRAY_BATCH_ROWS = 10_000
_PROBE_BYTES = 1 << 16
_LEADING = b"\xef\xbb\xbf \t\r\n"


class JsonReader(TextFileReader):
    def __init__(
        self,
        json_format: JsonFormat,
        path: Path,
        *,
        column_types: ColumnTypes | None = None,
        block_size: int = BLOCK_BYTES,
        array_batch_rows: int = ARRAY_BATCH_ROWS,
    ) -> None:
        super().__init__(path)
        self._format = json_format
        self._column_types = dict(column_types or {})
        self._array_batch_rows = array_batch_rows
        self._objects: Iterator[Any] | None = None
        self._first_batch: pa.RecordBatch | None = None
        self._array_schema: pa.Schema | None = None
        self._arrow_reader: pa.RecordBatchReader | None = None
        self._order: list[str] = []
        first, byte_order_mark = self._first_character()
        if not first:
            return  # an empty file
        self._input = self._open_input()
        try:
            if first == b"[":
                if byte_order_mark:
                    self._input.stream.read(len(codecs.BOM_UTF8))  # Arrow's parser skips it, ijson does not
                self._objects = ijson.items(self._input.stream, "item", use_float=True)
                self._first_batch = self._next_array_batch()
                if self._first_batch is not None:
                    self._schema = self._first_batch.schema
            else:
                self._order = self._field_order() if self._column_types else []
                self._arrow_reader = self._open_json(self._input, block_size)
                self._schema = self._ordered(self._arrow_reader.schema)
        except BaseException:
            self.close()
            raise

    def _batches(self) -> Iterator[pa.RecordBatch]:
        if self._arrow_reader is not None:
            try:
                for batch in self._arrow_reader:
                    yield batch.select(self._schema.names) if self._order else batch
            except pa.ArrowInvalid as error:
                code = TYPE_CONVERSION_FAILURE if "conversion" in str(error).lower() else FILE_FORMAT_INVALID
                raise FileStoreError(f"{str(self.path)!r}, after data row {self.rows_read}: {error}", code=code,
                                     path=self.path) from error
        elif self._first_batch is not None:
            next_batch: pa.RecordBatch | None = self._first_batch
            self._first_batch = None
            while next_batch is not None:
                yield next_batch
                next_batch = self._next_array_batch()
        self.close()

    def _open_input(self) -> TextInput:
        return TextInput(self.path, compression=self._format.compression, encoding=self._format.encoding)

    def _first_character(self) -> tuple[bytes, bool]:
        """The first character that is not white space, and whether a UTF-8 byte order mark is first."""
        probe = self._open_input()
        try:
            head = bytes(probe.stream.read(_PROBE_BYTES))
            return head.lstrip(_LEADING)[:1], head.startswith(codecs.BOM_UTF8)
        except UnicodeError as error:
            raise self._not_encoded(error) from error
        finally:
            probe.close()

    def _field_order(self) -> list[str]:
        """The fields of the first block in file order (an explicit schema puts its fields first)."""
        probe = self._open_input()
        try:
            return list(self._open_json(probe, BLOCK_BYTES, explicit=False).schema.names)
        finally:
            probe.close()

    def _open_json(self, text_input: TextInput, block_size: int, *, explicit: bool = True) -> pa.RecordBatchReader:
        schema = pa.schema(list(self._column_types.items())) if explicit and self._column_types else None
        parse_options = pa_json.ParseOptions(explicit_schema=schema, newlines_in_values=True,
                                             unexpected_field_behavior="infer")
        try:
            return pa_json.open_json(text_input.stream, read_options=pa_json.ReadOptions(block_size=block_size),
                                     parse_options=parse_options)
        except pa.ArrowInvalid as error:
            raise FileStoreError(f"{str(self.path)!r} is not valid JSON: {error}", code=FILE_FORMAT_INVALID,
                                 path=self.path) from error
        except UnicodeError as error:
            raise self._not_encoded(error) from error

    def _ordered(self, schema: pa.Schema) -> pa.Schema:
        if not self._order:
            return schema
        names = [name for name in self._order if name in schema.names]
        names += [name for name in schema.names if name not in names]
        return pa.schema([schema.field(name) for name in names], metadata=schema.metadata)

    def _next_array_batch(self) -> pa.RecordBatch | None:
        """The next objects of an array file as a batch: the first batch's types are inferred, later
        batches must fit them."""
        assert self._objects is not None
        try:
            rows = list(islice(self._objects, self._array_batch_rows))
        except ijson.JSONError as error:
            raise FileStoreError(f"{str(self.path)!r}, after data row {self.rows_read}: not valid JSON ({error})",
                                 code=FILE_FORMAT_INVALID, path=self.path) from error
        except UnicodeError as error:
            raise self._not_encoded(error) from error
        if not rows:
            return None
        if not all(isinstance(row, dict) for row in rows):
            raise FileStoreError(f"{str(self.path)!r}: the array holds values that are not objects; a copy reads an "
                                 "array of objects", code=FILE_FORMAT_INVALID, path=self.path)
        rows_before = self.rows_read
        if self._array_schema is None:
            batch = pa.RecordBatch.from_pylist(rows)
            self._array_schema = batch.schema
        else:
            known = set(self._array_schema.names)
            if unknown := {key for row in rows for key in row if key not in known}:
                raise FileStoreError(f"{str(self.path)!r}, after data row {rows_before}: field(s) {sorted(unknown)} are "
                                     "not in the first objects; give their types to the copy", code=FILE_FORMAT_INVALID,
                                     path=self.path)
            try:
                batch = pa.RecordBatch.from_pylist(rows, schema=self._array_schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
                raise FileStoreError(f"{str(self.path)!r}, data rows {rows_before + 1} to {rows_before + len(rows)}: a "
                                     f"value does not fit the type inferred from the first objects ({error}); give the "
                                     "column's type to the copy", code=TYPE_CONVERSION_FAILURE, path=self.path) from error
        return cast_columns(batch, self._column_types, path=self.path, rows_before=rows_before)

    def _not_encoded(self, error: UnicodeError) -> FileStoreError:
        return FileStoreError(f"{str(self.path)!r} is not valid {self._format.encoding} text ({error}); set the "
                              "dataset's encodingName to the file's encoding", code=FILE_FORMAT_INVALID, path=self.path)
