"""File datasets for Copy (``DelimitedText``, ``Parquet``, ``Json``), the ``FileServer`` linked
service they live on, and the store and format settings of file sources and sinks.

Names, defaults and allowed values follow ADF's format articles (format-delimited-text,
format-parquet, format-json) and the file system connector article. Values may be literals or
expressions: the checks here judge literals; an expression is judged by the same models once it
has been evaluated (``pgfactory.connectors.files`` validates evaluated properties through them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pgfactory.models.base import AdfModel
from pgfactory.models.secrets import SecretValue
from pgfactory.models.text_encodings import python_codec
from pgfactory.models.values import DynamicBool, DynamicInt, DynamicStr, is_dynamic

FILE_SERVER = "FileServer"
FILE_SERVER_LOCATION = "FileServerLocation"

# Codecs pgfactory reads and writes for text formats; zstd is a pgfactory extension (ADF has none).
TEXT_COMPRESSION_CODECS = ("gzip", "bzip2", "deflate", "zstd")
PARQUET_COMPRESSION_CODECS = ("none", "gzip", "snappy", "zstd")
COMPRESSION_LEVELS = ("Optimal", "Fastest")
COPY_BEHAVIORS = ("PreserveHierarchy", "FlattenHierarchy", "MergeFiles")
JSON_FILE_PATTERNS = ("setOfObjects", "arrayOfObjects")

# What ADF itself refuses in Copy, with its reason, and what it has that pgfactory does not.
_COPY_REFUSES_TEXT = {"snappy", "lz4"}
_NOT_YET_TEXT = {"zipdeflate", "tar", "targzip"}


def _literal(value: Any) -> str | None:
    """The value as text when it is a literal (numbers arrive as ints or text); None when absent
    or still an expression."""
    return None if value is None or is_dynamic(value) else str(value)


def _check(rule: Callable[[str], str | None]) -> AfterValidator:
    """A field check: ``rule`` returns a message for a literal it refuses."""

    def check(value: Any) -> Any:
        literal = _literal(value)
        if literal is not None and (message := rule(literal)) is not None:
            raise PydanticCustomError("file_format", message)
        return value

    return AfterValidator(check)


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str | None]:
    def rule(value: str) -> str | None:
        if value.lower() in {name.lower() for name in allowed}:
            return None
        return f"must be one of {', '.join(allowed)}, got {value!r}"

    return rule


def text_codec_problem(codec: str) -> str | None:
    """Why a DelimitedText/Json compression codec cannot be used by Copy, or None."""
    name = codec.strip().lower()
    if name in {"", "none"} or name in TEXT_COMPRESSION_CODECS:
        return None
    if name in _COPY_REFUSES_TEXT:
        return f"the Copy activity does not support the {codec!r} codec for this format (nor does ADF's)"
    if name in _NOT_YET_TEXT:
        return f"{codec!r} archives are not supported by pgfactory yet; use gzip, bzip2, deflate or zstd"
    return f"unknown compression codec {codec!r}; expected one of {', '.join(TEXT_COMPRESSION_CODECS)}"


def parquet_codec_problem(codec: str) -> str | None:
    """Why a Parquet compression codec cannot be used by Copy, or None."""
    name = codec.strip().lower()
    if name in PARQUET_COMPRESSION_CODECS:
        return None
    if name == "lzo":
        return "the Copy activity does not support the 'lzo' codec for Parquet (nor does ADF's)"
    return f"unknown Parquet compression codec {codec!r}; expected one of {', '.join(PARQUET_COMPRESSION_CODECS)}"


def _encoding_problem(name: str) -> str | None:
    return None if python_codec(name) else f"unknown encoding {name!r}; use a .NET encoding name such as UTF-8 or WINDOWS-1252"


def _column_delimiter_problem(value: str) -> str | None:
    if len(value) != 1:
        return f"the Copy activity needs a single-character column delimiter, got {value!r}"
    return None


def _row_delimiter_problem(value: str) -> str | None:
    if value == "":
        return "an empty row delimiter is only supported by data flows, not the Copy activity"
    if len(value) != 1 and value != "\r\n":
        return f"the row delimiter must be one character or \\r\\n, got {value!r}"
    return None


def _at_most_one_character(value: str) -> str | None:
    return None if len(value) <= 1 else f"must be a single character or empty, got {value!r}"


def _positive(value: str) -> str | None:
    return None if value.strip().lstrip("+").isdigit() and int(value) > 0 else f"must be a positive whole number, got {value}"


def _not_negative(value: str) -> str | None:
    return None if value.strip().lstrip("+").isdigit() else f"must be zero or a positive whole number, got {value}"


def _utc_datetime_problem(value: str) -> str | None:
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        return f"expected a date and time such as 2018-12-01T05:00:00Z, got {value!r}"
    return None


Encoding = Annotated[DynamicStr, _check(_encoding_problem)]
CompressionLevel = Annotated[DynamicStr, _check(_one_of(COMPRESSION_LEVELS))]
PositiveInt = Annotated[DynamicInt, _check(_positive)]


class FileServerTypeProperties(AdfModel):
    """typeProperties of a ``FileServer`` linked service: ``host`` is the root folder."""

    host: DynamicStr
    user_id: DynamicStr | None = None
    password: SecretValue | None = None


class DatasetLocation(AdfModel):
    """A dataset's ``location``; other location types keep their own properties as extras."""

    type: str
    folder_path: DynamicStr | None = None
    file_name: DynamicStr | None = None


class DelimitedTextTypeProperties(AdfModel):
    location: DatasetLocation
    column_delimiter: Annotated[DynamicStr, _check(_column_delimiter_problem)] | None = None
    row_delimiter: Annotated[DynamicStr, _check(_row_delimiter_problem)] | None = None
    quote_char: Annotated[DynamicStr, _check(_at_most_one_character)] | None = None
    escape_char: Annotated[DynamicStr, _check(_at_most_one_character)] | None = None
    first_row_as_header: DynamicBool | None = None
    null_value: DynamicStr | None = None
    encoding_name: Encoding | None = None
    compression_codec: Annotated[DynamicStr, _check(text_codec_problem)] | None = None
    compression_level: CompressionLevel | None = None

    @field_validator("escape_char")
    @classmethod
    def _empty_escape_needs_no_quote(cls, escape_char: Any, info: ValidationInfo) -> Any:
        quote_char = info.data.get("quote_char")
        quote = '"' if quote_char is None else _literal(quote_char)
        if _literal(escape_char) == "" and quote:
            raise PydanticCustomError(
                "file_format", "is empty while quoteChar is not: the Copy activity needs an escape character, "
                "or quoteChar empty too (then no value may hold the delimiter)")
        return escape_char


class ParquetTypeProperties(AdfModel):
    location: DatasetLocation
    compression_codec: Annotated[DynamicStr, _check(parquet_codec_problem)] | None = None


class JsonCompression(AdfModel):
    type: Annotated[DynamicStr, _check(text_codec_problem)]
    level: CompressionLevel | None = None


class JsonTypeProperties(AdfModel):
    location: DatasetLocation
    encoding_name: Encoding | None = None
    compression: JsonCompression | None = None


FILE_DATASET_TYPE_PROPERTIES: dict[str, type[AdfModel]] = {
    "DelimitedText": DelimitedTextTypeProperties,
    "Parquet": ParquetTypeProperties,
    "Json": JsonTypeProperties,
}


class FileServerReadSettings(AdfModel):
    """``storeSettings`` of a file source (``FileServerReadSettings``)."""

    type: str | None = None
    recursive: DynamicBool | None = None
    wildcard_folder_path: DynamicStr | None = None
    wildcard_file_name: DynamicStr | None = None
    file_list_path: DynamicStr | None = None
    modified_datetime_start: Annotated[DynamicStr, _check(_utc_datetime_problem)] | None = None
    modified_datetime_end: Annotated[DynamicStr, _check(_utc_datetime_problem)] | None = None
    delete_files_after_completion: DynamicBool | None = None

    @field_validator("file_list_path")
    @classmethod
    def _file_list_excludes_wildcards(cls, file_list_path: Any, info: ValidationInfo) -> Any:
        if file_list_path and (info.data.get("wildcard_folder_path") or info.data.get("wildcard_file_name")):
            raise PydanticCustomError(
                "file_format", "names the files to copy by itself; remove wildcardFolderPath and wildcardFileName")
        return file_list_path


class FileServerWriteSettings(AdfModel):
    """``storeSettings`` of a file sink (``FileServerWriteSettings``)."""

    type: str | None = None
    copy_behavior: Annotated[DynamicStr, _check(_one_of(COPY_BEHAVIORS))] | None = None


class DelimitedTextReadSettings(AdfModel):
    type: str | None = None
    skip_line_count: Annotated[DynamicInt, _check(_not_negative)] | None = None


class DelimitedTextWriteSettings(AdfModel):
    type: str | None = None
    quote_all_text: DynamicBool | None = None
    file_extension: DynamicStr | None = None
    max_rows_per_file: PositiveInt | None = None
    file_name_prefix: DynamicStr | None = None


class ParquetWriteSettings(AdfModel):
    type: str | None = None
    max_rows_per_file: PositiveInt | None = None
    file_name_prefix: DynamicStr | None = None


class JsonWriteSettings(AdfModel):
    type: str | None = None
    file_pattern: Annotated[DynamicStr, _check(_one_of(JSON_FILE_PATTERNS))] | None = None
