"""ADF's date functions, called as the evaluator calls them: evaluated arguments in, JSON value out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgfactory.errors import ExpressionError
from pgfactory.expressions import evaluate_expression
from pgfactory.expressions.functions import dates
from pgfactory.expressions.functions.dates import FUNCTIONS


def call(name: str, *args: Any) -> Any:
    return FUNCTIONS[name](*args)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(dates, "now", lambda: moment)

    yield freeze


def test_every_documented_date_function_is_registered() -> None:
    assert set(FUNCTIONS) == {
        "addDays", "addHours", "addMinutes", "addSeconds", "addToTime", "convertFromUtc", "convertTimeZone",
        "convertToUtc", "dayOfMonth", "dayOfWeek", "dayOfYear", "formatDateTime", "getFutureTime", "getPastTime",
        "startOfDay", "startOfHour", "startOfMonth", "subtractFromTime", "ticks", "utcNow",
    }


# The examples of ADF's expression-language article. Where the article has a typo ("...T00:00:0000000Z",
# dayOfWeek of a Thursday = 3, "Monday, January, 1, 2018"), the expected value is what .NET returns.
@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("addDays", ("2018-03-15T13:00:00Z", 10), "2018-03-25T13:00:00.0000000Z"),
        ("addDays", ("2018-03-15T00:00:00Z", -5), "2018-03-10T00:00:00.0000000Z"),
        ("addHours", ("2018-03-15T00:00:00Z", 10), "2018-03-15T10:00:00.0000000Z"),
        ("addHours", ("2018-03-15T15:00:00Z", -5), "2018-03-15T10:00:00.0000000Z"),
        ("addMinutes", ("2018-03-15T00:10:00Z", 10), "2018-03-15T00:20:00.0000000Z"),
        ("addMinutes", ("2018-03-15T00:20:00Z", -5), "2018-03-15T00:15:00.0000000Z"),
        ("addSeconds", ("2018-03-15T00:00:00Z", 10), "2018-03-15T00:00:10.0000000Z"),
        ("addSeconds", ("2018-03-15T00:00:30Z", -5), "2018-03-15T00:00:25.0000000Z"),
        ("addToTime", ("2018-01-01T00:00:00Z", 1, "Day"), "2018-01-02T00:00:00.0000000Z"),
        ("addToTime", ("2018-01-01T00:00:00Z", 1, "Day", "D"), "Tuesday, January 2, 2018"),
        ("convertFromUtc", ("2018-01-01T08:00:00.0000000Z", "Pacific Standard Time"), "2018-01-01T00:00:00.0000000"),
        ("convertFromUtc", ("2018-01-01T08:00:00.0000000Z", "Pacific Standard Time", "D"), "Monday, January 1, 2018"),
        ("convertTimeZone", ("2018-01-01T08:00:00.0000000Z", "UTC", "Pacific Standard Time"), "2018-01-01T00:00:00.0000000"),
        ("convertTimeZone", ("2018-01-01T08:00:00.0000000Z", "UTC", "Pacific Standard Time", "D"), "Monday, January 1, 2018"),
        ("convertToUtc", ("01/01/2018 00:00:00", "Pacific Standard Time"), "2018-01-01T08:00:00.0000000Z"),
        ("convertToUtc", ("01/01/2018 00:00:00", "Pacific Standard Time", "D"), "Monday, January 1, 2018"),
        ("dayOfMonth", ("2018-03-15T13:27:36Z",), 15),
        ("dayOfWeek", ("2018-03-15T13:27:36Z",), 4),
        ("dayOfYear", ("2018-03-15T13:27:36Z",), 74),
        ("formatDateTime", ("03/15/2018 12:00:00", "yyyy-MM-ddTHH:mm:ss"), "2018-03-15T12:00:00"),
        ("startOfDay", ("2018-03-15T13:30:30Z",), "2018-03-15T00:00:00.0000000Z"),
        ("startOfHour", ("2018-03-15T13:30:30Z",), "2018-03-15T13:00:00.0000000Z"),
        ("startOfMonth", ("2018-03-15T13:30:30Z",), "2018-03-01T00:00:00.0000000Z"),
        ("subtractFromTime", ("2018-01-02T00:00:00Z", 1, "Day"), "2018-01-01T00:00:00.0000000Z"),
        ("subtractFromTime", ("2018-01-02T00:00:00Z", 1, "Day", "D"), "Monday, January 1, 2018"),
    ],
)
def test_documented_examples(name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert call(name, *args) == expected


@pytest.mark.parametrize(
    ("now", "name", "args", "expected"),
    [
        (datetime(2018, 3, 1, tzinfo=UTC), "getFutureTime", (5, "Day"), "2018-03-06T00:00:00.0000000Z"),
        (datetime(2018, 3, 1, tzinfo=UTC), "getFutureTime", (5, "Day", "D"), "Tuesday, March 6, 2018"),
        (datetime(2018, 2, 1, tzinfo=UTC), "getPastTime", (5, "Day"), "2018-01-27T00:00:00.0000000Z"),
        (datetime(2018, 2, 1, tzinfo=UTC), "getPastTime", (5, "Day", "D"), "Saturday, January 27, 2018"),
        (datetime(2018, 4, 15, 13, tzinfo=UTC), "utcNow", (), "2018-04-15T13:00:00.0000000Z"),
        (datetime(2018, 4, 15, 13, tzinfo=UTC), "utcNow", ("D",), "Sunday, April 15, 2018"),
    ],
)
def test_documented_examples_that_read_the_clock(
    frozen_clock: Callable[[datetime], None], now: datetime, name: str, args: tuple[Any, ...], expected: str
) -> None:
    frozen_clock(now)
    assert call(name, *args) == expected


def test_utc_now_keeps_microseconds_and_writes_a_zero_seventh_digit(frozen_clock: Callable[[datetime], None]) -> None:
    frozen_clock(datetime(2018, 4, 15, 13, 0, 0, 123456, tzinfo=UTC))
    assert call("utcNow") == "2018-04-15T13:00:00.1234560Z"
    assert call("utcNow", "yyyyMMddHHmmss") == "20180415130000"


def test_the_real_clock_is_used_when_not_frozen() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert datetime.fromisoformat(call("utcNow", "yyyy-MM-ddTHH:mm:ssK")) >= before


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("Second", "2018-03-15T13:00:03.0000000Z"),
        ("Minute", "2018-03-15T13:03:00.0000000Z"),
        ("Hour", "2018-03-15T16:00:00.0000000Z"),
        ("Day", "2018-03-18T13:00:00.0000000Z"),
        ("Week", "2018-04-05T13:00:00.0000000Z"),
        ("Month", "2018-06-15T13:00:00.0000000Z"),
        ("Year", "2021-03-15T13:00:00.0000000Z"),
        ("day", "2018-03-18T13:00:00.0000000Z"),
    ],
)
def test_add_to_time_understands_every_unit(unit: str, expected: str) -> None:
    assert call("addToTime", "2018-03-15T13:00:00Z", 3, unit) == expected


@pytest.mark.parametrize(
    ("name", "start", "interval", "unit", "expected"),
    [
        ("addToTime", "2018-01-31T10:00:00Z", 1, "Month", "2018-02-28T10:00:00.0000000Z"),
        ("addToTime", "2020-01-31T10:00:00Z", 1, "Month", "2020-02-29T10:00:00.0000000Z"),
        ("addToTime", "2018-03-31T10:00:00Z", 1, "Month", "2018-04-30T10:00:00.0000000Z"),
        ("addToTime", "2018-03-31T10:00:00Z", -1, "Month", "2018-02-28T10:00:00.0000000Z"),
        ("addToTime", "2018-12-31T10:00:00Z", 2, "Month", "2019-02-28T10:00:00.0000000Z"),
        ("subtractFromTime", "2018-03-31T10:00:00Z", 1, "Month", "2018-02-28T10:00:00.0000000Z"),
        ("subtractFromTime", "2018-01-15T10:00:00Z", 13, "Month", "2016-12-15T10:00:00.0000000Z"),
        ("addToTime", "2020-02-29T10:00:00Z", 1, "Year", "2021-02-28T10:00:00.0000000Z"),
        ("subtractFromTime", "2020-02-29T10:00:00Z", 4, "Year", "2016-02-29T10:00:00.0000000Z"),
    ],
)
def test_month_and_year_arithmetic_clamps_the_day_like_add_months(
    name: str, start: str, interval: int, unit: str, expected: str
) -> None:
    assert call(name, start, interval, unit) == expected


def test_negative_intervals_go_the_other_way() -> None:
    assert call("subtractFromTime", "2018-01-01T00:00:00Z", -2, "Hour") == "2018-01-01T02:00:00.0000000Z"
    assert call("addToTime", "2018-01-01T00:00:00Z", -1, "Week") == "2017-12-25T00:00:00.0000000Z"
    assert call("addDays", "2018-03-01T00:00:00Z", -1) == "2018-02-28T00:00:00.0000000Z"


def test_a_zoneless_timestamp_stays_zoneless() -> None:
    assert call("addDays", "2018-03-15T13:00:00", 1) == "2018-03-16T13:00:00.0000000"
    assert call("startOfDay", "03/15/2018 13:30") == "2018-03-15T00:00:00.0000000"
    assert call("formatDateTime", "03/15/2018") == "2018-03-15T00:00:00.0000000"


def test_an_offset_is_converted_to_utc_as_adf_does() -> None:
    assert call("addHours", "2018-03-15T13:00:00+02:00", 1) == "2018-03-15T12:00:00.0000000Z"
    assert call("formatDateTime", "2018-12-15T05:00:00+13:00", "dd-MMM") == "14-Dec"
    assert call("dayOfMonth", "2018-12-15T05:00:00+13:00") == 14


def test_format_date_time_with_custom_and_standard_formats() -> None:
    timestamp = "2018-03-15T13:05:09.1234567Z"
    assert call("formatDateTime", timestamp) == "2018-03-15T13:05:09.1234560Z"
    assert call("formatDateTime", timestamp, "yyyy-dd-MM") == "2018-15-03"
    assert call("formatDateTime", timestamp, "yyyyMMdd_HHmmss.fff") == "20180315_130509.123"
    assert call("formatDateTime", timestamp, "u") == "2018-03-15 13:05:09Z"
    assert call("formatDateTime", timestamp, "s") == "2018-03-15T13:05:09"
    assert call("formatDateTime", timestamp, "R") == "Thu, 15 Mar 2018 13:05:09 GMT"


@pytest.mark.parametrize(
    ("timestamp", "pacific_wall_clock"),
    [
        ("2018-07-01T12:00:00Z", "2018-07-01T05:00:00.0000000"),
        ("2018-03-11T09:59:59Z", "2018-03-11T01:59:59.0000000"),  # a second before spring forward
        ("2018-03-11T10:00:00Z", "2018-03-11T03:00:00.0000000"),  # 02:00-02:59 never shows
        ("2018-11-04T08:30:00Z", "2018-11-04T01:30:00.0000000"),  # 01:30 daylight time ...
        ("2018-11-04T09:30:00Z", "2018-11-04T01:30:00.0000000"),  # ... and an hour later 01:30 standard time
    ],
)
def test_convert_from_utc_across_daylight_saving_changes(timestamp: str, pacific_wall_clock: str) -> None:
    assert call("convertFromUtc", timestamp, "Pacific Standard Time") == pacific_wall_clock


def test_convert_to_utc_refuses_a_time_skipped_by_spring_forward() -> None:
    with pytest.raises(ExpressionError, match=r"convertToUtc.*2018-03-11T02:30:00 does not exist"):
        call("convertToUtc", "2018-03-11T02:30:00", "Pacific Standard Time")


def test_convert_to_utc_reads_a_repeated_time_as_standard_time() -> None:
    assert call("convertToUtc", "2018-11-04T01:30:00", "Pacific Standard Time") == "2018-11-04T09:30:00.0000000Z"


def test_convert_time_zone_between_two_local_zones() -> None:
    assert call("convertTimeZone", "2018-06-01T12:00:00", "W. Europe Standard Time", "Tokyo Standard Time") == (
        "2018-06-01T19:00:00.0000000"
    )
    assert call("convertTimeZone", "2018-06-01T12:00:00", "W. Europe Standard Time", "UTC") == "2018-06-01T10:00:00.0000000Z"
    assert call("convertTimeZone", "2018-06-01T12:00:00", "Europe/Berlin", "Asia/Tokyo", "HH:mm") == "19:00"


def test_a_zoneless_timestamp_given_to_convert_from_utc_is_read_as_utc() -> None:
    assert call("convertFromUtc", "2018-01-01T08:00:00", "Pacific Standard Time") == "2018-01-01T00:00:00.0000000"
    assert call("convertFromUtc", "2018-01-01T08:00:00", "UTC") == "2018-01-01T08:00:00.0000000Z"


def test_a_converted_local_time_has_no_zone_suffix_and_prints_the_host_offset() -> None:
    # What ADF users report: K prints nothing and zzz the host's +00:00 after convertFromUtc.
    assert call("convertFromUtc", "2018-01-01T08:00:00Z", "Pacific Standard Time", "yyyy-MM-ddTHH:mm:ssK") == (
        "2018-01-01T00:00:00"
    )
    assert call("convertFromUtc", "2018-01-01T08:00:00Z", "Pacific Standard Time", "HH:mm zzz") == "00:00 +00:00"


def test_a_utc_timestamp_cannot_be_read_as_another_zones_time() -> None:
    with pytest.raises(ExpressionError, match=r"already carries a time zone.*pass 'UTC'"):
        call("convertTimeZone", "2018-01-01T08:00:00Z", "Pacific Standard Time", "UTC")
    with pytest.raises(ExpressionError, match="already carries a time zone"):
        call("convertToUtc", "2018-01-01T08:00:00+01:00", "W. Europe Standard Time")
    assert call("convertToUtc", "2018-01-01T08:00:00+01:00", "UTC") == "2018-01-01T07:00:00.0000000Z"


def test_an_unknown_time_zone_says_how_to_find_valid_ids() -> None:
    expected = "In function 'convertFromUtc', the time zone 'Pacific Time' is not a known"
    with pytest.raises(ExpressionError, match=expected) as raised:
        call("convertFromUtc", "2018-01-01T08:00:00Z", "Pacific Time")
    assert "'W. Europe Standard Time'" in raised.value.message
    assert "tzutil /l" in raised.value.message


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("0001-01-01T00:00:00Z", 0),
        ("2018-01-01T00:00:00Z", 636503616000000000),
        ("2018-01-01T00:00:00", 636503616000000000),
        ("2018-01-01T00:00:00.000001Z", 636503616000000010),
        ("2018-01-01T00:00:00.0000001Z", 636503616000000000),  # the 7th digit is below Python's resolution
        ("2018-01-01T01:00:00+01:00", 636503616000000000),
        ("9999-12-31T23:59:59.9999999Z", 3155378975999999990),
    ],
)
def test_ticks_counts_100_ns_intervals_since_year_one(timestamp: str, expected: int) -> None:
    assert call("ticks", timestamp) == expected


@pytest.mark.parametrize(
    ("timestamp", "weekday"),
    [("2018-03-18", 0), ("2018-03-19", 1), ("2018-03-23", 5), ("2018-03-24", 6)],
)
def test_day_of_week_counts_from_sunday(timestamp: str, weekday: int) -> None:
    assert call("dayOfWeek", timestamp) == weekday


def test_day_of_year_and_month_at_year_end() -> None:
    assert call("dayOfYear", "2020-12-31T23:59:59Z") == 366
    assert call("dayOfYear", "2018-12-31") == 365
    assert call("dayOfMonth", "2018-02-28T10:00:00Z") == 28


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("addDays", ("not a date", 1),
         "In function 'addDays', the value provided for date time string 'not a date' was not valid. "
         "The datetime string must match ISO 8601 format"),
        ("ticks", ("2018-02-30",), "In function 'ticks', the value provided for date time string '2018-02-30' was not valid"),
        ("addDays", (20180315, 1),
         "The function 'addDays' expects its first parameter to be a string that contains a timestamp. "
         "The provided value is of type 'Integer'."),
        ("dayOfWeek", (None,),
         "The function 'dayOfWeek' expects its parameter to be a string that contains a timestamp. "
         "The provided value is of type 'Null'."),
        ("addDays", ("2018-03-15T00:00:00Z", "5"),
         "The function 'addDays' expects its second parameter to be an integer. The provided value is of type 'String'."),
        ("addHours", ("2018-03-15T00:00:00Z", 1.5), "an integer. The provided value is of type 'Float'."),
        ("addSeconds", ("2018-03-15T00:00:00Z", True), "The provided value is of type 'Boolean'."),
        ("addToTime", ("2018-03-15T00:00:00Z", 1, "Fortnight"),
         "The function 'addToTime' was invoked with a parameter that is not valid. The time unit 'Fortnight' is not one of "
         "'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'."),
        ("getFutureTime", ("5", "Day"), "'getFutureTime' expects its first parameter to be an integer"),
        ("getPastTime", (5, ["Day"]), "'getPastTime' expects its second parameter to be a string"),
        ("formatDateTime", ("2018-03-15T00:00:00Z", "Q"),
         "In function 'formatDateTime', the format 'Q' is not a valid .NET date"),
        ("formatDateTime", ("2018-03-15T00:00:00Z", "ffffffff"), "at most 7 fraction digits"),
        ("utcNow", (7,),
         "The function 'utcNow' expects its parameter to be a .NET date and time format string. "
         "The provided value is of type 'Integer'."),
        ("formatDateTime", ("2018-03-15T00:00:00Z", 7), "'formatDateTime' expects its second parameter to be a .NET date"),
        ("convertTimeZone", ("2018-03-15T00:00:00", "UTC", {"zone": "UTC"}),
         "'convertTimeZone' expects its third parameter to be a string that names a time zone"),
        ("addDays", ("9999-12-31T00:00:00Z", 1),
         "In function 'addDays', adding 1 Day(s) to 9999-12-31T00:00:00 leaves the range"),
        ("addDays", ("2018-03-15T00:00:00Z", 10**12), "leaves the range"),
        ("addToTime", ("0001-01-15T00:00:00Z", -1, "Month"), "leaves the range"),
        ("subtractFromTime", ("9999-06-15T00:00:00Z", -1, "Year"), "leaves the range"),
    ],
)
def test_bad_input_raises_an_adf_like_expression_error_without_position(name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        call(name, *args)
    assert message in raised.value.message
    assert raised.value.position is None


_utc_moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda value: value.replace(tzinfo=UTC)
)


@given(_utc_moments, st.integers(min_value=-100_000, max_value=100_000))
def test_adding_days_then_their_negation_returns_the_timestamp(moment: datetime, days: int) -> None:
    start = moment.isoformat()
    back = call("addDays", call("addDays", start, days), -days)
    assert datetime.fromisoformat(back) == moment


@given(_utc_moments, st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=36500)))
def test_ticks_grow_with_time(moment: datetime, step: timedelta) -> None:
    earlier, later = moment.isoformat(), (moment + step).isoformat()
    assert call("ticks", later) - call("ticks", earlier) == step // timedelta(microseconds=1) * 10


# --- through the expression evaluator ----------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@addDays('2018-03-15T00:00:00Z', 1)", "2018-03-16T00:00:00.0000000Z"),
        ("@formatDateTime(addToTime('2018-01-31T00:00:00Z', 1, 'Month'), 'yyyy-MM-dd')", "2018-02-28"),
        ("@dayOfWeek('2018-03-18')", 0),
        ("run_@{formatDateTime(pipeline().TriggerTime, 'yyyyMMdd_HHmm')}.csv", "run_20170601_2220.csv"),
        ("@convertFromUtc(pipeline().TriggerTime, 'W. Europe Standard Time', 'HH:mm:ss.fffffff')", "00:20:00.4061440"),
        ("@utcnow('D')", "Sunday, April 15, 2018"),
        ("@getPastTime(1, 'Month', 'yyyy-MM')", "2018-03"),
    ],
)
def test_date_functions_in_expressions(frozen_clock: Callable[[datetime], None], expression: str, expected: Any) -> None:
    frozen_clock(datetime(2018, 4, 15, 13, tzinfo=UTC))
    assert evaluate_expression(expression, {"system": {"TriggerTime": "2017-06-01T22:20:00.4061448Z"}}) == expected


def test_a_date_function_error_in_an_expression_gets_a_position() -> None:
    with pytest.raises(ExpressionError, match="In function 'addDays', the value provided for date time string 'soon'") as raised:
        evaluate_expression("@concat('x', addDays('soon', 1))")
    assert raised.value.position is not None
