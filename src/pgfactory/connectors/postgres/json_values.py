"""PostgreSQL values as JSON, the way ADF's Script and Lookup outputs render them.

ADF reads PostgreSQL through Npgsql into .NET values (the interim types of the connector's
type mapping) and serializes them with Json.NET. The loaders here produce the same JSON
directly from the server's text output, so rows come back from psycopg ready for the output
and no second pass walks them. :func:`use_json_values` installs them on a connection; the
full table, with the reasons, is in ``docs/postgresql-json-values.md``.

Loaders whose Python value already is the JSON value (bool, integers, text) stay psycopg's C
ones. Every other type psycopg would turn into a Python object (json, uuid, inet, arrays,
ranges, records, ...) is returned as PostgreSQL's text, as ADF maps those to String.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg
from psycopg import postgres
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.types.string import TextLoader

from pgfactory.models.timespan import format_timespan

# float4/float8/numeric specials: Json.NET writes non-finite doubles as these strings.
_SPECIAL_NUMBERS: dict[bytes, str] = {b"NaN": "NaN", b"Infinity": "Infinity", b"-Infinity": "-Infinity"}
# A decimal with at most this many significant digits survives a trip through a double.
_DOUBLE_EXACT_DIGITS = 15

# Types whose psycopg value already is what ADF writes.
_JSON_READY = frozenset(postgres.types[name].oid for name in (
    "bool", "int2", "int4", "int8", "oid", "text", "varchar", "bpchar", "name", '"char"',
))


def _text(data: Buffer) -> str:
    return bytes(data).decode("utf-8", "replace")


class FloatJsonLoader(Loader):
    """real/double precision: a JSON number; NaN and ±Infinity as Json.NET's strings."""

    def load(self, data: Buffer) -> float | str:
        raw = bytes(data)
        special = _SPECIAL_NUMBERS.get(raw)
        return special if special is not None else float(raw)


class NumericJsonLoader(Loader):
    """numeric: an exact JSON number where JSON can hold it, else the digits as a string.

    Whole numbers become integers of any size. A fraction becomes a float when the float's
    shortest text equals the value (always with 15 significant digits or fewer), so nothing is
    rounded; a longer one stays a string ("12345678901234567.89"), which expressions can still
    convert with float() or decimal arithmetic. ADF itself fails on precision above 28.
    """

    def load(self, data: Buffer) -> int | float | str:
        raw = bytes(data)
        return json_number(raw.decode("ascii"))


def json_number(text: str) -> int | float | str:
    """A decimal's text as a JSON value: an int, an exact float, or the text itself (see NumericJsonLoader)."""
    special = _SPECIAL_NUMBERS.get(text.encode("ascii", "replace"))
    if special is not None:
        return special
    if "." not in text:
        return int(text)
    digits = len(text) - 1 - text.startswith("-")
    number = float(text)
    if digits <= _DOUBLE_EXACT_DIGITS or Decimal(repr(number)) == Decimal(text):
        return number
    return text


class MoneyJsonLoader(Loader):
    """money: a number (ADF's interim type is Decimal), read from the lc_monetary text.

    The server writes money in its lc_monetary format; '$1,234.56' and '-$1,234.56' (C and
    English locales, Azure's default) parse; any other format is returned as written.
    """

    def load(self, data: Buffer) -> int | float | str:
        text = _text(data)
        negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
        digits = text.strip("-()").replace("$", "").replace(",", "").strip()
        try:
            Decimal(digits)
        except InvalidOperation:
            return text
        return json_number(("-" if negative else "") + digits)


class _WithDefault(Loader):
    """A loader that delegates to psycopg's own for the type and formats its Python value."""

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        default = psycopg.adapters.get_loader(oid, Format.TEXT)
        assert default is not None  # only registered for types psycopg loads
        self._default = default(oid, context)

    def _value(self, data: Buffer) -> Any:
        """psycopg's value, or None when Python cannot hold it (infinity, BC, year 10000+)."""
        try:
            return self._default.load(data)
        except psycopg.DataError:
            return None


class ByteaJsonLoader(_WithDefault):
    """bytea: base64, as Json.NET writes a byte[] (ADF's own Lookup refuses byte arrays)."""

    def load(self, data: Buffer) -> str:
        value = self._default.load(data)
        return base64.b64encode(value).decode("ascii")


class DateJsonLoader(_WithDefault):
    """date: ADF's interim type is DateTime, so a date is midnight: 2024-01-02T00:00:00."""

    def load(self, data: Buffer) -> str:
        value: date | None = self._value(data)
        return _text(data) if value is None else value.isoformat() + "T00:00:00"


class TimestampJsonLoader(_WithDefault):
    """timestamp: a DateTime of unspecified kind, ISO without zone; the fraction loses trailing zeros."""

    def load(self, data: Buffer) -> str:
        value: datetime | None = self._value(data)
        return _text(data) if value is None else _iso_datetime(value)


class TimestamptzJsonLoader(_WithDefault):
    """timestamptz: Npgsql reads it as a UTC DateTime; Json.NET writes it with 'Z'."""

    def load(self, data: Buffer) -> str:
        value: datetime | None = self._value(data)
        if value is None:
            return _text(data)
        return _iso_datetime(value.astimezone(UTC).replace(tzinfo=None)) + "Z"


def _iso_datetime(value: datetime) -> str:
    text = value.isoformat()
    return text.rstrip("0") if value.microsecond else text


class TimeJsonLoader(Loader):
    """time: a .NET TimeSpan, 'hh:mm:ss' with a seven-digit fraction when there is one.

    Read from text, which DateStyle does not affect; 24:00:00 (valid in PostgreSQL) is one day.
    """

    def load(self, data: Buffer) -> str:
        text = _text(data)
        if text.startswith("24:"):
            return "1.00:00:00"
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction.ljust(7, '0')}" if fraction else whole


class TimetzJsonLoader(Loader):
    """timetz: a time with its offset, '03:04:05.5+02:00' (ISO 8601).

    ADF's interim type is a DateTimeOffset, whose date part Npgsql fills with 0001-01-02;
    pgfactory leaves that meaningless date out.
    """

    def load(self, data: Buffer) -> str:
        text = _text(data)
        cut = max(text.rfind("+"), text.rfind("-"))
        if cut < 0:
            return text
        offset = text[cut:]
        return text[:cut] + (offset + ":00" if len(offset) == 3 else offset)


class IntervalJsonLoader(_WithDefault):
    """interval: a .NET TimeSpan, '[-][d.]hh:mm:ss[.fffffff]'.

    A TimeSpan has no months: psycopg counts a month as 30 days and a year as 365 (Npgsql
    refuses such intervals). Values beyond Python's range, or written in another IntervalStyle
    than ``postgres``, come back as PostgreSQL's text.
    """

    def load(self, data: Buffer) -> str:
        value: timedelta | None
        try:
            value = self._value(data)
        except NotImplementedError:  # psycopg reads IntervalStyle postgres only
            value = None
        return _text(data) if value is None else format_timespan(value)


_CUSTOM_LOADERS: dict[str, type[Loader]] = {
    "float4": FloatJsonLoader,
    "float8": FloatJsonLoader,
    "numeric": NumericJsonLoader,
    "money": MoneyJsonLoader,
    "bytea": ByteaJsonLoader,
    "date": DateJsonLoader,
    "time": TimeJsonLoader,
    "timetz": TimetzJsonLoader,
    "timestamp": TimestampJsonLoader,
    "timestamptz": TimestamptzJsonLoader,
    "interval": IntervalJsonLoader,
}


def use_json_values(connection: psycopg.Connection[Any]) -> None:
    """Make ``connection``'s cursors return ADF's JSON values (text result format)."""
    adapters = connection.adapters
    for oid, loader in _LOADERS.items():
        adapters.register_loader(oid, loader)


def _loaders() -> dict[int, type[Loader]]:
    """The loader of every built-in type, array and range that psycopg would not load as JSON.

    Types outside the built-in catalogue (enums, domains over text, PostGIS, ...) have no
    psycopg loader and already arrive as text.
    """
    custom = {postgres.types[name].oid: loader for name, loader in _CUSTOM_LOADERS.items()}
    oids = {info.oid for info in postgres.types} | {info.array_oid for info in postgres.types if info.array_oid}
    as_text: dict[int, type[Loader]] = {oid: TextLoader for oid in oids if oid not in _JSON_READY}
    return {**as_text, **custom}


_LOADERS = _loaders()
