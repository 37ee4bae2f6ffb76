"""Reading a date and time written in one given .NET format, as ``DateTime.ParseExact`` and
``DateTimeOffset.ParseExact`` do with the en-US culture (the invariant culture reads custom
formats the same way) and no styles.

The format is split as :func:`pgfactory.expressions.dotnet_datetime.format_tokens` splits it
for writing, and the text must hold each part exactly, with nothing before or after:

- ``d``, ``M``, ``h``, ``H``, ``m``, ``s``: one or two digits; doubled: exactly two;
- ``y``/``yy``: one or two digits, a two-digit year is 20xx up to 49 and 19xx from 50 (.NET's
  ``TwoDigitYearMax`` of 2049); ``yyy`` and longer: exactly that many digits;
- ``MMM``/``MMMM``, ``ddd``/``dddd``: English month and day names, in any case; a day name must
  be the date's;
- ``f``...: exactly that many fraction digits; ``F``...: up to that many, and a ``.`` just
  before them may go with them;
- ``t``: ``A`` or ``P``; ``tt``: ``AM`` or ``PM`` in any case; with ``h`` and no designator the
  time is AM (``12`` is midnight), as in .NET;
- ``z``, ``zz``: ``+h``/``+hh`` with optional ``:mm``; ``zzz``: ``+hh:mm`` (the colon optional);
  ``K``: ``Z``, an offset or nothing; offsets beyond 14:00 are refused;
- ``g``: ``A.D.`` or ``AD``; anything else: the same text, case included.

A part the format names twice must have the same value both times. Missing date parts are
filled as .NET fills them: no year, month or day at all is today's date (in UTC, the time zone
of ADF's hosts); otherwise a missing month or day is 1 and a missing year this year.

The result is naive when the text has no offset and aware (a fixed ``timezone``, ``Z`` being
+00:00) when it has one: the caller decides what a DateTime or a DateTimeOffset makes of it.
Python keeps microseconds, so a seventh fraction digit is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import TypeVar

from pgfactory.expressions.dotnet_datetime import DAY_NAMES, MONTH_NAMES, FormatToken, custom_pattern, format_tokens

__all__ = ["DateTimeParseError", "parse_exact"]

_T = TypeVar("_T")


class DateTimeParseError(ValueError):
    """A text that does not hold a date and time in the format it is read with."""


_TWO_DIGIT_YEAR_MAX = 2049
_MAX_OFFSET = timedelta(hours=14)
_MONTHS = {name.casefold(): number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_ABBREVIATIONS = {name[:3]: number for name, number in _MONTHS.items()}
_DAYS = {name.casefold(): number for number, name in enumerate(DAY_NAMES)}
_DAY_ABBREVIATIONS = {name[:3]: number for name, number in _DAYS.items()}


def _names(names: dict[str, int]) -> str:
    return "(?i:(" + "|".join(sorted(names, key=len, reverse=True)) + "))"


def _digits(count: int) -> str:
    # Possessive: .NET reads digits greedily and never gives one back to the next part.
    return r"(\d{1,2}+)" if count == 1 else rf"(\d{{{count}}})"


_OFFSETS = {1: r"([+-]\d{1,2}+(?::\d{2})?)", 2: r"([+-]\d{2}(?::\d{2})?)", 3: r"([+-]\d{1,2}+:?\d{2})"}


@dataclass(frozen=True)
class _Reader:
    """A format compiled to one regular expression, and the specifier each of its groups holds."""

    expression: re.Pattern[str]
    groups: tuple[FormatToken, ...]


def _part(token: FormatToken) -> str:
    char, count = token.specifier, token.count
    if char in "dM" and count >= 3:
        if char == "d":
            return _names(_DAYS if count > 3 else _DAY_ABBREVIATIONS)
        return _names(_MONTHS if count > 3 else _MONTH_ABBREVIATIONS)
    if char in "dMhHms":
        return _digits(min(count, 2))
    if char == "y":
        return _digits(count)
    if char == "f":
        return rf"(\d{{{count}}})"
    if char == "F":
        return rf"(\d{{0,{count}}}+)"
    if char == "t":
        return "([AP])" if count == 1 else "(?i:(AM|PM))"
    if char == "z":
        return _OFFSETS[min(count, 3)]
    if char == "K":
        return r"(Z|[+-]\d{1,2}+:?\d{2})?"
    return r"(?i:(A\.D\.|AD))"  # g, the era


@lru_cache(maxsize=64)
def _reader(format: str) -> _Reader:
    tokens = format_tokens(custom_pattern(format))
    parts: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.specifier:
            point_before = index > 0 and tokens[index - 1].text.endswith(".") and token.specifier == "F"
            parts.append(_part(token) + (")?" if point_before else ""))
        elif token.text.endswith(".") and following is not None and following.specifier == "F":
            # .NET lets the point go when the optional fraction after it goes.
            parts.append(re.escape(token.text[:-1]) + r"(?:\.")
        else:
            parts.append(re.escape(token.text))
    return _Reader(re.compile("".join(parts)), tuple(token for token in tokens if token.specifier))


def parse_exact(text: str, format: str) -> datetime:
    """The date and time ``text`` holds in the .NET ``format``: naive without an offset in the
    text, aware with one (see the module docstring). Raises DateTimeParseError when the text
    does not match, DateTimeFormatError for a format .NET refuses."""
    reader = _reader(format)
    match = reader.expression.fullmatch(text)
    if match is None:
        raise DateTimeParseError(f"{text!r} does not match the format {format!r}")
    values: dict[str, int] = {}
    designator: str | None = None
    offset: timedelta | None = None
    twelve_hour = False
    for token, found in zip(reader.groups, match.groups(), strict=True):
        char = token.specifier
        if found is None or char == "g":
            continue  # an absent K; the era says nothing
        if char == "t":
            designator = _same(text, "AM/PM designator", designator, found[0].upper())
        elif char in "zK":
            offset = _same(text, "offset", offset, _offset(text, found))
        else:
            key, number = _field(token, found)
            values[key] = _same(text, key, values.get(key), number)
            twelve_hour = twelve_hour or char == "h"
    value = _build(text, format, values, _hour(text, values.get("hour", 0), designator, twelve_hour))
    return value if offset is None else value.replace(tzinfo=timezone(offset))


def _same(text: str, what: str, known: _T | None, value: _T) -> _T:
    if known is not None and known != value:
        raise DateTimeParseError(f"{text!r} gives two different values for the {what}")
    return value


def _field(token: FormatToken, found: str) -> tuple[str, int]:
    char, count = token.specifier, token.count
    folded = found.casefold()
    if char == "M" and count >= 3:
        return "month", _MONTHS.get(folded) or _MONTH_ABBREVIATIONS[folded]
    if char == "d" and count >= 3:
        return "weekday", _DAYS[folded] if folded in _DAYS else _DAY_ABBREVIATIONS[folded]
    if char == "y":
        year = int(found)
        if count <= 2:
            year += 2000 if 2000 + year <= _TWO_DIGIT_YEAR_MAX else 1900
        return "year", year
    if char in "fF":
        return "microsecond", int(found[:6].ljust(6, "0"))
    return {"d": "day", "M": "month", "h": "hour", "H": "hour", "m": "minute", "s": "second"}[char], int(found)


def _offset(text: str, found: str) -> timedelta:
    if found == "Z":
        return timedelta(0)
    digits = found[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if offset > _MAX_OFFSET or int(minutes) > 59:
        raise DateTimeParseError(f"{text!r}: the offset {found} is not between -14:00 and +14:00")
    return -offset if found[0] == "-" else offset


def _hour(text: str, hour: int, designator: str | None, twelve_hour: bool) -> int:
    """The hour of the day, as .NET settles ``h``/``H`` with ``t``/``tt``."""
    if twelve_hour:
        if hour > 12:
            raise DateTimeParseError(f"{text!r}: hour {hour} is not on a 12-hour clock")
        return hour % 12 + (12 if designator == "P" else 0)
    if designator is not None and (designator == "P") != (hour >= 12):
        raise DateTimeParseError(f"{text!r}: hour {hour} is not {designator}M")
    return hour


def _build(text: str, format: str, values: dict[str, int], hour: int) -> datetime:
    today = datetime.now(UTC)
    year, month, day = values.get("year"), values.get("month"), values.get("day")
    if year is None and month is None and day is None:
        year, month, day = today.year, today.month, today.day
    try:
        value = datetime(today.year if year is None else year, month or 1, day or 1, hour, values.get("minute", 0),
                         values.get("second", 0), values.get("microsecond", 0))
    except ValueError as error:
        raise DateTimeParseError(f"{text!r} in the format {format!r} is not a valid date and time: {error}") from None
    weekday = values.get("weekday")
    if weekday is not None and weekday != value.weekday():
        raise DateTimeParseError(f"{text!r}: {value:%Y-%m-%d} is a {DAY_NAMES[value.weekday()]}, not a {DAY_NAMES[weekday]}")
    return value
