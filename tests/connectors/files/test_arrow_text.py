"""Columns render as text without going through Python: extension columns as PostgreSQL sends them (uuid, json),
booleans, and dates in the formats of a TextStyle."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import psycopg
import pyarrow as pa

from pgfactory.connectors.files.arrow_text import as_json, as_text
from pgfactory.connectors.files.datetime_text import DateTimeFormat
from pgfactory.connectors.files.format_base import TextStyle
from tests.fixtures.postgres import RunningServer

IDS = [uuid.UUID("153ccf8d-dd1a-4b2b-9636-a9361d7e0f61"), None, uuid.UUID("d12abb33-2b87-4fc3-81d3-a6b0347e8140")]


def uuids() -> pa.Array:
    storage = pa.array([None if value is None else value.bytes for value in IDS], pa.binary(16))
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def test_uuids_are_canonical_lower_case_text_with_nulls_kept() -> None:
    assert as_text(uuids()).to_pylist() == [None if value is None else str(value) for value in IDS]


def test_a_slice_of_uuids_renders_its_own_values() -> None:
    assert as_text(uuids().slice(1)).to_pylist() == [None, str(IDS[2])]


def test_uuids_are_json_strings() -> None:
    assert as_json(uuids()).to_pylist() == [f'"{IDS[0]}"', "null", f'"{IDS[2]}"']


def test_json_columns_are_their_own_text() -> None:
    column = pa.ExtensionArray.from_storage(pa.json_(), pa.array(['{"a": 1}', None]))
    assert as_text(column).to_pylist() == ['{"a": 1}', None]
    assert as_json(column).to_pylist() == ['"{\\"a\\": 1}"', "null"]


def test_booleans_are_dotnet_text_or_numbers() -> None:
    flags = pa.array([True, False, None])
    numbers = TextStyle(booleans_as_numbers=True)
    assert as_text(flags).to_pylist() == ["True", "False", None]
    assert as_text(flags, numbers).to_pylist() == ["1", "0", None]
    assert as_json(flags).to_pylist() == ["true", "false", "null"]
    assert as_json(flags, numbers).to_pylist() == ["1", "0", "null"]


def test_a_style_formats_each_kind_of_date_with_its_own_format() -> None:
    style = TextStyle(datetime_format=DateTimeFormat("yyyy'\"'MM"), datetime_offset_format=DateTimeFormat("HH zzz", True),
                      date_format=DateTimeFormat("dd"))
    moment = datetime(2024, 1, 2, 3, 4, 5)
    assert as_text(pa.array([moment, None], pa.timestamp("us")), style).to_pylist() == ['2024"01', None]
    assert as_text(pa.array([moment], pa.timestamp("us", "UTC")), style).to_pylist() == ["03 +00:00"]
    assert as_text(pa.array([date(2024, 1, 2)], pa.date32()), style).to_pylist() == ["02"]
    assert as_json(pa.array([moment, None], pa.timestamp("us")), style).to_pylist() == ['"2024\\"01"', "null"]



def test_intervals_are_iso_8601_durations_as_postgresql_writes_them(pg_plain: RunningServer) -> None:
    texts = ["1 year 2 mons 3 days 04:05:06.5", "-1 mons", "0", "-1 days -00:00:00.25", "49:00:01", "1 mon -1 days"]
    with psycopg.connect(pg_plain.server.conninfo, options="-c intervalstyle=iso_8601") as connection:
        rows = connection.execute(
            "SELECT v::interval::text, (extract(year FROM v::interval) * 12 + extract(month FROM v::interval))::int,"
            " extract(day FROM v::interval)::int, (extract(epoch FROM v::interval - date_trunc('day', v::interval))"
            " * 1000000)::bigint FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n", (texts,)).fetchall()
    expected = [row[0] for row in rows]
    intervals = pa.array([(months, days, micros * 1000) for _, months, days, micros in rows] + [None],
                         pa.month_day_nano_interval())
    assert as_text(intervals).to_pylist() == [*expected, None]
    assert as_json(intervals).to_pylist() == [f'"{text}"' for text in expected] + ["null"]
