"""ADF's date functions (spec 7.3): timestamps in and out as strings.

Each function takes already-evaluated arguments and returns a JSON value; ``FUNCTIONS`` maps
ADF's names to them. Timestamps are read as .NET's ``DateTime.Parse`` reads them
(:mod:`~pgfactory.expressions.dotnet_datetime_parse`: an offset is converted to UTC, no zone
stays zone-less) and written with a .NET format (:mod:`~pgfactory.expressions.dotnet_datetime`),
``"o"`` by default: ``2018-03-15T00:00:10.0000000Z`` for UTC, no suffix for a zone-less value
(an omitted or null format is ``"o"``; an empty one is .NET's default, ``"G"``). Arithmetic
keeps that kind, as .NET's ``DateTime.Add*`` does; ``Month`` and ``Year`` clamp the day to the
target month's length, as ``AddMonths`` does (Jan 31 + 1 month = Feb 28/29).

Time zones are Windows IDs or IANA names (:mod:`~pgfactory.expressions.windows_time_zones`).
As with .NET's ``TimeZoneInfo.ConvertTime``, a source zone applies to a zone-less timestamp;
one that already says UTC (``Z`` or an offset) can only be converted from ``'UTC'``. A result in
a zone other than UTC has no zone suffix (ADF: ``convertTimeZone(..., 'UTC', 'Pacific Standard
Time')`` -> ``"2018-01-01T00:00:00.0000000"``).

The clock is :func:`now`, one function that tests replace to freeze time.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pgfactory.errors import ExpressionError
from pgfactory.expressions.dotnet_datetime import DateTimeFormatError, format_datetime
from pgfactory.expressions.dotnet_datetime_parse import TimestampParseError, parse_timestamp
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.windows_time_zones import (
    NonexistentLocalTimeError,
    UnknownTimeZoneError,
    find_time_zone,
    is_utc,
    local_to_utc,
    utc_to_local,
)

__all__ = ["FUNCTIONS", "now"]

DEFAULT_FORMAT = "o"
TIME_UNITS = ("Second", "Minute", "Hour", "Day", "Week", "Month", "Year")
_TICKS_EPOCH = datetime(1, 1, 1)


def now() -> datetime:
    """The current time, aware in UTC: what utcNow, getFutureTime and getPastTime start from."""
    return datetime.now(UTC)


# --- the functions, in the doc's order -------------------------------------------------------
# Argument indexes are 0-based; None marks a function of one parameter ("its parameter").


def add_days(timestamp: Any, days: Any, format: Any = None) -> str:
    return _add("addDays", timestamp, days, "Day", format)


def add_hours(timestamp: Any, hours: Any, format: Any = None) -> str:
    return _add("addHours", timestamp, hours, "Hour", format)


def add_minutes(timestamp: Any, minutes: Any, format: Any = None) -> str:
    return _add("addMinutes", timestamp, minutes, "Minute", format)


def add_seconds(timestamp: Any, seconds: Any, format: Any = None) -> str:
    return _add("addSeconds", timestamp, seconds, "Second", format)


def add_to_time(timestamp: Any, interval: Any, time_unit: Any, format: Any = None) -> str:
    name = "addToTime"
    value = _shift(name, _timestamp(name, timestamp), arguments.integer(name, interval, 1), _time_unit(name, time_unit, 2))
    return _render(name, value, format, 3)


def subtract_from_time(timestamp: Any, interval: Any, time_unit: Any, format: Any = None) -> str:
    name = "subtractFromTime"
    value = _shift(name, _timestamp(name, timestamp), -arguments.integer(name, interval, 1), _time_unit(name, time_unit, 2))
    return _render(name, value, format, 3)


def get_future_time(interval: Any, time_unit: Any, format: Any = None) -> str:
    name = "getFutureTime"
    value = _shift(name, _clock(), arguments.integer(name, interval, 0), _time_unit(name, time_unit, 1))
    return _render(name, value, format, 2)


def get_past_time(interval: Any, time_unit: Any, format: Any = None) -> str:
    name = "getPastTime"
    value = _shift(name, _clock(), -arguments.integer(name, interval, 0), _time_unit(name, time_unit, 1))
    return _render(name, value, format, 2)


def convert_from_utc(timestamp: Any, destination_time_zone: Any, format: Any = None) -> str:
    name = "convertFromUtc"
    value = _timestamp(name, timestamp)
    instant = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return _render(name, _in_zone(instant, _zone(name, destination_time_zone, 1)), format, 2)


def convert_time_zone(timestamp: Any, source_time_zone: Any, destination_time_zone: Any, format: Any = None) -> str:
    name = "convertTimeZone"
    instant = _instant(name, timestamp, source_time_zone)
    return _render(name, _in_zone(instant, _zone(name, destination_time_zone, 2)), format, 3)


def convert_to_utc(timestamp: Any, source_time_zone: Any, format: Any = None) -> str:
    name = "convertToUtc"
    return _render(name, _instant(name, timestamp, source_time_zone), format, 2)


def day_of_month(timestamp: Any) -> int:
    return _timestamp("dayOfMonth", timestamp, None).day


def day_of_week(timestamp: Any) -> int:
    """0 for Sunday to 6 for Saturday, .NET's DayOfWeek (the doc's example answer 3 for a Thursday is a typo)."""
    return (_timestamp("dayOfWeek", timestamp, None).weekday() + 1) % 7


def day_of_year(timestamp: Any) -> int:
    return _timestamp("dayOfYear", timestamp, None).timetuple().tm_yday


def format_date_time(timestamp: Any, format: Any = None) -> str:
    return _render("formatDateTime", _timestamp("formatDateTime", timestamp), format, 1)


def start_of_day(timestamp: Any, format: Any = None) -> str:
    value = _timestamp("startOfDay", timestamp)
    return _render("startOfDay", value.replace(hour=0, minute=0, second=0, microsecond=0), format, 1)


def start_of_hour(timestamp: Any, format: Any = None) -> str:
    value = _timestamp("startOfHour", timestamp)
    return _render("startOfHour", value.replace(minute=0, second=0, microsecond=0), format, 1)


def start_of_month(timestamp: Any, format: Any = None) -> str:
    value = _timestamp("startOfMonth", timestamp)
    return _render("startOfMonth", value.replace(day=1, hour=0, minute=0, second=0, microsecond=0), format, 1)


def ticks(timestamp: Any) -> int:
    """.NET's DateTime.Ticks: 100-ns intervals since 0001-01-01T00:00:00 (of the UTC or zone-less clock)."""
    value = _timestamp("ticks", timestamp, None).replace(tzinfo=None)
    return (value - _TICKS_EPOCH) // timedelta(microseconds=1) * 10


def utc_now(format: Any = None) -> str:
    return _render("utcNow", _clock(), format, None)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "addDays": add_days,
    "addHours": add_hours,
    "addMinutes": add_minutes,
    "addSeconds": add_seconds,
    "addToTime": add_to_time,
    "convertFromUtc": convert_from_utc,
    "convertTimeZone": convert_time_zone,
    "convertToUtc": convert_to_utc,
    "dayOfMonth": day_of_month,
    "dayOfWeek": day_of_week,
    "dayOfYear": day_of_year,
    "formatDateTime": format_date_time,
    "getFutureTime": get_future_time,
    "getPastTime": get_past_time,
    "startOfDay": start_of_day,
    "startOfHour": start_of_hour,
    "startOfMonth": start_of_month,
    "subtractFromTime": subtract_from_time,
    "ticks": ticks,
    "utcNow": utc_now,
}


# --- arguments -------------------------------------------------------------------------------


def _timestamp(name: str, value: Any, index: int | None = 0) -> datetime:
    if not isinstance(value, str):
        raise arguments.type_error(name, index, "a string that contains a timestamp", value)
    try:
        return parse_timestamp(value)
    except TimestampParseError as error:
        raise ExpressionError(
            f"In function '{name}', the value provided for date time string '{value}' was not valid. The datetime "
            f"string must match ISO 8601 format (or another form .NET's DateTime.Parse reads, such as "
            f"'MM/dd/yyyy HH:mm:ss'): {error}"
        ) from None


def _time_unit(name: str, value: Any, index: int) -> str:
    text = arguments.string(name, value, index).strip()
    for unit in TIME_UNITS:
        if unit.casefold() == text.casefold():
            return unit
    raise arguments.invalid_value(
        name, f"The time unit '{value}' is not one of {', '.join(repr(unit) for unit in TIME_UNITS)}."
    )


def _zone(name: str, value: Any, index: int) -> ZoneInfo:
    if not isinstance(value, str):
        raise arguments.type_error(name, index, "a string that names a time zone", value)
    try:
        return find_time_zone(value)
    except UnknownTimeZoneError as error:
        raise ExpressionError(f"In function '{name}', the time zone {error}") from None


def _clock() -> datetime:
    return now().astimezone(UTC)


# --- arithmetic, zones and output ------------------------------------------------------------


def _add(name: str, timestamp: Any, interval: Any, unit: str, format: Any) -> str:
    value = _shift(name, _timestamp(name, timestamp), arguments.integer(name, interval, 1), unit)
    return _render(name, value, format, 2)


def _shift(name: str, value: datetime, interval: int, unit: str) -> datetime:
    try:
        if unit in ("Month", "Year"):
            return _add_months(value, interval * (12 if unit == "Year" else 1))
        step = {"Second": timedelta(seconds=1), "Minute": timedelta(minutes=1), "Hour": timedelta(hours=1),
                "Day": timedelta(days=1), "Week": timedelta(weeks=1)}[unit]
        return value + step * interval
    except (OverflowError, ValueError):
        raise ExpressionError(
            f"In function '{name}', adding {interval} {unit}(s) to {value:%Y-%m-%dT%H:%M:%S} leaves the range of "
            "dates .NET supports (0001-01-01 to 9999-12-31)"
        ) from None


def _add_months(value: datetime, months: int) -> datetime:
    """.NET's AddMonths: the same day of month, clamped to the target month's last day."""
    year, month_index = divmod(value.year * 12 + value.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    month = month_index + 1
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


def _instant(name: str, timestamp: Any, source_time_zone: Any) -> datetime:
    """The UTC instant of ``timestamp`` read in ``source_time_zone`` (.NET ConvertTime rules)."""
    value = _timestamp(name, timestamp)
    zone = _zone(name, source_time_zone, 1)
    if value.tzinfo is not None:
        if not is_utc(zone):
            raise ExpressionError(
                f"In function '{name}', the timestamp '{timestamp}' already carries a time zone (Z or an offset, "
                f"read as UTC), so it cannot be read as '{source_time_zone}' time: pass 'UTC' as the source time "
                "zone, or drop the zone suffix to mean the source zone's wall-clock time"
            )
        return value
    if is_utc(zone):
        return value.replace(tzinfo=UTC)
    try:
        return local_to_utc(value, zone)
    except NonexistentLocalTimeError as error:
        raise ExpressionError(f"In function '{name}', the time {error} ('{source_time_zone}')") from None


def _in_zone(instant: datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant as ``zone``'s wall clock; still UTC (``Z``) when the zone is UTC, as in .NET."""
    return instant if is_utc(zone) else utc_to_local(instant, zone)


def _render(name: str, value: datetime, format: Any, index: int | None) -> str:
    if format is None:
        format = DEFAULT_FORMAT
    if not isinstance(format, str):
        raise arguments.type_error(name, index, "a .NET date and time format string", format)
    try:
        return format_datetime(value, format)
    except DateTimeFormatError as error:
        raise ExpressionError(f"In function '{name}', the format '{format}' is not a valid .NET date and time format: "
                              f"{error}") from None
