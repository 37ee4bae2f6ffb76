"""The ``Json`` format: dataset options, and the writer.

``filePattern`` ``setOfObjects`` (default) writes one object per line (JSON Lines);
``arrayOfObjects`` writes one top-level array. Objects are assembled from per-column JSON texts
by Arrow's compute kernels (see ``arrow_text``): numbers as Arrow renders them (decimals
exactly), dates and times as ISO 8601 strings, binary as base64, nulls as ``null``; only nested
columns take a Python path per value. A ``TextStyle`` may ask for .NET date formats (strings)
and booleans as ``1``/``0``. Text is written in ``encodingName`` (UTF-8 without a byte
order mark by default; ``UTF-8 without BOM`` is accepted too) and compressed by
``compression.type``/``compression.level``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import ValidationError

from pgfactory.connectors.files.arrow_text import TEXT, as_json, concatenated_bytes, join_rows, text_scalar
from pgfactory.connectors.files.compression import Compression
from pgfactory.connectors.files.datetime_text import DateTimeTextError
from pgfactory.connectors.files.errors import cell_error, definition_error
from pgfactory.connectors.files.file_server import FileServerLocation
from pgfactory.connectors.files.format_base import ColumnTypes, FileReader, FormatWriter, SinkSettings
from pgfactory.connectors.files.sink_targets import sink_extension
from pgfactory.connectors.files.text_io import TextOutput
from pgfactory.models.file_datasets import JsonTypeProperties, JsonWriteSettings
from pgfactory.models.text_encodings import DEFAULT_ENCODING, python_codec

ARRAY_OF_OBJECTS = "arrayofobjects"


@dataclass(frozen=True)
class JsonFormat:
    """A ``Json`` dataset's evaluated typeProperties."""

    location: FileServerLocation
    encoding: str = "utf-8"
    compression: Compression | None = None
    default_extension: ClassVar[str] = ".json"

    @classmethod
    def from_type_properties(cls, type_properties: Mapping[str, Any]) -> JsonFormat:
        try:
            model = JsonTypeProperties.model_validate(type_properties)
        except ValidationError as error:
            raise definition_error(error, "typeProperties") from error
        compression = model.compression
        return cls(
            location=FileServerLocation.from_dict(type_properties["location"]),
            encoding=python_codec(str(model.encoding_name or DEFAULT_ENCODING)) or "utf-8",
            compression=None if compression is None else Compression.parse(
                compression.type, compression.level, property_path="typeProperties.compression.type"),
        )

    def open_reader(
        self, path: Path, *, format_settings: Mapping[str, Any] | None = None, column_types: ColumnTypes | None = None
    ) -> FileReader:
        from pgfactory.connectors.files.json_reader import JsonReader

        return JsonReader(self, path, column_types=column_types)

    def sink_settings(self, format_settings: Mapping[str, Any] | None = None) -> SinkSettings:
        try:
            model = JsonWriteSettings.model_validate(format_settings or {})
        except ValidationError as error:
            raise definition_error(error, "formatSettings") from error
        return SinkSettings(extension=sink_extension(None, self.default_extension, self.compression),
                            array_of_objects=str(model.file_pattern or "").lower() == ARRAY_OF_OBJECTS)

    def open_writer(self, path: Path, schema: pa.Schema, settings: SinkSettings) -> FormatWriter:
        return JsonWriter(self, path, schema, settings)


class JsonWriter:
    def __init__(self, json_format: JsonFormat, path: Path, schema: pa.Schema, settings: SinkSettings) -> None:
        self._path = path
        self._output = TextOutput(path, compression=json_format.compression, encoding=json_format.encoding)
        self._array = settings.array_of_objects
        self._style = settings.text_style
        self._names = schema.names
        keys = [json.dumps(name, ensure_ascii=False) for name in schema.names]
        # The text before each value: '{"a":', ',"b":' ...; an array's objects are separated by ",\n".
        self._prefixes = [("{" if index == 0 else ",") + f"{key}:" for index, key in enumerate(keys)]
        self._row_start = ",\n" if self._array else ""
        self._row_end = "}" if self._array else "}\n"
        self._rows = 0

    @property
    def bytes_written(self) -> int:
        return self._output.bytes_written

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        if batch.num_columns:
            parts: list[Any] = [text_scalar(self._row_start)]
            for name, prefix, column in zip(self._names, self._prefixes, batch.columns, strict=True):
                try:
                    parts += [text_scalar(prefix), as_json(column, self._style)]
                except DateTimeTextError as error:
                    raise cell_error(self._path, name, error) from None
            parts.append(text_scalar(self._row_end))
            objects = join_rows(parts, "")
        else:
            objects = pa.array([self._row_start + "{" + self._row_end] * batch.num_rows, TEXT)
        data = concatenated_bytes(objects)
        if self._array and not self._rows:
            self._output.write(b"[\n")
            data = data.slice(len(self._row_start))  # no separator before the first object
        self._output.write(data)
        self._rows += batch.num_rows

    def close(self) -> None:
        if self._array:
            self._output.write(b"\n]\n" if self._rows else b"[]\n")
        self._output.close()
