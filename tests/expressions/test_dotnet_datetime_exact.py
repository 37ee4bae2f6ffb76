"""DateTime.ParseExact's rules (en-US): each part as the format writes it, nothing more, nothing less."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pgfactory.expressions.dotnet_datetime import DateTimeFormatError
from pgfactory.expressions.dotnet_datetime_exact import DateTimeParseError, parse_exact


@pytest.mark.parametrize(
    ("text", "format", "expected"),
    [
        ("2024-01-02 03:04:05", "yyyy-MM-dd HH:mm:ss", datetime(2024, 1, 2, 3, 4, 5)),
        ("2/1/2024", "d/M/yyyy", datetime(2024, 1, 2)),
        ("02/01/2024", "d/M/yyyy", datetime(2024, 1, 2)),
        ("24-1-2", "yy-M-d", datetime(2024, 1, 2)),
        ("49-1-2", "yy-M-d", datetime(2049, 1, 2)),
        ("50-1-2", "yy-M-d", datetime(1950, 1, 2)),
        ("0999-01-02", "yyyy-MM-dd", datetime(999, 1, 2)),
        ("2024-01-02 03:04:05.123", "yyyy-MM-dd HH:mm:ss.fff", datetime(2024, 1, 2, 3, 4, 5, 123_000)),
        ("2024-01-02 03:04:05.1234567", "yyyy-MM-dd HH:mm:ss.fffffff", datetime(2024, 1, 2, 3, 4, 5, 123_456)),
        ("03:04:05.5", "HH:mm:ss.FFF", None),
        ("Tuesday, January 2, 2024", "D", datetime(2024, 1, 2)),
        ("tue, 02 JAN 2024", "ddd, dd MMM yyyy", datetime(2024, 1, 2)),
        ("1/2/2024 12:30:00 AM", "G", datetime(2024, 1, 2, 0, 30)),
        ("1/2/2024 12:30:00 pm", "G", datetime(2024, 1, 2, 12, 30)),
        ("2024-01-02 5P", "yyyy-MM-dd ht", datetime(2024, 1, 2, 17)),
        ("2024-01-02 12", "yyyy-MM-dd hh", datetime(2024, 1, 2, 0)),  # no designator: AM
        ("A.D. 2024-01-02", "g yyyy-MM-dd", datetime(2024, 1, 2)),
        ("2024 'x'", "yyyy \\'x\\'", datetime(2024, 1, 1)),
    ],
)
def test_each_part_is_read_as_dotnet_reads_it(text: str, format: str, expected: datetime | None) -> None:
    if expected is None:  # a time without a date is on today's date
        value = parse_exact(text, format)
        assert (value.hour, value.minute, value.second, value.microsecond) == (3, 4, 5, 500_000)
        assert value.date() == datetime.now(UTC).date()
    else:
        assert parse_exact(text, format) == expected


def test_optional_fraction_takes_its_point_with_it() -> None:
    assert parse_exact("2024-01-02 03:04:05", "yyyy-MM-dd HH:mm:ss.FFF") == datetime(2024, 1, 2, 3, 4, 5)
    assert parse_exact("2024-01-02 03:04:05.5", "yyyy-MM-dd HH:mm:ss.FFF") == datetime(2024, 1, 2, 3, 4, 5, 500_000)
    with pytest.raises(DateTimeParseError):
        parse_exact("2024-01-02 03:04:0512", "yyyy-MM-dd HH:mm:ss.FFF")


@pytest.mark.parametrize(
    ("text", "format", "offset"),
    [
        ("2024-01-02T03:04:05.0000000+05:30", "o", timedelta(hours=5, minutes=30)),
        ("2024-01-02T03:04:05.0000000Z", "o", timedelta(0)),
        ("2024-01-02 03:04:05 -7", "yyyy-MM-dd HH:mm:ss z", timedelta(hours=-7)),
        ("2024-01-02 03:04:05 -0700", "yyyy-MM-dd HH:mm:ss zzz", timedelta(hours=-7)),
    ],
)
def test_an_offset_in_the_text_gives_an_aware_value(text: str, format: str, offset: timedelta) -> None:
    assert parse_exact(text, format) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(offset))


def test_without_an_offset_the_value_is_naive() -> None:
    assert parse_exact("2024-01-02T03:04:05.0000000", "o").tzinfo is None


@pytest.mark.parametrize(
    ("text", "format", "reason"),
    [
        ("2024-1-02", "yyyy-MM-dd", "does not match the format 'yyyy-MM-dd'"),
        (" 2024-01-02", "yyyy-MM-dd", "does not match"),
        ("2024-01-02 ", "yyyy-MM-dd", "does not match"),
        ("24-01-02", "yyyy-MM-dd", "does not match"),
        ("2024-02-30", "yyyy-MM-dd", "day is out of range for month"),
        ("2024-01-02 24:00", "yyyy-MM-dd HH:mm", "not a valid date and time"),
        ("2024-01-02 03:04:05.12", "yyyy-MM-dd HH:mm:ss.fff", "does not match"),
        ("123", "dMM", "does not match"),  # digits are read greedily, never given back
        ("Wed, 02 Jan 2024", "ddd, dd MMM yyyy", "2024-01-02 is a Tuesday, not a Wednesday"),
        ("2024-01-02 13 AM", "yyyy-MM-dd HH tt", "hour 13 is not AM"),
        ("2024-01-02 13 PM", "yyyy-MM-dd hh tt", "not on a 12-hour clock"),
        ("02 2024-01-03", "dd yyyy-MM-dd", "two different values for the day"),
        ("2024-01-02 +15:00", "yyyy-MM-dd zzz", "not between -14:00 and +14:00"),
    ],
)
def test_what_dotnet_refuses_is_refused(text: str, format: str, reason: str) -> None:
    with pytest.raises(DateTimeParseError, match=re.escape(reason)):
        parse_exact(text, format)


def test_a_format_dotnet_refuses_is_refused() -> None:
    with pytest.raises(DateTimeFormatError):
        parse_exact("2024", "yyyy%")
