"""ADF's ``translator.typeConversion`` and ``typeConversionSettings`` (spec 3.4) for Copy
between PostgreSQL and files.

The settings apply only when ``typeConversion`` is true (ADF's API default is false; its UI
sets true). What pgfactory does with each:

- ``dateTimeFormat``, ``dateTimeOffsetFormat`` (.NET formats) and ``dateFormat``: writing a
  DelimitedText or Json file from PostgreSQL, ``timestamp`` columns are written in
  ``dateTimeFormat``, ``timestamptz`` in ``dateTimeOffsetFormat`` (the instant in UTC, offset
  +00:00) and ``date`` in ``dateFormat``, else ``dateTimeFormat``. Reading files into
  PostgreSQL, string columns going to such sink columns are read in the same formats; a value
  that does not match fails the copy with a ``TypeConversionFailure`` naming the file, row,
  column and format, or with ``enableSkipIncompatibleRow`` is replaced by a text saying so,
  which the sink's check refuses: the row is skipped and the session log gives the reason.
- ``treatBooleanAsNumber``: booleans are written as ``1``/``0`` (otherwise delimited text gets
  .NET's ``True``/``False``). Reading needs nothing: ``1``/``0`` are booleans to both Arrow's CSV
  parser and PostgreSQL.
- ``culture``: en-US (or ``""``, the invariant culture, which writes custom formats the same
  way) only; pgfactory has no other culture's names and patterns, so any other is refused.
- ``allowDataTruncation`` (default true): read, and never truncates: a string too long for a
  ``varchar(n)`` column fails the copy (or skips the row) as PostgreSQL refuses it, what
  ``false`` asks for; with ``true`` ADF would cut it instead.
- ``timeSpanFormat`` and ``timeFormat``: refused, not implemented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import AfterValidator, ValidationError
from pydantic_core import PydanticCustomError

from pgfactory.connectors.files.datetime_text import TEXT, DateTimeFormat
from pgfactory.connectors.files.errors import TYPE_CONVERSION_FAILURE, FileStoreError
from pgfactory.connectors.files.format_base import TextStyle
from pgfactory.connectors.postgres.arrow_types import DATE, TIMESTAMP, TIMESTAMPTZ, PgColumn
from pgfactory.errors import ActivityError
from pgfactory.expressions.dotnet_datetime import DateTimeFormatError
from pgfactory.models.base import AdfModel
from pgfactory.models.problems import problems_from_validation_error
from pgfactory.models.values import DynamicBool, DynamicStr, as_flag, is_dynamic

SETTINGS_PATH = "translator.typeConversionSettings"
_CULTURES = {"", "en-us"}
_INVALID_COPY = "UserErrorInvalidCopy"


def _format_problem(value: Any) -> Any:
    if isinstance(value, str) and not is_dynamic(value):
        try:
            DateTimeFormat(value)
        except DateTimeFormatError as error:
            raise PydanticCustomError("date_time_format", "not a .NET date and time format: {reason}",
                                      {"reason": str(error)}) from None
    return value


def _culture_problem(value: Any) -> Any:
    if isinstance(value, str) and not is_dynamic(value) and value.strip().lower() not in _CULTURES:
        raise PydanticCustomError("culture", "pgfactory converts with the en-US (or invariant, \"\") culture only, "
                                  "got '{culture}'; remove it or use en-us", {"culture": value})
    return value


def _not_implemented(value: Any) -> Any:
    if value is not None:
        raise PydanticCustomError("not_implemented", "not implemented by pgfactory; remove it")
    return value


_Format = Annotated[DynamicStr, AfterValidator(_format_problem)]


class TypeConversionSettingsModel(AdfModel):
    """``translator.typeConversionSettings`` as ADF defines it (TypeConversionSettings in its SDK)."""

    allow_data_truncation: DynamicBool | None = None
    treat_boolean_as_number: DynamicBool | None = None
    date_time_format: _Format | None = None
    date_time_offset_format: _Format | None = None
    date_format: _Format | None = None
    culture: Annotated[DynamicStr, AfterValidator(_culture_problem)] | None = None
    time_span_format: Annotated[Any, AfterValidator(_not_implemented)] = None
    time_format: Annotated[Any, AfterValidator(_not_implemented)] = None


@dataclass(frozen=True)
class TypeConversion:
    """The evaluated settings of one copy (defaults when ``typeConversion`` is off)."""

    datetime_format: str | None = None
    datetime_offset_format: str | None = None
    date_format: str | None = None
    booleans_as_numbers: bool = False
    allow_data_truncation: bool = True

    def text_style(self) -> TextStyle:
        """How a text sink writes this copy's dates, times and booleans."""
        date_format = self.date_format or self.datetime_format
        return TextStyle(datetime_format=_compiled(self.datetime_format, offset=False),
                         datetime_offset_format=_compiled(self.datetime_offset_format, offset=True),
                         date_format=_compiled(date_format, offset=False),
                         booleans_as_numbers=self.booleans_as_numbers)

    def date_parsing(self, sink_columns: list[PgColumn], *, as_text: bool) -> DateTimeParsing:
        """How string values bound for the sink's date and time columns are read (see :class:`DateTimeParsing`)."""
        by_type = {TIMESTAMP: _compiled(self.datetime_format, offset=False),
                   TIMESTAMPTZ: _compiled(self.datetime_offset_format, offset=True),
                   DATE: _compiled(self.date_format or self.datetime_format, offset=False)}
        formats = {column.name: (chosen, column.type_oid == DATE) for column in sink_columns
                   if (chosen := by_type.get(column.type_oid)) is not None}
        return DateTimeParsing(formats, as_text=as_text)


def _compiled(text: str | None, *, offset: bool) -> DateTimeFormat | None:
    return None if text is None else DateTimeFormat(text, offset)


@dataclass(frozen=True)
class DateTimeParsing:
    """Sink column name -> (the format its string values are read in, whether it is a ``date``).

    ``as_text`` (rows staged as text to skip incompatible ones): a value read becomes its ISO
    8601 text, and one that does not match becomes a text saying so, which PostgreSQL's date
    and time input refuses, so the row is skipped with that reason.
    """

    formats: Mapping[str, tuple[DateTimeFormat, bool]] = field(default_factory=dict)
    as_text: bool = False

    def apply(self, batch: pa.RecordBatch, *, file: str, rows_before: int) -> pa.RecordBatch:
        """``batch`` (named as the sink's columns) with its string columns bound for date and
        time columns read; a mismatch raises a TypeConversionFailure (unless ``as_text``)."""
        if not self.formats:
            return batch
        columns = list(batch.columns)
        for index, name in enumerate(batch.schema.names):
            column = columns[index]
            chosen = self.formats.get(name)
            if chosen is None or not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                continue
            date_format, is_date = chosen
            values, failed = date_format.parse(column)
            if is_date:
                values = pc.cast(values, pa.date32())  # a time of day in the text is dropped, as .NET's DateTime goes into date
            if self.as_text:
                columns[index] = self._text(column, values, failed, date_format)
                continue
            if pc.any(failed).as_py():
                row = pc.index(failed, True).as_py()
                raise FileStoreError(f"{file!r}, data row {rows_before + row + 1}, column {name!r}: "
                                     f"{date_format.parse_error(column[row].as_py())}", code=TYPE_CONVERSION_FAILURE)
            columns[index] = values
        return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)

    @staticmethod
    def _text(column: pa.Array, values: pa.Array, failed: pa.Array, date_format: DateTimeFormat) -> pa.Array:
        text = pc.cast(values, TEXT)
        if not pc.any(failed).as_py():
            return text
        quote = pa.scalar("'", TEXT)
        reason = pa.scalar(f"' does not match the format {date_format.text!r}", TEXT)
        refused = pc.binary_join_element_wise(quote, pc.cast(column, TEXT), reason, pa.scalar("", TEXT))
        return pc.if_else(failed, refused, text)


def type_conversion_problems(translator: Any) -> list[tuple[str, str]]:
    """``(property path under typeProperties, message)`` for each type conversion setting that
    cannot run. Settings are judged only where they apply (``typeConversion`` not false);
    values still written as expressions are judged once evaluated."""
    if not isinstance(translator, Mapping) or not _enabled(translator.get("typeConversion"), default=True):
        return []
    settings = translator.get("typeConversionSettings")
    if settings is None or _unevaluated(settings):
        return []
    if not isinstance(settings, Mapping):
        return [(SETTINGS_PATH, "must be an object")]
    try:
        TypeConversionSettingsModel.model_validate(settings)
    except ValidationError as error:
        problems = problems_from_validation_error(error, file="", resource="", prefix=SETTINGS_PATH)
        return [(problem.property_path or SETTINGS_PATH, problem.message) for problem in problems]
    return []


def read_type_conversion(translator: Any) -> TypeConversion:
    """A copy's evaluated type conversion settings; refused ones raise an ActivityError naming the property."""
    if not isinstance(translator, Mapping) or not _enabled(translator.get("typeConversion"), default=False):
        return TypeConversion()
    problems = type_conversion_problems(translator)
    if problems:
        path, message = problems[0]
        raise ActivityError(f"{path}: {message}", code=_INVALID_COPY)
    settings = TypeConversionSettingsModel.model_validate(translator.get("typeConversionSettings") or {})
    return TypeConversion(
        datetime_format=_text(settings.date_time_format),
        datetime_offset_format=_text(settings.date_time_offset_format),
        date_format=_text(settings.date_format),
        booleans_as_numbers=as_flag(settings.treat_boolean_as_number, False),
        allow_data_truncation=as_flag(settings.allow_data_truncation, True),
    )


def _enabled(value: Any, *, default: bool) -> bool:
    """``typeConversion``: an expression not yet evaluated counts as ``default``."""
    return default if _unevaluated(value) else as_flag(value, False)


def _unevaluated(value: Any) -> bool:
    return is_dynamic(value) or (isinstance(value, Mapping) and value.get("type") == "Expression")


def _text(value: Any) -> str | None:
    """A format; an empty one is no format, as ADF's UI leaves it."""
    return value if isinstance(value, str) and value else None
