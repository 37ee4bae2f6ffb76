"""Arrow columns rendered as text by Arrow's compute kernels, for the text writers.

A writer renders every cell of a batch into one string array per column, joins them row by row
(``binary_join_element_wise``) and writes the joined array's data buffer as it is: the bytes
of all rows end to end. Nothing is done per row in Python except for the types Arrow cannot
cast to text (binary, nested and extension types), which take a Python path per value, and
dates in a .NET format Arrow cannot write (see ``datetime_text``).

Booleans are ``True``/``False`` in delimited text, as ADF (.NET) writes them, and JSON's
``true``/``false``; a ``TextStyle`` with ``booleans_as_numbers`` makes them ``1``/``0`` in both.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pgfactory.connectors.files.datetime_text import DateTimeFormat
from pgfactory.connectors.files.format_base import TextStyle

TEXT = pa.large_string()
DEFAULT_STYLE = TextStyle()
NULL_JSON = "null"
_UTC_ZONES = {"UTC", "Etc/UTC", "+00:00", "Z"}
_JSON_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def text_scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def concatenated_bytes(array: pa.Array) -> pa.Buffer:
    """The bytes of every value of a large string array without nulls, end to end, without a copy."""
    _, offsets_buffer, data = array.buffers()
    offsets = memoryview(offsets_buffer).cast("q")  # int64 offsets of a large_string array
    start, end = offsets[array.offset], offsets[array.offset + len(array)]
    return pa.py_buffer(b"") if data is None or end == start else data.slice(start, end - start)


def join_rows(cells: list[pa.Array], separator: str) -> pa.Array:
    return pc.binary_join_element_wise(*cells, text_scalar(separator))


def any_true(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def as_text(column: pa.Array, style: TextStyle = DEFAULT_STYLE) -> pa.Array:
    """The column as text, nulls kept: Arrow's own rendering (as its CSV writer uses) for the
    types it can cast, ``\\x``-prefixed hex for binary (PostgreSQL's bytea text), JSON for the rest;
    booleans and dates and times as ``style`` says."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return as_text(column.dictionary_decode(), style)
    if pa.types.is_boolean(kind):
        numbers = style.booleans_as_numbers
        return _boolean_text(column, "1" if numbers else "True", "0" if numbers else "False")
    if (chosen := _date_format(kind, style)) is not None:
        return chosen.render(column)
    if isinstance(kind, pa.UuidType):
        return _uuid_text(column)
    if _is_text_extension(kind):  # json: its text is its storage
        return as_text(column.storage)
    if _is_binary(kind):
        return pa.array([None if value is None else "\\x" + value.hex() for value in column.to_pylist()], TEXT)
    if pa.types.is_nested(kind) or isinstance(kind, pa.ExtensionType):
        return _python_json(column, keep_nulls=True)
    if pa.types.is_timestamp(kind):
        return _timestamp_text(column)
    if pa.types.is_interval(kind):
        return _interval_text(column)
    return pc.cast(column, TEXT)


def as_json(column: pa.Array, style: TextStyle = DEFAULT_STYLE) -> pa.Array:
    """Each value as a JSON text (``null`` for nulls): numbers and booleans as Arrow renders them
    (decimals exactly), strings escaped, dates and times as ISO 8601 strings (or in ``style``'s
    formats), binary as base64, nested values through Python's json."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return as_json(column.dictionary_decode(), style)
    if pa.types.is_boolean(kind) and style.booleans_as_numbers:
        return pc.fill_null(_boolean_text(column, "1", "0"), text_scalar(NULL_JSON))
    if (chosen := _date_format(kind, style)) is not None:
        return pc.fill_null(json_strings(chosen.render(column)), text_scalar(NULL_JSON))
    if isinstance(kind, pa.UuidType):
        return pc.fill_null(_quoted(_uuid_text(column)), text_scalar(NULL_JSON))
    if _is_text_extension(kind):
        return as_json(column.storage)
    if pa.types.is_null(kind):
        rendered = pa.nulls(len(column), TEXT)
    elif pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        rendered = pc.cast(column, TEXT)
    elif pa.types.is_floating(kind):
        rendered = _json_floats(column)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        rendered = json_strings(pc.cast(column, TEXT))
    elif pa.types.is_timestamp(kind):
        rendered = _quoted(pc.replace_substring(_timestamp_text(column), " ", "T", max_replacements=1))
    elif pa.types.is_date(kind) or pa.types.is_time(kind):
        rendered = _quoted(pc.cast(column, TEXT))
    elif pa.types.is_interval(kind):
        rendered = _quoted(_interval_text(column))
    else:
        return _python_json(column, keep_nulls=False)
    return pc.fill_null(rendered, text_scalar(NULL_JSON))


def json_strings(text: pa.Array) -> pa.Array:
    """JSON string literals of a text column (quotes, backslashes and control characters escaped)."""
    text = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    if any_true(pc.match_substring_regex(text, "[\x00-\x1f]")):
        for code in range(0x20):
            character = chr(code)
            text = pc.replace_substring(text, character, _JSON_SHORT_ESCAPES.get(character, f"\\u{code:04x}"))
    return _quoted(text)


def _interval_text(column: pa.Array) -> pa.Array:
    """Intervals as ISO 8601 durations the way PostgreSQL writes them (``intervalstyle
    iso_8601``), which its input reads back exactly: ``P1Y2M3DT4H5M6.5S``, ``P-1M``, ``PT0S``.
    Arrow has no kernel for this; intervals are rare enough to take the Python path."""
    return pa.array([None if value is None else _iso_8601_duration(value.months, value.days, value.nanoseconds)
                     for value in column.to_pylist()], TEXT)


def _iso_8601_duration(months: int, days: int, nanoseconds: int) -> str:
    years, months = _truncating_divmod(months, 12)
    microseconds = int(nanoseconds / 1000)  # PostgreSQL keeps microseconds
    hours, rest = _truncating_divmod(microseconds, 3_600_000_000)
    minutes, rest = _truncating_divmod(rest, 60_000_000)
    seconds = f"{'-' if rest < 0 else ''}{abs(rest) // 1_000_000}.{abs(rest) % 1_000_000:06d}".rstrip("0").rstrip(".")
    date_part = "".join(f"{amount}{unit}" for amount, unit in ((years, "Y"), (months, "M"), (days, "D")) if amount)
    time_part = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    time_part += f"{seconds}S" if rest else ""
    if not date_part and not time_part:
        return "PT0S"
    return f"P{date_part}{'T' + time_part if time_part else ''}"


def _truncating_divmod(value: int, divisor: int) -> tuple[int, int]:
    """divmod rounding toward zero, so each part keeps the sign of the whole (PostgreSQL's way)."""
    quotient = abs(value) // divisor * (1 if value >= 0 else -1)
    return quotient, value - quotient * divisor


def _boolean_text(column: pa.Array, true: str, false: str) -> pa.Array:
    return pc.if_else(column, text_scalar(true), text_scalar(false))


def _date_format(kind: pa.DataType, style: TextStyle) -> DateTimeFormat | None:
    """The .NET format ``style`` has for a timestamp, timestamptz or date column, if any."""
    if pa.types.is_timestamp(kind):
        return style.datetime_offset_format if kind.tz is not None else style.datetime_format
    return style.date_format if pa.types.is_date(kind) else None


def _timestamp_text(column: pa.Array) -> pa.Array:
    """Arrow's text of timestamps (``2024-05-01 12:00:00.000000Z``). Arrow renders a zoned
    timestamp through its time zone database, an order of magnitude slower than a naive one;
    UTC, the zone of PostgreSQL's timestamptz, is rendered as naive with the ``Z`` added."""
    if column.type.tz not in _UTC_ZONES:
        return pc.cast(column, TEXT)
    naive = pc.cast(column.cast(pa.timestamp(column.type.unit)), TEXT)
    return pc.binary_join_element_wise(naive, text_scalar("Z"), text_scalar(""))


def _quoted(text: pa.Array) -> pa.Array:
    quote = text_scalar('"')
    return pc.binary_join_element_wise(quote, text, quote, text_scalar(""))


def _json_floats(column: pa.Array) -> pa.Array:
    """JSON has no NaN or infinities: they become the strings .NET's JSON writers use."""
    rendered = pc.cast(column, TEXT)
    finite = pc.is_finite(column)
    if any_true(pc.invert(pc.fill_null(finite, True))):
        names = pc.if_else(pc.is_nan(column), text_scalar('"NaN"'),
                           pc.if_else(pc.greater(column, 0), text_scalar('"Infinity"'), text_scalar('"-Infinity"')))
        rendered = pc.if_else(finite, rendered, names)
    return rendered


def _python_json(column: pa.Array, *, keep_nulls: bool) -> pa.Array:
    texts = [None if value is None and keep_nulls else _JSON_ENCODER.encode(value) for value in column.to_pylist()]
    return pa.array(texts, TEXT)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)  # Decimal (exact, as a string), UUID and the like


_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _uuid_text(column: pa.Array) -> pa.Array:
    """UUIDs as ``8-4-4-4-12`` lower-case hex: the whole data buffer is hexed in one call and cut
    into the groups by string kernels, so no value goes through Python."""
    storage = column.storage
    count = len(storage)
    data = storage.buffers()[1].slice(storage.offset * 16, count * 16)
    offsets = pa.array(range(0, 32 * count + 1, 32), pa.int64()).buffers()[1]
    hexed = pc.utf8_lower(pa.Array.from_buffers(TEXT, count, [None, offsets, pa.py_buffer(data.hex())]))
    groups = [pc.utf8_slice_codeunits(hexed, start, stop) for start, stop in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    text = pc.binary_join_element_wise(*groups, text_scalar("-"))
    return pc.if_else(pc.is_valid(storage), text, pa.scalar(None, TEXT))


def _is_text_extension(kind: pa.DataType) -> bool:
    return isinstance(kind, pa.BaseExtensionType) and (
        pa.types.is_string(kind.storage_type) or pa.types.is_large_string(kind.storage_type))


def _is_binary(kind: pa.DataType) -> bool:
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)
                or pa.types.is_binary_view(kind))
