"""Every PostgreSQL type as JSON, read from a real server through the JSON loaders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from pgfactory.connectors.postgres.json_values import json_number, use_json_values
from pgfactory.models.timespan import format_timespan
from tests.fixtures.postgres import RunningServer

CASES: list[tuple[str, Any]] = [
    # integers, booleans, text: psycopg's own values
    ("1::smallint", 1),
    ("(-2147483648)::integer", -2147483648),
    ("9223372036854775807::bigint", 9223372036854775807),
    ("true", True),
    ("'tekst é'::text", "tekst é"),
    ("'ab'::char(4)", "ab  "),
    ("'v'::varchar(3)", "v"),
    ("'n'::name", "n"),
    ("'c'::\"char\"", "c"),
    ("42::oid", 42),
    ("NULL::integer", None),
    # floating point: numbers, non-finite values as Json.NET's strings
    ("1.5::real", 1.5),
    ("0.1::real", 0.1),
    ("1e300::double precision", 1e300),
    ("'NaN'::double precision", "NaN"),
    ("'Infinity'::real", "Infinity"),
    ("'-Infinity'::double precision", "-Infinity"),
    # numeric: exact numbers where JSON holds them, else the digits
    ("12.50::numeric(10,2)", 12.5),
    ("(-0.001)::numeric", -0.001),
    ("123456789012345678901234567890::numeric", 123456789012345678901234567890),
    ("12345678901234567.89::numeric", "12345678901234567.89"),
    ("0.1000000000000000055511151231257827::numeric", "0.1000000000000000055511151231257827"),
    ("'NaN'::numeric", "NaN"),
    ("'Infinity'::numeric", "Infinity"),
    ("1234.56::money", 1234.56),
    ("(-1234.56)::money", -1234.56),
    # dates and times: .NET DateTime, DateTimeOffset and TimeSpan text
    ("date '2024-01-02'", "2024-01-02T00:00:00"),
    ("'infinity'::date", "infinity"),
    ("timestamp '2024-01-02 03:04:05'", "2024-01-02T03:04:05"),
    ("timestamp '2024-01-02 03:04:05.120'", "2024-01-02T03:04:05.12"),
    ("timestamp '2024-01-02 03:04:05.000001'", "2024-01-02T03:04:05.000001"),
    ("'-infinity'::timestamp", "-infinity"),
    ("timestamptz '2024-01-02 03:04:05+02'", "2024-01-02T01:04:05Z"),
    ("timestamptz '2024-07-01 12:00:00.5 America/New_York'", "2024-07-01T16:00:00.5Z"),
    ("'infinity'::timestamptz", "infinity"),
    ("time '03:04:05'", "03:04:05"),
    ("time '03:04:05.5'", "03:04:05.5000000"),
    ("time '24:00:00'", "1.00:00:00"),
    ("timetz '03:04:05+02'", "03:04:05+02:00"),
    ("timetz '03:04:05.25-05:30'", "03:04:05.25-05:30"),
    ("interval '1 day 02:03:04.5'", "1.02:03:04.5000000"),
    ("interval '-1 day -00:00:01'", "-1.00:00:01"),
    ("interval '00:00:00'", "00:00:00"),
    ("interval '1 mon 1 day'", "31.00:00:00"),
    ("interval '1 year'", "365.00:00:00"),
    # everything ADF maps to String: PostgreSQL's own text
    ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("'{\"b\": [1, 2], \"a\": null}'::jsonb", '{"a": null, "b": [1, 2]}'),
    ("'{\"b\":1}'::json", '{"b":1}'),
    ("ARRAY[1, 2, 3]", "{1,2,3}"),
    ("ARRAY['a b', NULL]", '{"a b",NULL}'),
    ("ARRAY[date '2024-01-02']", "{2024-01-02}"),
    ("'[1,5)'::int4range", "[1,5)"),
    ("'{[1,3), [5,7)}'::int4multirange", "{[1,3),[5,7)}"),
    ("'[2024-01-01,2024-02-01)'::daterange", "[2024-01-01,2024-02-01)"),
    ("'10.0.0.1/8'::inet", "10.0.0.1/8"),
    ("'10.0.0.0/8'::cidr", "10.0.0.0/8"),
    ("'08:00:2b:01:02:03'::macaddr", "08:00:2b:01:02:03"),
    ("ROW(1, 'x')", "(1,x)"),
    ("'<a>1</a>'::xml", "<a>1</a>"),
    ("B'1010'", "1010"),
    ("point(1, 2)", "(1,2)"),
    ("'a fat cat'::tsvector", "'a' 'cat' 'fat'"),
    ("'happy'::mood", "happy"),
    ("ARRAY['sad'::mood]", "{sad}"),
    # bytes: base64, as Json.NET writes byte[]
    ("'\\xdeadbeef'::bytea", "3q2+7w=="),
    ("''::bytea", ""),
]


@pytest.fixture(scope="module")
def connection(pg_plain: RunningServer) -> Iterator[psycopg.Connection[Any]]:
    pg_plain.execute("DROP TYPE IF EXISTS mood; CREATE TYPE mood AS ENUM ('happy', 'sad')")
    with psycopg.connect(pg_plain.server.conninfo, autocommit=True) as opened:
        use_json_values(opened)
        yield opened


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_type_becomes_adf_json(connection: psycopg.Connection[Any], expression: str, expected: Any) -> None:
    row = connection.execute(f"SELECT {expression}").fetchone()
    assert row is not None
    assert row[0] == expected
    assert type(row[0]) is type(expected)
    json.dumps(row[0], allow_nan=False)


def test_all_types_in_one_row_are_json(connection: psycopg.Connection[Any]) -> None:
    row = connection.execute("SELECT " + ", ".join(expression for expression, _ in CASES)).fetchone()
    assert list(row or ()) == [expected for _, expected in CASES]


def test_date_styles_other_than_iso_still_give_iso(connection: psycopg.Connection[Any]) -> None:
    connection.execute("SET DateStyle = 'German, DMY'")
    try:
        row = connection.execute("SELECT date '2024-01-02', timestamp '2024-01-02 03:04:05'").fetchone()
    finally:
        connection.execute("RESET DateStyle")
    assert row == ("2024-01-02T00:00:00", "2024-01-02T03:04:05")


def test_intervals_beyond_a_timespan_or_in_another_style_stay_text(connection: psycopg.Connection[Any]) -> None:
    assert connection.execute("SELECT interval '1000000000 days'").fetchone() == ("1000000000 days",)
    connection.execute("SET IntervalStyle = 'iso_8601'")
    try:
        row = connection.execute("SELECT interval '1 day 2 hours'").fetchone()
    finally:
        connection.execute("RESET IntervalStyle")
    assert row == ("P1DT2H",)


def test_timestamptz_is_utc_whatever_the_session_time_zone(connection: psycopg.Connection[Any]) -> None:
    connection.execute("SET TimeZone = 'Asia/Kolkata'")
    try:
        row = connection.execute("SELECT timestamptz '2024-01-02 03:04:05+00'").fetchone()
    finally:
        connection.execute("RESET TimeZone")
    assert row == ("2024-01-02T03:04:05Z",)


def test_other_connections_keep_psycopgs_values(pg_plain: RunningServer) -> None:
    with psycopg.connect(pg_plain.server.conninfo) as plain:
        row = plain.execute("SELECT 1.5::numeric, '{}'::jsonb").fetchone()
    assert row is not None
    assert (str(row[0]), row[1]) == ("1.5", {})


@pytest.mark.parametrize(("text", "expected"), [
    ("5", 5), ("-5.25", -5.25), ("123456789.123456", 123456789.123456), ("1234567890123456.7", "1234567890123456.7"),
    ("NaN", "NaN"),
])
def test_json_number_keeps_every_digit(text: str, expected: Any) -> None:
    assert json_number(text) == expected


@pytest.mark.parametrize(("micro", "expected"), [
    (0, "00:00:00"), (1, "00:00:00.0000010"), (86_400_000_000 + 3_600_000_000, "1.01:00:00"),
    (-1_500_000, "-00:00:01.5000000"),
])
def test_format_timespan_writes_dotnet_text(micro: int, expected: str) -> None:
    assert format_timespan(timedelta(microseconds=micro)) == expected
