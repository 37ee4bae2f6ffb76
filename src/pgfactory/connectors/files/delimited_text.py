"""The ``DelimitedText`` format: dataset options, and the writer.

Writing renders cells with Arrow's compute kernels (see ``arrow_text``) rather than with
``pyarrow.csv.CSVWriter``: Arrow's writer quotes every string value (its "needed" style means
"every value of a type that could need it") and knows only ``"`` doubled as the escape, while
ADF quotes a value only when it must and escapes with ``escapeChar`` (a backslash by default).
Every combination of the dataset's options goes through the same kernels at C speed:

- with ``quoteChar``: a value is quoted when it holds the delimiter, the quote or escape
  character, a line break or the row delimiter, when it equals ``nullValue`` (so it reads back
  as a string, not null: an empty string is written ``""`` when ``nullValue`` is empty), or
  always with ``quoteAllText``. Inside quotes ``escapeChar`` precedes the quote character and
  itself (when the two are the same, quotes are doubled);
- with ``quoteChar`` empty: ``escapeChar`` precedes the delimiter, line breaks and itself;
- with both empty a value holding the delimiter or a line break cannot be written: the copy fails.

Nulls are written as ``nullValue``, unquoted. Rows end with ``rowDelimiter`` (``\\r\\n`` by
default, as ADF's Copy writes). Values are rendered as Arrow casts them to text (the text its
own CSV writer produces), booleans as ``True``/``False`` (ADF's), binary as ``\\x`` and hex,
nested values as JSON; the sink's ``TextStyle`` may ask for .NET date formats and ``1``/``0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from pgfactory.connectors.files.arrow_text import (
    TEXT,
    any_true,
    as_text,
    concatenated_bytes,
    join_rows,
    text_scalar,
)
from pgfactory.connectors.files.compression import Compression
from pgfactory.connectors.files.datetime_text import DateTimeTextError
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID, FileStoreError, cell_error, definition_error
from pgfactory.connectors.files.evaluated import whole_number
from pgfactory.connectors.files.file_server import FileServerLocation
from pgfactory.connectors.files.format_base import ColumnTypes, FileReader, FormatWriter, SinkSettings
from pgfactory.connectors.files.sink_targets import sink_extension
from pgfactory.connectors.files.text_io import TextOutput
from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import DelimitedTextTypeProperties, DelimitedTextWriteSettings
from pgfactory.models.text_encodings import DEFAULT_ENCODING, python_codec
from pgfactory.models.values import as_flag

_PROPERTIES = "typeProperties"
# Row delimiters Arrow's parser knows; any other single ASCII character is swapped with \n.
_PARSER_ROW_DELIMITERS = (None, "\n", "\r\n", "\r")
WRITE_ROW_DELIMITER = "\r\n"


@dataclass(frozen=True)
class DelimitedTextFormat:
    """A ``DelimitedText`` dataset's evaluated typeProperties."""

    location: FileServerLocation
    column_delimiter: str = ","
    row_delimiter: str | None = None  # None: read \r\n, \r or \n; write \r\n
    quote_char: str = '"'
    escape_char: str = "\\"
    first_row_as_header: bool = False
    null_value: str = ""
    encoding: str = "utf-8"
    compression: Compression | None = None
    default_extension: ClassVar[str] = ".txt"

    @classmethod
    def from_type_properties(cls, type_properties: Mapping[str, Any]) -> DelimitedTextFormat:
        try:
            model = DelimitedTextTypeProperties.model_validate(type_properties)
        except ValidationError as error:
            raise definition_error(error, _PROPERTIES) from error
        text = {name: None if value is None else str(value) for name, value in (
            ("column_delimiter", model.column_delimiter), ("row_delimiter", model.row_delimiter),
            ("quote_char", model.quote_char), ("escape_char", model.escape_char))}
        for name, value in text.items():
            if value and not value.isascii():
                alias = DelimitedTextTypeProperties.model_fields[name].alias
                raise DefinitionError(f"{value!r} is not an ASCII character; the Copy activity's text parser reads "
                                      "delimiters, quote and escape characters as single bytes",
                                      property_path=f"{_PROPERTIES}.{alias}")
        return cls(
            location=FileServerLocation.from_dict(type_properties["location"]),
            column_delimiter=text["column_delimiter"] or ",",
            row_delimiter=text["row_delimiter"] or None,
            quote_char='"' if text["quote_char"] is None else text["quote_char"],
            escape_char="\\" if text["escape_char"] is None else text["escape_char"],
            first_row_as_header=as_flag(model.first_row_as_header, False),
            null_value="" if model.null_value is None else str(model.null_value),
            encoding=python_codec(str(model.encoding_name or DEFAULT_ENCODING)) or "utf-8",
            compression=Compression.parse(model.compression_codec, model.compression_level,
                                          property_path=f"{_PROPERTIES}.compressionCodec"),
        )

    @property
    def swapped_row_delimiter(self) -> str | None:
        """A row delimiter the parser does not know: the reader swaps it with ``\\n`` and back."""
        return None if self.row_delimiter in _PARSER_ROW_DELIMITERS else self.row_delimiter

    def open_reader(
        self, path: Path, *, format_settings: Mapping[str, Any] | None = None, column_types: ColumnTypes | None = None
    ) -> FileReader:
        from pgfactory.connectors.files.delimited_text_reader import DelimitedTextReader

        return DelimitedTextReader(self, path, format_settings=format_settings, column_types=column_types)

    def sink_settings(self, format_settings: Mapping[str, Any] | None = None) -> SinkSettings:
        try:
            model = DelimitedTextWriteSettings.model_validate(format_settings or {})
        except ValidationError as error:
            raise definition_error(error, "formatSettings") from error
        return SinkSettings(
            extension=sink_extension(model.file_extension, self.default_extension, self.compression),
            file_name_prefix=str(model.file_name_prefix or ""),
            max_rows_per_file=whole_number(model.max_rows_per_file, property_path="formatSettings.maxRowsPerFile"),
            quote_all_text=as_flag(model.quote_all_text, False),
        )

    def open_writer(self, path: Path, schema: pa.Schema, settings: SinkSettings) -> FormatWriter:
        return DelimitedTextWriter(self, path, schema, settings)


class DelimitedTextWriter:
    def __init__(self, text_format: DelimitedTextFormat, path: Path, schema: pa.Schema, settings: SinkSettings) -> None:
        self._format = text_format
        self._path = path
        self._quote_all = settings.quote_all_text
        self._style = settings.text_style
        self._row_delimiter = text_format.row_delimiter or WRITE_ROW_DELIMITER
        specials = {text_format.column_delimiter, text_format.quote_char, text_format.escape_char, "\r", "\n",
                    *self._row_delimiter} - {""}
        # RE2 (Arrow's regex engine) takes \x{..} escapes for any character.
        self._special = "[" + "".join(f"\\x{{{ord(character):x}}}" for character in sorted(specials)) + "]"
        self._output = TextOutput(path, compression=text_format.compression, encoding=text_format.encoding)
        if text_format.first_row_as_header:
            names = pa.record_batch([pa.array([name], TEXT) for name in schema.names], names=schema.names)
            self.write(names)

    @property
    def bytes_written(self) -> int:
        return self._output.bytes_written

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows or not batch.num_columns:
            return
        cells = [self._cell(name, self._text(name, column)) for name, column in zip(batch.schema.names, batch.columns,
                                                                                       strict=True)]
        cells[-1] = join_rows([cells[-1], text_scalar(self._row_delimiter)], "")
        self._output.write(concatenated_bytes(join_rows(cells, self._format.column_delimiter)))

    def close(self) -> None:
        self._output.close()

    def _text(self, column_name: str, column: pa.Array) -> pa.Array:
        try:
            return as_text(column, self._style)
        except DateTimeTextError as error:
            raise cell_error(self._path, column_name, error) from None

    def _cell(self, column_name: str, text: pa.Array) -> pa.Array:
        quote, escape, null_value = self._format.quote_char, self._format.escape_char, self._format.null_value
        special = pc.fill_null(pc.match_substring_regex(text, self._special), False)
        if quote:
            needs_quotes = pc.is_valid(text) if self._quote_all else pc.or_(special, pc.equal(text, text_scalar(null_value)))
            if any_true(needs_quotes):
                escaped = text
                if escape != quote:
                    escaped = pc.replace_substring(escaped, escape, escape * 2)
                escaped = pc.replace_substring(escaped, quote, escape + quote)
                quoted = join_rows([text_scalar(quote), escaped, text_scalar(quote)], "")
                text = pc.if_else(needs_quotes, quoted, text)
        elif any_true(special):
            if not escape:
                raise FileStoreError(
                    f"{str(self._path)!r}: column {column_name!r} holds a value with the column delimiter or a line "
                    "break, which cannot be written with quoteChar and escapeChar both empty", code=FILE_FORMAT_INVALID,
                    path=self._path)
            for character in dict.fromkeys([escape, self._format.column_delimiter, "\r", "\n", *self._row_delimiter]):
                text = pc.replace_substring(text, character, escape + character)
        return pc.fill_null(text, null_value)
