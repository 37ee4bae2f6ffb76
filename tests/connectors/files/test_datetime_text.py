"""Dates and times in .NET formats, a column at a time: Arrow's kernels where they are exact, .NET's rules otherwise."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from pgfactory.connectors.files.datetime_text import DateTimeFormat, DateTimeTextError
from pgfactory.expressions.dotnet_datetime import DateTimeFormatError, format_datetime

_random = random.Random(20240229)
MOMENTS = [datetime(1969, 12, 31, 23, 59, 59, 999_500), datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999_999),
           datetime(2024, 2, 29, 12, 0, 0, 1000), datetime(2024, 7, 1, 0, 0)] + [
    datetime(1900, 1, 1) + timedelta(microseconds=_random.randrange(200 * 365 * 86_400 * 10**6)) for _ in range(200)]
ARROW_FORMATS = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-ddTHH:mm:ss.ffffffzzz", "dd/MM/yyyy",
                 "ddd, dd MMM yyyy hh:mm:ss tt", "dddd dd MMMM yy", "s", "u", "yyyyMMddHHmmss", "'100%' yyyy K", "gg yyyy"]
PYTHON_FORMATS = ["M/d/yyyy h:mm tt", "o", "yyyy-MM-dd HH:mm:ss.FFF", "HH:mm:ss.fffffff", "yyyy-MM-dd HH:mm:ss,fff",
                  "fff ss", "yyy", "G"]


def column(values: list[datetime | None], tz: str | None = None) -> pa.Array:
    return pa.array([None if value is None else value.replace(tzinfo=UTC if tz else None) for value in values],
                    pa.timestamp("us", tz))


@pytest.mark.parametrize("text", ARROW_FORMATS + PYTHON_FORMATS)
@pytest.mark.parametrize("offset", [False, True])
def test_rendering_writes_what_the_dotnet_formatter_writes(text: str, offset: bool) -> None:
    zone = timezone(timedelta(0), "+00:00") if offset else None  # a DateTimeOffset at +00:00, or a DateTime
    expected = [format_datetime(value.replace(tzinfo=zone), text) for value in MOMENTS] + [None]
    rendered = DateTimeFormat(text, offset).render(column([*MOMENTS, None], "UTC" if offset else None))
    assert rendered.to_pylist() == expected


@pytest.mark.parametrize(("text", "arrow"), [(text, True) for text in ARROW_FORMATS] + [(text, False) for text in PYTHON_FORMATS])
def test_formats_arrow_writes_exactly_are_translated(text: str, arrow: bool) -> None:
    assert (DateTimeFormat(text).translation is not None) is arrow


def test_seconds_are_floored_before_arrow_writes_them() -> None:
    before_1970 = column([datetime(1969, 12, 31, 23, 59, 59, 999_999)])
    assert DateTimeFormat("HH:mm:ss").render(before_1970).to_pylist() == ["23:59:59"]
    assert DateTimeFormat("HH:mm:ss.fff").render(before_1970).to_pylist() == ["23:59:59.999"]


def test_dates_are_midnight() -> None:
    days = pa.array([date(2024, 2, 29), None], pa.date32())
    assert DateTimeFormat("dd/MM/yyyy HH:mm").render(days).to_pylist() == ["29/02/2024 00:00", None]


def test_a_format_dotnet_refuses_is_refused_at_once() -> None:
    with pytest.raises(DateTimeFormatError):
        DateTimeFormat("yyyy-MM-dd'")


def parsed(text: str, values: list[str | None], *, offset: bool = False) -> tuple[list[datetime | None], list[bool]]:
    read, failed = DateTimeFormat(text, offset).parse(pa.array(values, pa.string()))
    return read.to_pylist(), failed.to_pylist()


@pytest.mark.parametrize(("text", "resolution"), [
    ("yyyy-MM-dd HH:mm:ss", 10**6), ("yyyy-MM-dd HH:mm:ss.fff", 1000), ("dd/MM/yyyy HH:mm:ss.ffffff", 1),
    ("ddd, dd MMM yyyy hh:mm:ss tt", 10**6), ("M/d/yyyy h:mm:ss tt", 10**6), ("o", 1), ("yyyy-MM-ddTHH:mm:ss.fffK", 1000)])
def test_what_is_written_reads_back(text: str, resolution: int) -> None:
    moments = [moment.replace(microsecond=moment.microsecond // resolution * resolution) for moment in MOMENTS]
    read, failed = DateTimeFormat(text).parse(DateTimeFormat(text).render(column(moments)))
    assert read.to_pylist() == moments and not any(failed.to_pylist())


def test_arrow_reads_fractions_cut_out_of_the_text() -> None:
    assert parsed("yyyy-MM-dd HH:mm:ss.fff", ["2024-01-02 03:04:05.123", "1969-12-31 23:59:59.999"])[0] == [
        datetime(2024, 1, 2, 3, 4, 5, 123_000), datetime(1969, 12, 31, 23, 59, 59, 999_000)]
    assert parsed("dd.MM.yyyy HH:mm:ss.fff 'h'", ["02.01.2024 03:04:05.120 h"])[0] == [datetime(2024, 1, 2, 3, 4, 5, 120_000)]


def test_what_strptime_lets_through_is_judged_by_dotnet_rules() -> None:
    values, failed = parsed("yyyy-MM-dd", ["2024-1-02", "2024-02-30", " 2024-01-02", "2024-01-02", None, "x", "0000-01-02"])
    assert failed == [True, True, True, False, False, True, True]
    assert values == [None, None, None, datetime(2024, 1, 2), None, None, None]


def test_names_are_read_in_any_case_and_must_fit_the_date() -> None:
    values, failed = parsed("ddd, dd MMM yyyy", ["tue, 02 JAN 2024", "Wed, 02 Jan 2024"])
    assert (values, failed) == ([datetime(2024, 1, 2), None], [False, True])


def test_offsets_give_instants() -> None:
    texts = ["2024-01-02 03:04 +05:30", "2024-01-02 03:04 -01:00"]
    assert parsed("yyyy-MM-dd HH:mm zzz", texts)[0] == [datetime(2024, 1, 1, 21, 34), datetime(2024, 1, 2, 4, 4)]
    assert parsed("yyyy-MM-dd HH:mm zzz", texts, offset=True)[0] == [datetime(2024, 1, 1, 21, 34, tzinfo=UTC),
                                                                      datetime(2024, 1, 2, 4, 4, tzinfo=UTC)]
    # A DateTimeOffset without an offset in its text is at the host's: +00:00.
    assert parsed("yyyy-MM-dd", ["2024-01-02"], offset=True)[0] == [datetime(2024, 1, 2, tzinfo=UTC)]


def test_parse_error_says_why() -> None:
    assert DateTimeFormat("dd/MM/yyyy").parse_error("2024-01-31") == "'2024-01-31' does not match the format 'dd/MM/yyyy'"


def test_infinities_are_dotnet_extremes_and_later_years_are_refused() -> None:
    infinities = pa.array([2**63 - 1, -(2**63 - 1), None], pa.int64()).cast(pa.timestamp("us", "UTC"))
    for text in ("yyyy-MM-dd HH:mm:ss.fff", "M/d/yyyy h:mm:ss.FFF tt"):
        assert DateTimeFormat(text, True).render(infinities).to_pylist() == [
            format_datetime(datetime(9999, 12, 31, 23, 59, 59, 999_999), text),
            format_datetime(datetime(1, 1, 1), text), None]
    days = pa.array([2**31 - 1, -(2**31 - 1)], pa.int32()).cast(pa.date32())
    assert DateTimeFormat("yyyy-MM-dd").render(days).to_pylist() == ["9999-12-31", "0001-01-01"]
    with pytest.raises(DateTimeTextError, match=r"outside the dates \.NET can write"):
        DateTimeFormat("yyyy").render(pa.array([10**18], pa.int64()).cast(pa.timestamp("us")))  # the year 33658
