""".NET date and time format strings, applied to Python datetimes.

ADF's date functions take a ``format`` that is a .NET standard format (one character: ``o``,
``D``, ``u``, ...) or a custom pattern (``yyyy-MM-ddTHH:mm:ss.fffK``), and format with the
``en-US`` culture: the documented example ``convertFromUtc(..., 'D')`` gives
``"Monday, January 1, 2018"``, which is en-US's long date, not the invariant culture's
``"Monday, 01 January 2018"`` (Logic Apps, which shares the engine, documents ``en-us`` as the
default locale of ``formatDateTime``).

A Python datetime stands for a .NET value this way:

- aware with ``tzinfo is UTC``: a ``DateTime`` of kind Utc (``K`` -> ``Z``);
- naive: a ``DateTime`` of kind Unspecified (``K`` -> nothing);
- aware with any other tzinfo: a ``DateTimeOffset`` (``K`` and ``zzz`` -> its offset).

For a ``DateTime``, ``z``/``zz``/``zzz`` print the host's local offset; ADF's hosts run in UTC, so
they print ``+0``/``+00``/``+00:00``. .NET keeps 100-ns ticks, Python microseconds: the seventh
fractional digit (``fffffff``) is always 0 here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["DateTimeFormatError", "FormatToken", "custom_pattern", "format_datetime", "format_tokens"]


class DateTimeFormatError(ValueError):
    """A format string .NET would reject with a FormatException."""


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""en-US day names in Python's weekday order (Monday = 0)."""
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
_ERA_NAME = "A.D."
_AM, _PM = "AM", "PM"
SPECIFIERS = frozenset("hHmsdMyfFtgzK")
"""The letters a custom pattern reads as specifiers; every other character is literal text."""

_ROUND_TRIP = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"
_RFC1123 = "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"
_UNIVERSAL_SORTABLE = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'"
_FULL_DATE_LONG_TIME = "dddd, MMMM d, yyyy h:mm:ss tt"

_STANDARD_PATTERNS = {
    "d": "M/d/yyyy",
    "D": "dddd, MMMM d, yyyy",
    "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": _FULL_DATE_LONG_TIME,
    "g": "M/d/yyyy h:mm tt",
    "G": "M/d/yyyy h:mm:ss tt",
    "M": "MMMM d",
    "m": "MMMM d",
    "O": _ROUND_TRIP,
    "o": _ROUND_TRIP,
    "R": _RFC1123,
    "r": _RFC1123,
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "h:mm tt",
    "T": "h:mm:ss tt",
    "u": _UNIVERSAL_SORTABLE,
    "U": _FULL_DATE_LONG_TIME,
    "Y": "MMMM yyyy",
    "y": "MMMM yyyy",
}
# These print UTC: a DateTimeOffset is converted first (a DateTime is printed as it is).
_CONVERTED_TO_UTC = frozenset("RruU")

_HOST_UTC_OFFSET = timedelta(0)
"""What .NET's local time zone is on ADF's hosts; used by ``z`` for DateTime values."""


def format_datetime(value: datetime, format: str) -> str:
    """``value.ToString(format, en-US)`` as .NET writes it.

    An empty format is .NET's default, ``G``. Raises DateTimeFormatError where .NET throws
    FormatException (an unknown one-character format, ``fffffffff``, an unclosed quote, a
    trailing ``\\`` or ``%``).
    """
    pattern = custom_pattern(format)
    if len(format) == 1 and format in _CONVERTED_TO_UTC and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return _format_custom(value, pattern)


def custom_pattern(format: str) -> str:
    """The custom pattern ``format`` stands for: a standard (one-character) format's en-US
    pattern, ``G``'s for an empty format, else the format itself."""
    if format == "":
        format = "G"
    if len(format) != 1:
        return format
    pattern = _STANDARD_PATTERNS.get(format)
    if pattern is None:
        raise DateTimeFormatError(
            f"'{format}' is not a .NET standard date and time format "
            f"(one of {', '.join(_STANDARD_PATTERNS)}); write '%{format}' for the single custom specifier"
        )
    return pattern


@dataclass(frozen=True)
class FormatToken:
    """One element of a custom pattern: a specifier letter (``specifier``) repeated ``count``
    times, or literal text (``specifier`` empty, the text in ``text``)."""

    specifier: str
    count: int = 0
    text: str = ""


def format_tokens(pattern: str) -> list[FormatToken]:
    """A custom pattern as .NET reads it: specifiers with their repeat counts, and the literal
    text between them (quoted, escaped or plain) merged. Raises DateTimeFormatError for an
    unclosed quote, a trailing ``\\`` or ``%``, and more than 7 fraction digits."""
    tokens: list[FormatToken] = []

    def literal(text: str) -> None:
        if tokens and not tokens[-1].specifier:
            tokens[-1] = FormatToken("", text=tokens[-1].text + text)
        else:
            tokens.append(FormatToken("", text=text))

    index = 0
    while index < len(pattern):
        char = pattern[index]
        run = 1 if char == "K" else _run_length(pattern, index)
        if char in SPECIFIERS:
            if char in "fF" and run > 7:
                raise DateTimeFormatError(f"at most 7 fraction digits can be written; the format asks for {run}")
            tokens.append(FormatToken(char, run))
        elif char in "'\"":
            text, run = _quoted_literal(pattern, index)
            literal(text)
        elif char == "%":
            run = 2
            if index + 1 >= len(pattern) or pattern[index + 1] == "%":
                raise DateTimeFormatError("'%' must be followed by one custom format specifier")
            tokens.extend(format_tokens(pattern[index + 1]))
        elif char == "\\":
            run = 2
            if index + 1 >= len(pattern):
                raise DateTimeFormatError("the format ends with an escape character '\\'")
            literal(pattern[index + 1])
        else:
            # ':' and '/' are en-US's time and date separators, the same characters; the rest is literal.
            run = 1
            literal(char)
        index += run
    return tokens


def _format_custom(value: datetime, pattern: str) -> str:
    out: list[str] = []
    for token in format_tokens(pattern):
        char, run = token.specifier, token.count
        if not char:
            out.append(token.text)
        elif char in "hHms":
            number = {"h": value.hour % 12 or 12, "H": value.hour, "m": value.minute, "s": value.second}[char]
            out.append(_digits(number, min(run, 2)))
        elif char == "d":
            out.append(_digits(value.day, run) if run <= 2 else _day_name(value, abbreviated=run == 3))
        elif char == "M":
            out.append(_digits(value.month, run) if run <= 2 else _month_name(value.month, abbreviated=run == 3))
        elif char == "y":
            out.append(_digits(value.year % 100, run) if run <= 2 else _digits(value.year, run))
        elif char in "fF":
            _append_fraction(out, value, run, trim=char == "F")
        elif char == "t":
            designator = _AM if value.hour < 12 else _PM
            out.append(designator[0] if run == 1 else designator)
        elif char == "g":
            out.append(_ERA_NAME)
        elif char == "z":
            out.append(_offset_text(_offset_for_z(value), run))
        else:  # K
            out.append(_round_trip_zone(value))
    return "".join(out)


def _run_length(pattern: str, index: int) -> int:
    end = index
    while end < len(pattern) and pattern[end] == pattern[index]:
        end += 1
    return end - index


def _digits(number: int, width: int) -> str:
    return str(number).zfill(width)


def _day_name(value: datetime, *, abbreviated: bool) -> str:
    name = DAY_NAMES[value.weekday()]
    return name[:3] if abbreviated else name


def _month_name(month: int, *, abbreviated: bool) -> str:
    name = MONTH_NAMES[month - 1]
    return name[:3] if abbreviated else name


def _append_fraction(out: list[str], value: datetime, count: int, *, trim: bool) -> None:
    ticks_in_second = value.microsecond * 10
    digits = str(ticks_in_second // 10 ** (7 - count)).zfill(count)
    if not trim:
        out.append(digits)
        return
    digits = digits.rstrip("0")
    if digits:
        out.append(digits)
    elif out and out[-1].endswith("."):
        # .NET drops the decimal point that would precede an empty 'F' fraction.
        out[-1] = out[-1][:-1]


def _offset_for_z(value: datetime) -> timedelta:
    if value.tzinfo is None or value.tzinfo is UTC:
        return _HOST_UTC_OFFSET
    offset = value.utcoffset()
    return offset if offset is not None else _HOST_UTC_OFFSET


def _offset_text(offset: timedelta, count: int) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    if count == 1:
        return f"{sign}{hours}"
    if count == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


def _round_trip_zone(value: datetime) -> str:
    if value.tzinfo is None:
        return ""
    if value.tzinfo is UTC:
        return "Z"
    offset = value.utcoffset()
    return _offset_text(offset if offset is not None else timedelta(0), 3)


def _quoted_literal(pattern: str, start: int) -> tuple[str, int]:
    """The text between a quote at ``start`` and its match (``\\`` escapes), and the length consumed."""
    quote = pattern[start]
    literal: list[str] = []
    index = start + 1
    while index < len(pattern):
        char = pattern[index]
        if char == quote:
            return "".join(literal), index + 1 - start
        if char == "\\":
            index += 1
            if index >= len(pattern):
                break
            char = pattern[index]
        literal.append(char)
        index += 1
    raise DateTimeFormatError(f"the quoted text starting at position {start} has no closing {quote}")
