"""Reading ADF timestamp strings the way .NET's ``DateTime.Parse`` does.

ADF reads a timestamp argument as ``DateTime.Parse(text, InvariantCulture, AdjustToUniversal)``,
which explains what its functions return:

- no zone (``'03/15/2018 12:00:00'``): kind Unspecified, kept as written; ``o`` prints no suffix
  (Logic Apps documents ``formatDateTime('03/15/2018')`` -> ``'2018-03-15T00:00:00.0000000'``);
- ``Z``/``GMT``: kind Utc; ``o`` prints ``Z``;
- an offset (``+13:00``): converted to UTC, kind Utc, so the offset is *not* kept
  (``formatDateTime('2018-12-15T05:00:00+13:00', 'dd-MMM')`` gives ``14-Dec`` in ADF and Logic
  Apps, reported in MicrosoftDocs/azure-docs#20703).

The result follows :mod:`pgfactory.expressions.dotnet_datetime`'s convention: aware with
``UTC`` for Utc, naive for Unspecified.

Accepted forms (invariant culture, month before day): ISO 8601 dates with an optional ``T`` or
space and a time (``HH:mm``, ``HH:mm:ss``, up to 7 fraction digits, more are cut), ``M/d/yyyy``
(also ``-`` or ``.`` between parts, 2-digit years as .NET: 00-49 -> 20xx), ``yyyy/M/d``, month
names (``March 15, 2018``, ``15 Mar 2018``, RFC 1123 ``Thu, 15 Mar 2018 12:00:00 GMT``) with an
optional day name that must match the date, 12-hour times with ``AM``/``PM``, and zones ``Z``,
``GMT``, ``UTC``, ``+hh``, ``+hhmm``, ``+hh:mm``. A time without a date (which .NET puts on today's
date) is refused. Python keeps microseconds, so a 7th fraction digit is dropped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pgfactory.expressions.dotnet_datetime import DAY_NAMES, MONTH_NAMES

__all__ = ["TimestampParseError", "parse_timestamp"]


class TimestampParseError(ValueError):
    """A string .NET's DateTime.Parse would not read as a date and time."""


_MONTHS = {name.casefold(): number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTHS.update({name[:3].casefold(): number for name, number in list(_MONTHS.items())})
_WEEKDAYS = {name.casefold(): number for number, name in enumerate(DAY_NAMES)}
_WEEKDAYS.update({name[:3].casefold(): number for name, number in list(_WEEKDAYS.items())})

_WEEKDAY = r"(?:(?P<weekday>[A-Za-z]+)\.?,?\s+)?"
_DATES = (
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
    r"(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})",
    r"(?P<month>\d{1,2})(?P<separator>[/.-])(?P<day>\d{1,2})(?P=separator)(?P<year>\d{4}|\d{2})",
    _WEEKDAY + r"(?P<month_name>[A-Za-z]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})",
    _WEEKDAY + r"(?P<day>\d{1,2})[\s-]+(?P<month_name>[A-Za-z]+)\.?,?[\s-]+(?P<year>\d{4})",
)
_TIME = (
    r"(?:(?:[Tt]|\s+|,\s*)"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?:\s*(?P<meridiem>[AaPp]\.?[Mm]?\.?))?)?"
)
_ZONE = r"\s*(?P<zone>[Zz]|GMT|UTC|(?P<sign>[+-])(?P<zone_hours>\d{1,2})(?::?(?P<zone_minutes>\d{2}))?)?"
_PATTERNS = tuple(re.compile(r"\s*" + date + _TIME + _ZONE + r"\s*") for date in _DATES)

_MAX_OFFSET = timedelta(hours=14)
_TWO_DIGIT_YEAR_MAX = 2049


def parse_timestamp(text: str) -> datetime:
    """A naive (Unspecified) or UTC-aware datetime for ``text``; see the module docstring."""
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _build(text, match)
    raise TimestampParseError(f"'{text}' is not a date and time .NET can read")


def _build(text: str, match: re.Match[str]) -> datetime:
    parts = match.groupdict()
    year = int(parts["year"])
    if len(parts["year"]) == 2:
        year += 2000 if 2000 + year <= _TWO_DIGIT_YEAR_MAX else 1900
    month = _MONTHS.get(parts["month_name"].casefold()) if parts.get("month_name") else int(parts["month"])
    if month is None:
        raise TimestampParseError(f"'{text}': '{parts['month_name']}' is not a month name")
    hour = _hour(text, parts)
    fraction = (parts["fraction"] or "")[:6].ljust(6, "0")
    try:
        value = datetime(year, month, int(parts["day"]), hour, int(parts["minute"] or 0), int(parts["second"] or 0),
                         int(fraction))
    except ValueError as error:
        raise TimestampParseError(f"'{text}' is not a valid date and time: {error}") from None
    _check_weekday(text, parts.get("weekday"), value)
    return _apply_zone(text, value, parts)


def _hour(text: str, parts: dict[str, str | None]) -> int:
    if parts["hour"] is None:
        return 0
    hour = int(parts["hour"])
    meridiem = parts["meridiem"]
    if meridiem is None:
        if parts["minute"] is None:
            raise TimestampParseError(f"'{text}': an hour without minutes needs AM or PM")
        return hour
    if hour > 12:
        raise TimestampParseError(f"'{text}': hour {hour} cannot be followed by AM or PM")
    return hour % 12 + (12 if meridiem[0] in "Pp" else 0)


def _check_weekday(text: str, weekday: str | None, value: datetime) -> None:
    if weekday is None:
        return
    number = _WEEKDAYS.get(weekday.casefold())
    if number is None:
        raise TimestampParseError(f"'{text}': '{weekday}' is not a day name")
    if number != value.weekday():
        raise TimestampParseError(f"'{text}': {value:%Y-%m-%d} is a {DAY_NAMES[value.weekday()]}, not a {weekday}")


def _apply_zone(text: str, value: datetime, parts: dict[str, str | None]) -> datetime:
    zone = parts["zone"]
    if zone is None:
        return value
    offset = timedelta(0)
    if parts["sign"] is not None:
        offset = timedelta(hours=int(parts["zone_hours"] or 0), minutes=int(parts["zone_minutes"] or 0))
        if offset > _MAX_OFFSET:
            raise TimestampParseError(f"'{text}': the offset {zone} is beyond ±14:00")
        if parts["sign"] == "-":
            offset = -offset
    try:
        return (value - offset).replace(tzinfo=UTC)
    except OverflowError:
        raise TimestampParseError(f"'{text}' is outside the range 0001-01-01 to 9999-12-31 in UTC") from None
