"""Reading ``DelimitedText`` files with Arrow's streaming CSV reader (C++), block by block.

Every column is read as a string, as ADF's delimited text is (no type inference: ``007``
stays ``007``), unless the caller names a type for it; Arrow's converter then parses the text
(``ConvertOptions``). Arrow needs every column's type up front, and the column names come from
the file, so the first block is parsed twice: once to learn the names, once for real. Without a
header the columns are ``Prop_0``, ``Prop_1`` ... as ADF names them.

``nullValue`` (empty by default) read unquoted is null; quoted it is that string, so an empty
string written as ``""`` survives a round trip. Quoted values may span lines. Empty lines are
skipped, except in a file of one column, where they are values; ``skipLineCount`` drops that
many non-empty lines before the header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pydantic import ValidationError

from pgfactory.connectors.files.errors import (
    FILE_FORMAT_INVALID,
    MORE_COLUMNS_THAN_DEFINED,
    TYPE_CONVERSION_FAILURE,
    FileStoreError,
    definition_error,
)
from pgfactory.connectors.files.evaluated import whole_number
from pgfactory.connectors.files.format_base import ColumnTypes
from pgfactory.connectors.files.text_io import TextFileReader, TextInput
from pgfactory.models.file_datasets import DelimitedTextReadSettings

if TYPE_CHECKING:
    from pgfactory.connectors.files.delimited_text import DelimitedTextFormat

BLOCK_BYTES = 1 << 20
HEADERLESS_COLUMN = "Prop_{}"
_CONVERSION_FAILED = re.compile(r"In CSV column #(\d+): CSV conversion error to (.+?): invalid value '(.*)'", re.DOTALL)
_COLUMN_COUNT = re.compile(r"Expected (\d+) columns, got (\d+)")
# Stands in for one side of a swap of the row delimiter with \n: a noncharacter no text holds.
_PLACEHOLDER = "\uffff"


class DelimitedTextReader(TextFileReader):
    def __init__(
        self,
        text_format: DelimitedTextFormat,
        path: Path,
        *,
        format_settings: Mapping[str, Any] | None = None,
        column_types: ColumnTypes | None = None,
        block_size: int = BLOCK_BYTES,
    ) -> None:
        super().__init__(path)
        try:
            settings = DelimitedTextReadSettings.model_validate(format_settings or {})
        except ValidationError as error:
            raise definition_error(error, "formatSettings") from error
        self._format = text_format
        self._skip_lines = whole_number(settings.skip_line_count, property_path="formatSettings.skipLineCount") or 0
        self._block_size = block_size
        swap = text_format.swapped_row_delimiter
        self._swap = None if swap is None else str.maketrans({"\n": swap, swap: "\n"})
        quote, escape = text_format.quote_char, text_format.escape_char
        self._parse_options = pa_csv.ParseOptions(
            delimiter=text_format.column_delimiter, quote_char=quote or False,
            escape_char=escape if escape and escape != quote else False, double_quote=True,
            newlines_in_values=True, ignore_empty_lines=True)
        self._reader: pa.RecordBatchReader | None = None
        raw_names = self._raw_column_names()
        if raw_names is None:
            return  # an empty file: no columns, no rows
        wanted = {self._raw(name): kind for name, kind in (column_types or {}).items()}
        types = {name: wanted.get(name, pa.string()) for name in raw_names}
        if len(raw_names) == 1:  # an empty line is a row: its value is empty (null by default)
            self._parse_options.ignore_empty_lines = False
        self._schema = pa.schema([(self._raw(name), kind) for name, kind in types.items()])
        self._input = self._open_input()
        try:  # Arrow converts the first block when it opens
            self._reader = self._open_csv(self._input, raw_names, types)
        except pa.ArrowInvalid as error:
            self.close()
            raise self._error(error) from error
        except UnicodeError as error:
            self.close()
            raise self._not_encoded(error) from error
        schema = self._reader.schema
        self._schema = pa.schema([field.with_name(self._raw(field.name)) for field in schema])

    def _batches(self) -> Iterator[pa.RecordBatch]:
        if self._reader is None:
            return
        try:
            for batch in self._reader:
                yield self._with_row_delimiter_restored(batch) if self._swap else batch
        except pa.ArrowInvalid as error:
            raise self._error(error) from error
        except UnicodeError as error:
            raise self._not_encoded(error) from error
        self.close()

    def _open_input(self) -> TextInput:
        return TextInput(self.path, compression=self._format.compression, encoding=self._format.encoding,
                         skip_lines=self._skip_lines, swap_newline_with=self._format.swapped_row_delimiter)

    def _open_csv(self, text_input: TextInput, raw_names: list[str], types: dict[str, pa.DataType]) -> pa.RecordBatchReader:
        header = self._format.first_row_as_header
        read_options = pa_csv.ReadOptions(block_size=self._block_size, column_names=None if header else raw_names)
        convert_options = pa_csv.ConvertOptions(
            column_types=types, null_values=[self._format.null_value], strings_can_be_null=True,
            quoted_strings_can_be_null=False)
        return pa_csv.open_csv(text_input.stream, read_options=read_options, parse_options=self._parse_options,
                               convert_options=convert_options)

    def _raw_column_names(self) -> list[str] | None:
        """The column names as the parser sees them (the header, or ``Prop_n``); None for an empty file."""
        header = self._format.first_row_as_header
        probe = self._open_input()
        try:
            reader = pa_csv.open_csv(
                probe.stream, parse_options=self._parse_options,
                read_options=pa_csv.ReadOptions(block_size=self._block_size, autogenerate_column_names=not header))
            names: list[str] = reader.schema.names
        except pa.ArrowInvalid as error:
            if str(error).startswith("Empty CSV file"):
                return None
            raise self._error(error) from error
        except UnicodeError as error:
            raise self._not_encoded(error) from error
        finally:
            probe.close()
        return names if header else [HEADERLESS_COLUMN.format(index) for index in range(len(names))]

    def _raw(self, name: str) -> str:
        """A column name as the parser sees it, from its real name, or back (the swap is its own inverse)."""
        return name.translate(self._swap) if self._swap else name

    def _with_row_delimiter_restored(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        swap = self._format.swapped_row_delimiter or ""
        columns = []
        for column in batch.columns:
            if pa.types.is_string(column.type):
                for old, new in ((swap, _PLACEHOLDER), ("\n", swap), (_PLACEHOLDER, "\n")):
                    column = pc.replace_substring(column, old, new)
            columns.append(column)
        return pa.RecordBatch.from_arrays(columns, schema=self._schema)

    def _error(self, error: pa.ArrowInvalid) -> FileStoreError:
        text, where = str(error), repr(str(self.path))
        if (conversion := _CONVERSION_FAILED.search(text)) is not None:
            index, target, value = int(conversion.group(1)), conversion.group(2), conversion.group(3)
            row = self._row_holding(index, value)
            at = f"data row {row}" if row is not None else f"a data row after {self.rows_read}"
            shown = value if len(value) <= 100 else value[:97] + "..."
            return FileStoreError(f"{where}, {at}, column {self._schema.names[index]!r}: value {shown!r} cannot be "
                                  f"converted to {target}", code=TYPE_CONVERSION_FAILURE, path=self.path)
        if (count := _COLUMN_COUNT.search(text)) is not None:
            code = MORE_COLUMNS_THAN_DEFINED if int(count.group(2)) > int(count.group(1)) else FILE_FORMAT_INVALID
            return FileStoreError(f"{where}, after data row {self.rows_read}: {text}", code=code, path=self.path)
        if "UTF8" in text:
            return FileStoreError(f"{where} is not valid UTF-8 text; set the dataset's encodingName to the file's "
                                  "encoding", code=FILE_FORMAT_INVALID, path=self.path)
        return FileStoreError(f"{where}, after data row {self.rows_read}: {text}", code=FILE_FORMAT_INVALID, path=self.path)

    def _not_encoded(self, error: UnicodeError) -> FileStoreError:
        return FileStoreError(f"{str(self.path)!r} is not valid {self._format.encoding} text ({error}); set the "
                              "dataset's encodingName to the file's encoding", code=FILE_FORMAT_INVALID, path=self.path)

    def _row_holding(self, column_index: int, value: str) -> int | None:
        """The 1-based data row, after those already read, whose column holds ``value`` (a failed
        conversion's): the file is read again, as strings, up to it. Only on the error path."""
        probe = self._open_input()
        try:
            raw_names = [self._raw(name) for name in self._schema.names]
            reader = self._open_csv(probe, raw_names, dict.fromkeys(raw_names, pa.string()))
            seen = 0
            for batch in reader:
                start = max(0, self.rows_read - seen)
                if start < batch.num_rows:
                    found = int(pc.index(batch.column(column_index).slice(start), value).as_py())
                    if found >= 0:
                        return seen + start + found + 1
                seen += batch.num_rows
        except (pa.ArrowInvalid, UnicodeError):
            return None
        finally:
            probe.close()
        return None
