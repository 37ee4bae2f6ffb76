"""Dates and times as text in a .NET format, a whole Arrow column at a time.

A Copy activity's ``translator.typeConversionSettings`` name .NET custom formats
(``yyyy-MM-dd HH:mm:ss``, ``dd/MM/yyyy``) for writing dates and times as text and reading them
back. A format is translated to an Arrow ``strftime`` pattern when one renders exactly the same
text, so the column is rendered by Arrow's C kernels; otherwise each value goes through
pgfactory's .NET formatter in Python (the fallback: ``d``, ``M``, ``H`` without padding, ``F``,
seven fraction digits, ``yyyyy`` ...).

Translated: ``yy``, ``yyyy``, ``MM``, ``MMM``, ``MMMM``, ``dd``, ``ddd``, ``dddd``, ``HH``,
``hh``, ``mm``, ``ss``, ``tt``, ``g``, the offsets (always +00:00 here: PostgreSQL's instants are
written in UTC, and the hosts ADF formats on run in UTC), literal text, and ``ss.fff`` or
``ss.ffffff``: Arrow's ``%S`` writes the fraction of the column's unit, so the column is first
floored to milliseconds, microseconds or seconds (.NET truncates fractions too).

Reading uses ``strptime`` where the format translates and has a full date, no two-digit year,
no offset and no ``hh`` without ``tt``; a ``.fff``/``.ffffff`` fraction (which ``strptime``
cannot read) is cut out of the text first when only fixed-width parts follow it. ``strptime``
is lenient (one digit for ``%m``, Feb 30 rolled into March), so every value read is rendered
again and compared with its text: the values that differ, and those ``strptime`` refused, are
read by the .NET ``ParseExact`` in Python, which reads them as .NET does or says why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from pgfactory.expressions.dotnet_datetime import FormatToken, custom_pattern, format_datetime, format_tokens
from pgfactory.expressions.dotnet_datetime_exact import DateTimeParseError, parse_exact

_ZERO_OFFSET = timezone(timedelta(0), "+00:00")
"""A DateTimeOffset's +00:00 (not ``UTC``, which the .NET formatter takes for a DateTime of kind Utc)."""
_UNITS = {0: "s", 3: "ms", 6: "us"}  # fraction digits after ss -> the unit whose %S writes them
_FLOOR_UNITS = {"s": "second", "ms": "millisecond", "us": "microsecond"}
_FIXED_WIDTHS = {("y", 4): 4, ("M", 3): 3, ("d", 3): 3, ("g", 1): 4, ("g", 2): 4}  # the others write 2
TEXT = pa.large_string()
_DOTNET_MIN, _DOTNET_MAX = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999_999)


class DateTimeTextError(ValueError):
    """A value that cannot be written in, or read from, a date and time format."""


@dataclass(frozen=True)
class _Translation:
    pattern: str  # strftime/strptime; for reading, without the fraction
    unit: str  # the unit whose %S writes the format's fraction digits
    fraction_digits: int
    width_after_fraction: int | None  # characters after the fraction, when fixed
    readable: bool  # whether strptime reads the format (see the module docstring)


@dataclass(frozen=True)
class DateTimeFormat:
    """A .NET date and time format for DateTime values (``offset`` False: ``timestamp``, ``date``)
    or DateTimeOffset values (``offset`` True: ``timestamptz``, an instant with offset +00:00)."""

    text: str
    offset: bool = False

    def __post_init__(self) -> None:
        format_tokens(custom_pattern(self.text))  # a format .NET refuses raises DateTimeFormatError now

    @property
    def translation(self) -> _Translation | None:
        return _translate(self.text, offset=self.offset)

    def render(self, column: pa.Array) -> pa.Array:
        """A timestamp or date column as text in this format, nulls kept. PostgreSQL's infinities
        are written as .NET's largest and smallest DateTime (Npgsql reads them so); other values
        outside 0001-9999, which no .NET date holds, raise DateTimeTextError."""
        column, outside = _dotnet_range(column)
        if pc.any(outside).as_py():
            raise DateTimeTextError("a value is outside the dates .NET can write (0001-01-01 to 9999-12-31)")
        naive = _naive(column)
        translation = self.translation
        if translation is not None:
            floored = pc.floor_temporal(naive, unit=_FLOOR_UNITS[translation.unit])
            return pc.cast(pc.strftime(floored.cast(pa.timestamp(translation.unit)), format=translation.pattern), TEXT)
        zone = _ZERO_OFFSET if self.offset else None
        return pa.array([None if value is None else format_datetime(value.replace(tzinfo=zone), self.text)
                         for value in naive.to_pylist()], TEXT)

    def parse(self, text: pa.Array) -> tuple[pa.Array, pa.Array]:
        """A string column read in this format: ``(timestamp[us] values, failed)``, where
        ``failed`` is True for each non-null text that is not a date and time in the format (its
        value is null). DateTimeOffset values are instants (``tz=UTC``); a DateTime read with an
        offset is converted to UTC, as .NET converts it to the (UTC) host's local time."""
        text = pc.cast(text, TEXT)
        target = pa.timestamp("us", tz="UTC" if self.offset else None)
        translation = self.translation
        pending = pc.is_valid(text)
        values = pa.nulls(len(text), target)
        if translation is not None and translation.readable:
            parsed, outside = _dotnet_range(_strptime(text, translation))  # strptime reads the year 0
            parsed = pc.if_else(outside, pa.scalar(None, parsed.type), parsed)
            exact = pc.fill_null(pc.equal(self.render(parsed), text), False)
            values = pc.cast(parsed, pa.timestamp("us")).cast(target)
            pending = pc.and_(pending, pc.invert(exact))
        failed = pa.repeat(False, len(text))
        if pc.any(pending).as_py():
            read = [self._parse_one(value) for value in pc.filter(text, pending).to_pylist()]
            values = pc.replace_with_mask(values, pending, pa.array(read, target))
            failed = pc.replace_with_mask(failed, pending, pa.array([value is None for value in read]))
        return values, failed

    def parse_error(self, text: str) -> str:
        """Why ``text`` is not a date and time in this format."""
        try:
            parse_exact(text, self.text)
        except DateTimeParseError as error:
            return str(error)
        return f"{text!r} does not match the format {self.text!r}"

    def _parse_one(self, text: str) -> datetime | None:
        try:
            value = parse_exact(text, self.text)
        except DateTimeParseError:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC) if self.offset else value
        utc = value.astimezone(UTC)
        return utc if self.offset else utc.replace(tzinfo=None)


def _dotnet_range(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``column`` with PostgreSQL's infinities (DuckDB's sentinels: the storage type's largest
    magnitude) as .NET's DateTime.MaxValue/MinValue, and which of its values are beyond those."""
    kind = column.type
    if pa.types.is_date(kind):
        storage, infinity, low, high = pa.int32(), 2**31 - 1, date(1, 1, 1), date(9999, 12, 31)
    elif kind.unit == "ns":
        return column, pa.repeat(False, len(column))  # nanoseconds reach only 1677 to 2262
    else:
        zone = None if kind.tz is None else UTC
        storage, infinity, low, high = pa.int64(), 2**63 - 1, _DOTNET_MIN.replace(tzinfo=zone), _DOTNET_MAX.replace(tzinfo=zone)
    lowest, highest = pa.scalar(low, kind), pa.scalar(high, kind)
    raw = column.view(storage)
    column = pc.if_else(pc.equal(raw, infinity), highest, pc.if_else(pc.equal(raw, -infinity), lowest, column))
    return column, pc.fill_null(pc.or_(pc.less(column, lowest), pc.greater(column, highest)), False)


def _naive(column: pa.Array) -> pa.Array:
    """Timestamps without a zone (a zoned one's UTC clock time); dates as midnight."""
    if pa.types.is_date(column.type):
        return pc.cast(column, pa.timestamp("s"))
    return column.cast(pa.timestamp(column.type.unit)) if column.type.tz is not None else column


def _strptime(text: pa.Array, translation: _Translation) -> pa.Array:
    """``strptime`` of the texts (null where it fails), in ``translation.unit``; a fraction is
    cut out of the text first and added after."""
    digits = translation.fraction_digits
    if not digits:
        return pc.strptime(text, format=translation.pattern, unit="s", error_is_null=True)
    after = translation.width_after_fraction or 0
    fraction = pc.utf8_slice_codeunits(text, -(after + digits), -after if after else None)
    rest = pc.utf8_slice_codeunits(text, 0, -(after + digits + 1))
    if after:
        rest = pc.binary_join_element_wise(rest, pc.utf8_slice_codeunits(text, -after), pa.scalar("", TEXT))
    seconds = pc.strptime(rest, format=translation.pattern, unit="s", error_is_null=True)
    well_formed = pc.match_substring_regex(fraction, f"^[0-9]{{{digits}}}$")
    parts = pc.cast(pc.if_else(well_formed, fraction, pa.scalar("0", TEXT)), pa.int64())
    unit = translation.unit
    return pc.add(seconds.cast(pa.timestamp(unit)), pc.cast(parts, pa.duration(unit)))


@lru_cache(maxsize=64)
def _translate(format_text: str, *, offset: bool) -> _Translation | None:
    """The strftime counterpart of a .NET format, or None when Arrow cannot write it exactly."""
    tokens = format_tokens(custom_pattern(format_text))
    pattern: list[str] = []
    units: set[str] = set()
    fraction_digits, fraction_at = 0, None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1:index + 3]
        if token.specifier == "s" and token.count >= 2 and len(following) == 2 and following[0].text == "." \
                and following[1].specifier == "f":
            fraction_digits = following[1].count
            if fraction_digits not in _UNITS:
                return None
            units.add(_UNITS[fraction_digits])
            fraction_at = index + 3
            pattern.append("%S")
            index += 3
            continue
        if token.specifier == "s" and token.count >= 2:
            units.add("s")
        piece = _strftime_piece(token, offset=offset)
        if piece is None or len(units) > 1:
            return None
        pattern.append(piece)
        index += 1
    if len(units) > 1:
        return None
    after = None if fraction_at is None else _fixed_width(tokens[fraction_at:])
    return _Translation("".join(pattern), units.pop() if units else "s", fraction_digits, after,
                        readable=_readable(tokens) and (fraction_at is None or after is not None))


def _strftime_piece(token: FormatToken, *, offset: bool) -> str | None:
    char, count = token.specifier, token.count
    if not char:
        return token.text.replace("%", "%%")
    if char == "y":
        return {2: "%y", 4: "%Y"}.get(count)
    if char in "Md":
        numeric = "%m" if char == "M" else "%d"
        short, long = ("%b", "%B") if char == "M" else ("%a", "%A")
        return None if count == 1 else numeric if count == 2 else short if count == 3 else long
    if char in "hHms":
        return None if count == 1 else {"h": "%I", "H": "%H", "m": "%M", "s": "%S"}[char]
    if char == "t":
        return "%p" if count >= 2 else None
    if char == "g":
        return "A.D."
    if char == "z":
        return {1: "+0", 2: "+00"}.get(count, "+00:00")
    if char == "K":
        return "+00:00" if offset else ""
    return None  # f and F outside ss.fff


def _readable(tokens: list[FormatToken]) -> bool:
    """Whether strptime reads what the translated pattern writes as .NET's ParseExact reads it:
    a full date (a four-digit year, a month, a day of the month), no offset, ``hh`` only with ``tt``."""
    parts = {(token.specifier, min(token.count, 3)) for token in tokens if token.specifier}
    letters = {letter for letter, _ in parts}
    return (("y", 3) in parts and ("y", 2) not in parts and "M" in letters and ("d", 2) in parts
            and not {"z", "K"} & letters and ("h" not in letters or "t" in letters))


def _fixed_width(tokens: list[FormatToken]) -> int | None:
    """How many characters ``tokens`` (translated ones) always write, or None when that varies."""
    width = 0
    for token in tokens:
        if not token.specifier:
            width += len(token.text)
        elif token.specifier in "yMd" and token.count >= 4 and token.specifier != "y":
            return None  # full month and day names
        else:
            width += _FIXED_WIDTHS.get((token.specifier, token.count), 2)
    return width
