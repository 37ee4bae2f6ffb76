from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgfactory.expressions.dotnet_datetime import format_datetime
from pgfactory.expressions.dotnet_datetime_parse import TimestampParseError, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-03-15", datetime(2018, 3, 15)),
        ("2018-3-5", datetime(2018, 3, 5)),
        ("2018-03-15T13:00", datetime(2018, 3, 15, 13)),
        ("2018-03-15T13:27:36", datetime(2018, 3, 15, 13, 27, 36)),
        ("2018-03-15 13:27:36", datetime(2018, 3, 15, 13, 27, 36)),
        ("2018-03-15T13:27:36.5", datetime(2018, 3, 15, 13, 27, 36, 500_000)),
        ("2018-03-15T13:27:36.1234567", datetime(2018, 3, 15, 13, 27, 36, 123_456)),
        ("  2018-03-15T13:27:36  ", datetime(2018, 3, 15, 13, 27, 36)),
        ("03/15/2018 12:00:00", datetime(2018, 3, 15, 12)),
        ("3/5/2018", datetime(2018, 3, 5)),
        ("03-15-2018", datetime(2018, 3, 15)),
        ("03.15.2018 08:05", datetime(2018, 3, 15, 8, 5)),
        ("2018/03/15 13:00:00", datetime(2018, 3, 15, 13)),
        ("1/1/49", datetime(2049, 1, 1)),
        ("1/1/50", datetime(1950, 1, 1)),
        ("March 15, 2018", datetime(2018, 3, 15)),
        ("15 March 2018", datetime(2018, 3, 15)),
        ("15 mar 2018 1:05 pm", datetime(2018, 3, 15, 13, 5)),
        ("Monday, January 1, 2018", datetime(2018, 1, 1)),
        ("Thursday, March 15, 2018 1:05:09 PM", datetime(2018, 3, 15, 13, 5, 9)),
        ("6/15/2009 1:45:30 PM", datetime(2009, 6, 15, 13, 45, 30)),
        ("1/1/2018 12:00:00 AM", datetime(2018, 1, 1, 0)),
        ("1/1/2018 12:30 PM", datetime(2018, 1, 1, 12, 30)),
        ("1/1/2018 3 PM", datetime(2018, 1, 1, 15)),
    ],
)
def test_zoneless_text_gives_a_naive_value(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected
    assert parse_timestamp(text).tzinfo is None


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2018-03-15T13:00:00Z", datetime(2018, 3, 15, 13)),
        ("2018-03-15t13:00:00z", datetime(2018, 3, 15, 13)),
        ("2018-03-15 13:00:00Z", datetime(2018, 3, 15, 13)),
        ("2018-03-15T13:00:00.0000000Z", datetime(2018, 3, 15, 13)),
        ("Thu, 15 Mar 2018 13:00:00 GMT", datetime(2018, 3, 15, 13)),
        ("2018-03-15T13:00:00 UTC", datetime(2018, 3, 15, 13)),
        ("2018-03-15T13:00:00+02:00", datetime(2018, 3, 15, 11)),
        ("2018-03-15T13:00:00+0530", datetime(2018, 3, 15, 7, 30)),
        ("2018-03-15T13:00:00-08", datetime(2018, 3, 15, 21)),
        ("2018-12-15T05:00:00+13:00", datetime(2018, 12, 14, 16)),
        ("03/15/2018 12:00:00 -05:00", datetime(2018, 3, 15, 17)),
    ],
)
def test_a_zone_or_offset_is_read_as_utc(text: str, expected_utc: datetime) -> None:
    assert parse_timestamp(text) == expected_utc.replace(tzinfo=UTC)
    assert parse_timestamp(text).tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not a date and time"),
        ("not a date", "not a date and time"),
        ("12:00:00", "not a date and time"),
        ("2018-03-15T13:00:00:0000000Z", "not a date and time"),
        ("2018-02-30", "day is out of range"),
        ("2018-13-01", "month must be in 1..12"),
        ("2018-03-15T24:00:00", "hour must be in 0..23"),
        ("2018-03-15T13", "needs AM or PM"),
        ("1/1/2018 13:00 PM", "cannot be followed by AM or PM"),
        ("Smarch 15, 2018", "not a month name"),
        ("Friday, March 15, 2018", "is a Thursday, not a Friday"),
        ("Someday, March 15, 2018", "not a day name"),
        ("2018-03-15T13:00:00+15:00", "beyond ±14:00"),
        ("0001-01-01T00:00:00+01:00", "outside the range"),
        ("9999-12-31T23:00:00-02:00", "outside the range"),
    ],
)
def test_unreadable_text_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(TimestampParseError, match=problem):
        parse_timestamp(text)


_moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(_moments)
def test_round_trip_format_of_a_zoneless_value_reads_back_the_same(value: datetime) -> None:
    assert parse_timestamp(format_datetime(value, "o")) == value


@given(_moments)
def test_round_trip_format_of_a_utc_value_reads_back_the_same(value: datetime) -> None:
    utc = value.replace(tzinfo=UTC)
    parsed = parse_timestamp(format_datetime(utc, "o"))
    assert parsed == utc
    assert parsed.tzinfo is UTC


@given(_moments, _offsets)
def test_round_trip_format_of_an_offset_value_reads_back_the_same_instant(value: datetime, offset: timezone) -> None:
    assert parse_timestamp(format_datetime(value.replace(tzinfo=offset), "o")) == value.replace(tzinfo=offset)
