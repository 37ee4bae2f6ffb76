"""The format of a file dataset, by its ``type``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgfactory.connectors.files.delimited_text import DelimitedTextFormat
from pgfactory.connectors.files.format_base import FileFormat
from pgfactory.connectors.files.json_format import JsonFormat
from pgfactory.connectors.files.parquet import ParquetFormat
from pgfactory.errors import DefinitionError

_FORMATS: dict[str, type[DelimitedTextFormat | ParquetFormat | JsonFormat]] = {
    "DelimitedText": DelimitedTextFormat,
    "Parquet": ParquetFormat,
    "Json": JsonFormat,
}


def file_format(dataset_type: str, type_properties: Mapping[str, Any]) -> FileFormat:
    """The format of a dataset of type ``DelimitedText``, ``Parquet`` or ``Json`` from its
    evaluated ``typeProperties`` (location included)."""
    format_class = _FORMATS.get(dataset_type)
    if format_class is None:
        raise DefinitionError(f"dataset type {dataset_type!r} is not a file format pgfactory reads or writes; "
                              f"expected one of {', '.join(_FORMATS)}", property_path="type")
    if "location" not in type_properties:
        raise DefinitionError("a file dataset needs a location", property_path="typeProperties.location")
    return format_class.from_type_properties(type_properties)
