"""Expected strings come from .NET's documentation of standard and custom date and time format strings (en-US)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pgfactory.expressions.dotnet_datetime import DateTimeFormatError, format_datetime

# The .NET docs' sample moment, as each kind of value pgfactory uses.
ZONELESS = datetime(2009, 6, 15, 13, 45, 30)  # DateTime, kind Unspecified
AT_UTC = ZONELESS.replace(tzinfo=UTC)  # DateTime, kind Utc
PACIFIC_DAYLIGHT = ZONELESS.replace(tzinfo=timezone(timedelta(hours=-7)))  # DateTimeOffset -07:00
DOCS_SAMPLE = datetime(2008, 8, 29, 19, 27, 15, 18_000)  # 7:27:15.018 PM


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("d", "6/15/2009"),
        ("D", "Monday, June 15, 2009"),
        ("f", "Monday, June 15, 2009 1:45 PM"),
        ("F", "Monday, June 15, 2009 1:45:30 PM"),
        ("g", "6/15/2009 1:45 PM"),
        ("G", "6/15/2009 1:45:30 PM"),
        ("M", "June 15"),
        ("m", "June 15"),
        ("O", "2009-06-15T13:45:30.0000000"),
        ("o", "2009-06-15T13:45:30.0000000"),
        ("R", "Mon, 15 Jun 2009 13:45:30 GMT"),
        ("r", "Mon, 15 Jun 2009 13:45:30 GMT"),
        ("s", "2009-06-15T13:45:30"),
        ("t", "1:45 PM"),
        ("T", "1:45:30 PM"),
        ("u", "2009-06-15 13:45:30Z"),
        ("U", "Monday, June 15, 2009 1:45:30 PM"),
        ("Y", "June 2009"),
        ("y", "June 2009"),
    ],
)
def test_standard_specifier_uses_en_us_patterns(specifier: str, expected: str) -> None:
    assert format_datetime(ZONELESS, specifier) == expected


def test_round_trip_suffix_follows_the_kind_of_value() -> None:
    assert format_datetime(ZONELESS, "o") == "2009-06-15T13:45:30.0000000"
    assert format_datetime(AT_UTC, "o") == "2009-06-15T13:45:30.0000000Z"
    assert format_datetime(PACIFIC_DAYLIGHT, "o") == "2009-06-15T13:45:30.0000000-07:00"


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [("R", "Mon, 15 Jun 2009 20:45:30 GMT"), ("u", "2009-06-15 20:45:30Z"), ("U", "Monday, June 15, 2009 8:45:30 PM")],
)
def test_universal_specifiers_convert_an_offset_value_to_utc(specifier: str, expected: str) -> None:
    assert format_datetime(PACIFIC_DAYLIGHT, specifier) == expected


def test_round_trip_writes_seven_fraction_digits_the_seventh_always_zero() -> None:
    assert format_datetime(datetime(2018, 3, 15, 0, 0, 0, 123456, tzinfo=UTC), "o") == "2018-03-15T00:00:00.1234560Z"


def test_empty_format_is_the_general_pattern() -> None:
    assert format_datetime(ZONELESS, "") == "6/15/2009 1:45:30 PM"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("hh:mm:ss.f", "07:27:15.0"),
        ("hh:mm:ss.F", "07:27:15"),  # an empty F fraction takes its decimal point with it
        ("hh:mm:ss.ff", "07:27:15.01"),
        ("hh:mm:ss.FF", "07:27:15.01"),
        ("hh:mm:ss.fff", "07:27:15.018"),
        ("hh:mm:ss.FFFF", "07:27:15.018"),
        ("ss.fffffff", "15.0180000"),
        ("ss.FFFFFFF", "15.018"),
        ("d, M", "29, 8"),
        ("d MMMM", "29 August"),
        ("dd, MM", "29, 08"),
        ("ddd d MMM", "Fri 29 Aug"),
        ("dddd dd MMMM", "Friday 29 August"),
        ("ddddd MMMMM", "Friday August"),
        ("%h", "7"),
        ("hhh", "07"),
        ("%H", "19"),
        ("HH:mm", "19:27"),
        ("%m", "27"),
        ("%s", "15"),
        ("%t", "P"),
        ("tt", "PM"),
        ("%y", "8"),
        ("yy", "08"),
        ("yyy", "2008"),
        ("yyyy", "2008"),
        ("yyyyy", "02008"),
        ("%g", "A.D."),
        ("gg yyyy", "A.D. 2008"),
        ("yyyy/MM/dd", "2008/08/29"),
        ("yyyy-MM-ddTHH:mm:ss", "2008-08-29T19:27:15"),
        ("H\\h m\\m", "19h 27m"),
        ("'Date:' d", "Date: 29"),
        ('"dd" dd', "dd 29"),
        ("'it''s'", "its"),
        ("'a\\'b'", "a'b"),
        ("%d", "29"),
        ("%M", "8"),
    ],
)
def test_custom_specifiers(pattern: str, expected: str) -> None:
    assert format_datetime(DOCS_SAMPLE, pattern) == expected


def test_single_digit_specifiers_do_not_pad() -> None:
    early = datetime(2001, 1, 2, 3, 4, 5)
    assert format_datetime(early, "M/d/yy h:m:s") == "1/2/01 3:4:5"
    assert format_datetime(early, "MM/dd/yy hh:mm:ss") == "01/02/01 03:04:05"


def test_twelve_hour_clock_around_midnight_and_noon() -> None:
    assert format_datetime(datetime(2018, 1, 1, 0, 30), "h:mm tt") == "12:30 AM"
    assert format_datetime(datetime(2018, 1, 1, 12, 30), "h:mm tt") == "12:30 PM"


def test_years_before_1000_are_padded_to_the_count() -> None:
    first = datetime(1, 1, 1)
    assert [format_datetime(first, p) for p in ("%y", "yy", "yyy", "yyyy", "yyyyy")] == ["1", "01", "001", "0001", "00001"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PACIFIC_DAYLIGHT, ["-7", "-07", "-07:00", "-07:00"]),
        (ZONELESS.replace(tzinfo=timezone(timedelta(hours=5, minutes=30))), ["+5", "+05", "+05:30", "+05:30"]),
        # A DateTime prints the host's offset for z; ADF's hosts run in UTC.
        (AT_UTC, ["+0", "+00", "+00:00", "Z"]),
        (ZONELESS, ["+0", "+00", "+00:00", ""]),
    ],
)
def test_offset_specifiers(value: datetime, expected: list[str]) -> None:
    assert [format_datetime(value, p) for p in ("%z", "zz", "zzz", "%K")] == expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("Q", "not a .NET standard"),
        ("ffffffff", "at most 7"),
        ("'open", "no closing '"),
        ('HH "open', 'no closing "'),
        ("HH\\", "escape character"),
        ("HH%", "'%' must be followed"),
        ("%%", "'%' must be followed"),
    ],
)
def test_invalid_formats_are_refused(pattern: str, problem: str) -> None:
    with pytest.raises(DateTimeFormatError, match=problem):
        format_datetime(DOCS_SAMPLE, pattern)
