"""Type fidelity: PostgreSQL -> Arrow -> Parquet file -> Arrow -> PostgreSQL gives identical rows.

The target table is created from the ``pg_type`` metadata the read put on each Arrow field (and
carried through Parquet), so the test also proves that metadata is enough to rebuild the shape.
Rows are compared as PostgreSQL's row text with ``EXCEPT ALL`` both ways: json, xml and point
have no equality operator, and the text form is exact for every type.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pgfactory.connectors.postgres.arrow_read import read_query
from pgfactory.connectors.postgres.arrow_session import ArrowSession
from pgfactory.connectors.postgres.arrow_types import PG_TYPE_KEY
from pgfactory.connectors.postgres.arrow_values import parquet_compatible
from pgfactory.connectors.postgres.arrow_write import TableName, _Writer, write_batches
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from tests.fixtures.postgres import RunningServer

EVERY_TYPE = """
    id int,
    c_smallint smallint, c_int integer, c_bigint bigint,
    c_numeric numeric, c_numeric_38 numeric(38,10), c_numeric_60 numeric(60,5), c_numeric_negative_scale numeric(5,-2),
    c_real real, c_double double precision,
    c_text text, c_varchar varchar(10), c_char char(5), c_bytea bytea, c_bool boolean,
    c_date date, c_timestamp timestamp, c_timestamp_3 timestamp(3), c_timestamptz timestamptz,
    c_time time, c_timetz timetz, c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb,
    c_int_array int[], c_bigint_array bigint[], c_text_array text[], c_varchar_array varchar(4)[], c_bool_array boolean[],
    c_double_array double precision[], c_numeric_array numeric(12,3)[], c_free_numeric_array numeric[],
    c_timestamptz_array timestamptz[], c_matrix int[],
    c_inet inet, c_cidr cidr, c_macaddr macaddr, c_money money, c_mood {schema}.mood, c_range int4range,
    c_xml xml, c_bit bit(3), c_varbit bit varying(8), c_point point, c_tsvector tsvector, c_domain {schema}.positive
"""

# The multidimensional array (c_matrix) travels as text: the query casts it, as the read's error
# message tells users to; every other column is read as it is.
ROWS = """
INSERT INTO {schema}.every_type VALUES
(1, 1, 2, 3, 1.5, 1.5, 1.5, 1200, 1.5, 0.1, 'plain', 'varchar', 'ab', '\\x0001ff', true,
 '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.123', '2024-03-10 02:30:00 America/New_York',
 '13:14:15.123456', '13:14:15.123456+05:30', '1 year 2 mons 3 days 04:05:06.789012',
 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{"b": 1,  "a": [1, 2], "b": 2}}', '{{"b": 1, "a": [1, 2.50]}}',
 '{{1,NULL,3}}', '{{9223372036854775807}}', '{{"a b","NULL",NULL,"",x}}', '{{ab,cd}}', '{{t,f,NULL}}',
 '{{1.5,NaN,Infinity,-Infinity}}', '{{1.500,-2.250}}', '{{1e-30,NaN,123456789012345678901234567890.5}}',
 '{{"2024-01-01 00:00:00+00",infinity}}', '{{{{1,2}},{{3,4}}}}',
 '192.168.1.5/24', '10.0.0.0/8', '08:00:2b:01:02:03', 12.34, 'happy', '[1,5)', '<a b="1">x</a>', B'101', B'1101',
 '(1.5,-2)', 'fat cat', 7),
(2, -32768, 2147483647, -9223372036854775808, 'NaN', 9999999999999999999999999999.9999999999,
 -1234567890123456789012345678901234567890123456789012345.12345, -9900,
 'NaN', 'Infinity', E'quote" comma, newline\\n tab\\t backslash\\\\ unicode \u00e9\u4e2d\U0001F600', '', '  x', '\\x', false,
 'infinity', '-infinity', '4713-01-01 00:00:00 BC', 'infinity',
 '24:00:00', '23:59:59.999999-15:59', '-178000000 years -5 days -00:00:00.000001',
 '00000000-0000-0000-0000-000000000000', '[]', '{{}}',
 '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '{{}}', '[0:1]={{7,8}}',
 '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', -92233720368547758.08, 'sad', 'empty', '<?xml version="1.0"?><r/>',
 B'000', B'', '(0,0)', '', 1),
(3, 0, 0, 0, '-Infinity', 0, 0, 0, '-Infinity', '-Infinity', 'x', 'y', 'z', '\\x00', NULL,
 '-infinity', '0001-01-01 00:00:00', '294247-01-01 23:59:59.999', '-infinity',
 '00:00:00', '00:00:00+15:59', '0', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', 'null',
 '{{NULL}}', NULL, '{{NULL}}', NULL, NULL, NULL, '{{NULL}}', NULL, NULL, NULL,
 NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, {nulls}),
(5, 7, 8, 9, '{big}', 0.0000000001, 0.00001, 100, 3.4028235e38, 2.2250738585072014e-308, 'y', 'w', 'v', '\\xdeadbeef', true,
 '5874897-12-31', '1999-12-31 23:59:59.999999', '1970-01-01', '2024-06-01 12:00:00+05:45',
 '12:00:00', '12:00:00-00:30', '-1 mons +2 days -03:00:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
 '"\\u00e9 string"', '{{"deep": {{"nested": [true, false, null]}}}}',
 '{{-2147483648,2147483647}}', '{{-9223372036854775808}}', '{{"quote\\"d","back\\\\slash","{{brace}}"}}', '{{"a,b"}}', '{{f}}',
 '{{-0,1e-320}}', '{{999999999.999}}', '{{-0.000}}', '{{"4713-01-01 00:00:00+00 BC"}}', '{{{{{{1}}}}}}',
 '0.0.0.0/0', '0.0.0.0/0', '00:00:00:00:00:00', 92233720368547758.07, 'happy', '(,)', '', B'111', B'10101010',
 '(-1e+300,1e-300)', 'a:1 b:2', 2147483647)
"""

SELECT_FOR_COPY = "SELECT {columns}, c_matrix::text AS c_matrix FROM {schema}.every_type"


def _create_source(server: RunningServer, schema: str) -> list[str]:
    server.execute(f"CREATE TYPE {schema}.mood AS ENUM ('sad', 'happy')")
    server.execute(f"CREATE DOMAIN {schema}.positive AS integer CHECK (VALUE > 0)")
    server.execute(f"CREATE TABLE {schema}.every_type ({EVERY_TYPE.format(schema=schema)})")
    columns = [row[0] for row in server.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum",
        (f"{schema}.every_type",))]
    nulls = ", ".join(["NULL"] * (len(columns) - 1))
    big = "9" * 131072 + "." + "1" * 16383  # numeric's limits: 131072 digits before the point, 16383 after
    server.execute(ROWS.format(schema=schema, nulls=nulls, big=big))
    return columns


def _rows_differ(server: RunningServer, left: str, right: str) -> int:
    # Row text (t::text) in both directions: every type has a text form, not every type has '='.
    query = f"SELECT count(*) FROM (SELECT t::text FROM {left} t EXCEPT ALL SELECT t::text FROM {right} t) AS d"
    return int(server.execute(query)[0][0])


def _through_parquet(batches: list[pa.RecordBatch], schema: pa.Schema, path: Path) -> list[pa.RecordBatch]:
    file_schema = parquet_compatible(pa.RecordBatch.from_pylist([], schema=schema)).schema
    with pq.ParquetWriter(path, file_schema) as writer:
        for batch in batches:
            writer.write_batch(parquet_compatible(batch))
    return list(pq.ParquetFile(path).iter_batches(batch_size=2))


def _copy_table_from_metadata(server: RunningServer, schema: str, name: str, arrow_schema: pa.Schema,
                              **overrides: str) -> None:
    definitions = ", ".join(f'"{field.name}" {overrides.get(field.name) or field.metadata[PG_TYPE_KEY].decode()}'
                            for field in arrow_schema)
    server.execute(f"CREATE TABLE {schema}.{name} ({definitions})")


def test_every_type_survives_postgres_arrow_parquet_postgres(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                            scratch_schema: str, tmp_path: Path) -> None:
    columns = [column for column in _create_source(pg_plain, scratch_schema) if column != "c_matrix"]
    listed = ", ".join(f'"{column}"' for column in columns)
    with read_query(pg_settings, SELECT_FOR_COPY.format(columns=listed, schema=scratch_schema), batch_bytes=1) as stream:
        batches = list(stream)
        schema = stream.schema
    assert sum(batch.num_rows for batch in batches) == 5
    read_back = _through_parquet(batches, schema, tmp_path / "every_type.parquet")
    assert len(read_back) == 3  # written in several batches, read back in others: neither side sees whole tables
    assert read_back[0].schema.field("c_matrix").metadata == {PG_TYPE_KEY: b"text"}
    # The matrix was read as text, as the read's error tells users to; written back into an int[]
    # column, the server parses it. Every other column's type comes from the metadata.
    _copy_table_from_metadata(pg_plain, scratch_schema, "every_type_copy", read_back[0].schema, c_matrix="integer[]")

    with ArrowSession.open(pg_settings) as session:
        result = write_batches(session, TableName("every_type_copy", scratch_schema), read_back[0].schema.names, read_back)
        session.commit()

    assert result.rows == 5 and result.bytes > 0
    original = f"(SELECT {listed}, c_matrix FROM {scratch_schema}.every_type)"
    copied = f"{scratch_schema}.every_type_copy"
    shape = ("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attname) "
             "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0")
    left, right = pg_plain.execute(shape, (f"{scratch_schema}.every_type",)), pg_plain.execute(shape, (copied,))
    assert set(left[0][0].split(", ")) ^ set(right[0][0].split(", ")) == set()
    assert _rows_differ(pg_plain, original, copied) == 0
    assert _rows_differ(pg_plain, copied, original) == 0
    assert pg_plain.execute(f"SELECT count(*) FROM {copied}") == [(5,)]


def test_native_types_take_the_direct_path_and_survive(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                       scratch_schema: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Only columns the driver encodes itself, and no infinity: every batch streams straight into
    the target with one binary COPY, never through a wire table."""
    _create_source(pg_plain, scratch_schema)
    native = ("id, c_smallint, c_int, c_bigint, c_numeric_38, c_numeric_60, c_real, c_double, c_text, c_varchar, c_char, "
              "c_bytea, c_bool, c_date, c_timestamp, c_timestamptz, c_time, c_interval, c_uuid, c_json, c_jsonb, "
              "c_int_array, c_bigint_array, c_text_array, c_varchar_array, c_bool_array, c_double_array, "
              "c_numeric_array, c_money")
    query = f"SELECT {native} FROM {scratch_schema}.every_type WHERE id IN (1, 4, 5)"  # rows 2 and 3 hold infinities
    with read_query(pg_settings, query, batch_bytes=1) as stream:
        batches, schema = list(stream), stream.schema
    read_back = _through_parquet(batches, schema, tmp_path / "native.parquet")
    _copy_table_from_metadata(pg_plain, scratch_schema, "native_copy", schema)
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.native_source AS {query}")

    def no_wire_table(*args: object) -> None:
        raise AssertionError("a native batch went through the wire table")

    monkeypatch.setattr(_Writer, "_write_staged", no_wire_table)
    with ArrowSession.open(pg_settings) as session:
        write_batches(session, TableName("native_copy", scratch_schema), schema.names, read_back)
        session.commit()

    assert _rows_differ(pg_plain, f"{scratch_schema}.native_source", f"{scratch_schema}.native_copy") == 0
    assert _rows_differ(pg_plain, f"{scratch_schema}.native_copy", f"{scratch_schema}.native_source") == 0


def test_read_gives_the_documented_arrow_types(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                               scratch_schema: str) -> None:
    _create_source(pg_plain, scratch_schema)
    with read_query(pg_settings, f"SELECT * FROM {scratch_schema}.every_type") as stream:
        schema = stream.schema  # known from the description, before the query runs
    expected = {
        "c_numeric": pa.string(), "c_numeric_38": pa.decimal128(38, 10), "c_numeric_60": pa.decimal256(60, 5),
        "c_numeric_negative_scale": pa.string(), "c_real": pa.float32(), "c_char": pa.string(), "c_bytea": pa.binary(),
        "c_date": pa.date32(), "c_timestamp": pa.timestamp("us"), "c_timestamptz": pa.timestamp("us", tz="UTC"),
        "c_time": pa.time64("us"), "c_timetz": pa.string(), "c_interval": pa.month_day_nano_interval(),
        "c_uuid": pa.uuid(), "c_json": pa.json_(), "c_jsonb": pa.json_(), "c_int_array": pa.list_(pa.int32()),
        "c_numeric_array": pa.list_(pa.decimal128(12, 3)), "c_free_numeric_array": pa.string(),
        "c_timestamptz_array": pa.string(), "c_money": pa.int64(), "c_mood": pa.string(), "c_domain": pa.int32(),
    }
    assert {name: schema.field(name).type for name in expected} == expected
    assert schema.field("c_varchar").metadata == {PG_TYPE_KEY: b"character varying(10)"}
    assert schema.field("c_mood").metadata == {PG_TYPE_KEY: f"{scratch_schema}.mood".encode()}
    assert schema.field("c_domain").metadata == {PG_TYPE_KEY: f"{scratch_schema}.positive".encode()}
