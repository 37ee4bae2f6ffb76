"""Writing Arrow record batches into a table: the caller's transaction, column mapping, casts, staging."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import time
import uuid
from collections.abc import Iterator

import pyarrow as pa
import pytest

from pgfactory.connectors.postgres.arrow_session import ArrowSession
from pgfactory.connectors.postgres.arrow_values import INT32_MAX, INT64_MAX, interval_to_struct
from pgfactory.connectors.postgres.arrow_write import TableName, _Writer, create_staging_table, write_batches
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.errors import ActivityError
from tests.fixtures.postgres import RunningServer


def _batch(**columns: pa.Array) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(columns)


def test_rows_appear_only_when_the_caller_commits(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                  scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id bigint, name text)")
    table = TableName("target", scratch_schema)
    batch = _batch(id=pa.array([1, 2, 3]), name=pa.array(["a", "b", None]))
    count = f"SELECT count(*) FROM {scratch_schema}.target"
    with ArrowSession.open(pg_settings) as session:
        result = write_batches(session, table, ["id", "name"], [batch, batch])
        assert pg_plain.execute(count) == [(0,)]  # another connection sees nothing yet
        session.rollback()
        write_batches(session, table, ["id", "name"], [batch])
        session.commit()
    assert result.rows == 6 and result.bytes >= 2 * batch.nbytes - 16
    assert pg_plain.execute(count) == [(3,)]


def test_leaving_the_session_without_commit_discards_the_rows(pg_plain: RunningServer,
                                                              pg_settings: PostgresConnectionSettings,
                                                              scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id bigint)")
    with ArrowSession.open(pg_settings) as session:
        write_batches(session, TableName("target", scratch_schema), ["id"], [_batch(id=pa.array([1]))])
    assert pg_plain.execute(f"SELECT count(*) FROM {scratch_schema}.target") == [(0,)]


def test_batch_columns_go_to_the_named_columns_in_order(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                        scratch_schema: str) -> None:
    pg_plain.execute(f'CREATE TABLE {scratch_schema}.target (id int, "Mixed Case" text, note text DEFAULT \'default\')')
    batch = pa.RecordBatch.from_arrays([pa.array(["x", "y"]), pa.array([1, 2], pa.int32())], names=["first", "second"])
    with ArrowSession.open(pg_settings) as session:
        write_batches(session, TableName("target", scratch_schema), ["Mixed Case", "id"], [batch])
        session.commit()
    assert pg_plain.execute(f'SELECT id, "Mixed Case", note FROM {scratch_schema}.target ORDER BY id') == [
        (1, "x", "default"), (2, "y", "default")]


def test_arrow_types_are_cast_to_the_column_types(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                  scratch_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_wire_table(*args: object) -> None:
        raise AssertionError("a castable column sent the batch through the wire table")

    monkeypatch.setattr(_Writer, "_write_staged", no_wire_table)
    pg_plain.execute(f"""CREATE TABLE {scratch_schema}.target (big bigint, at timestamp, ratio double precision,
        label text, code varchar(5), amount numeric(12,4), id uuid, day date, span interval, free numeric,
        free_list numeric[], small_list smallint[])""")
    instant = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    span = pa.array([pa.MonthDayNano([14, 3, 4_005_006_000])], pa.month_day_nano_interval())
    batch = _batch(
        big=pa.array([7], pa.int8()), at=pa.array([instant], pa.timestamp("ns")), ratio=pa.array([0.5], pa.float32()),
        label=pa.array(["dict"]).dictionary_encode(), code=pa.array(["large"], pa.large_string()),
        amount=pa.array([decimal.Decimal("1.25")], pa.decimal128(5, 2)),
        id=pa.array([uuid.UUID(int=1).bytes], pa.binary(16)),
        day=pa.array([dt.datetime(2024, 1, 2, 23, 0)], pa.timestamp("s")), span=interval_to_struct(span),
        free=pa.array([decimal.Decimal("-1e-40")], pa.decimal256(50, 45)),
        free_list=pa.array([[decimal.Decimal("2.5"), None]], pa.list_(pa.decimal128(3, 1))),
        small_list=pa.array([[1, None, 3]], pa.list_(pa.int64())),
    )
    with ArrowSession.open(pg_settings) as session:
        write_batches(session, TableName("target", scratch_schema), batch.schema.names, [batch])
        session.commit()
    assert pg_plain.execute(f"SELECT big, at, ratio, label, code, amount, id, day, span::text, free::text, free_list::text,"
                            f" small_list FROM {scratch_schema}.target") == [(
        7, instant, 0.5, "dict", "large", decimal.Decimal("1.2500"), uuid.UUID(int=1), dt.date(2024, 1, 2),
        # A decimal into a numeric without a declared scale keeps its value, not its trailing zeros.
        "1 year 2 mons 3 days 00:00:04.005006", "-0.0000000000000000000000000000000000000001",
        "{2.5,NULL}", [1, None, 3],
    )]


def test_strings_are_parsed_by_postgres_for_typed_columns(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                          scratch_schema: str) -> None:
    """A CSV file's strings land in typed columns as PostgreSQL's input functions read them."""
    pg_plain.execute(f"""CREATE TABLE {scratch_schema}.target (n int, amount numeric, day date, at timestamptz,
        ok boolean, address inet, tags int[], doc jsonb, raw bytea)""")
    batch = _batch(n=pa.array(["42", None]), amount=pa.array(["1e3", "NaN"]), day=pa.array(["2024-02-29", "infinity"]),
                   at=pa.array(["2024-01-01 12:00+02", None]), ok=pa.array(["yes", "f"]),
                   address=pa.array(["10.0.0.1", "::1"]), tags=pa.array(["{1,2}", "{}"]),
                   doc=pa.array(['{"a": 1}', "[]"]), raw=pa.array(["\\x00ff", "\\x"]))
    with ArrowSession.open(pg_settings) as session:
        write_batches(session, TableName("target", scratch_schema), batch.schema.names, [batch])
        session.commit()
    rows = pg_plain.execute(f"SELECT n, amount::text, day::text, at, ok, address::text, tags, doc, raw "
                            f"FROM {scratch_schema}.target ORDER BY n NULLS LAST")
    assert rows == [
        (42, "1000", "2024-02-29", dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC), True, "10.0.0.1/32", [1, 2], {"a": 1},
         b"\x00\xff"),
        (None, "NaN", "infinity", None, False, "::1/128", [], [], b""),
    ]


def test_infinity_batches_between_plain_ones_keep_every_row(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                            scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id int, day date, at timestamptz)")

    def batch(first: int, day: int, at: int) -> pa.RecordBatch:
        return _batch(id=pa.array([first, first + 1], pa.int32()), day=pa.array([day, 0], pa.int32()).cast(pa.date32()),
                      at=pa.array([at, None], pa.int64()).cast(pa.timestamp("us", tz="UTC")))

    batches = [batch(1, 0, 0), batch(3, INT32_MAX, -INT64_MAX), batch(5, 1, 1), batch(7, -INT32_MAX, INT64_MAX),
               batch(9, 2, 2)]
    with ArrowSession.open(pg_settings) as session:
        result = write_batches(session, TableName("target", scratch_schema), ["id", "day", "at"], batches)
        session.commit()
    assert result.rows == 10
    rows = pg_plain.execute(f"SELECT id, day::text, at::text FROM {scratch_schema}.target WHERE id % 2 = 1 ORDER BY id")
    assert rows == [(1, "1970-01-01", "1970-01-01 00:00:00+00"), (3, "infinity", "-infinity"),
                    (5, "1970-01-02", "1970-01-01 00:00:00.000001+00"), (7, "-infinity", "infinity"),
                    (9, "1970-01-03", "1970-01-01 00:00:00.000002+00")]
    assert pg_plain.execute(f"SELECT count(*) FROM {scratch_schema}.target WHERE id % 2 = 0 AND day = '1970-01-01'"
                            " AND at IS NULL") == [(5,)]


def test_staging_table_is_shaped_like_the_target_and_dropped_on_commit(
        pg_plain: RunningServer, pg_settings: PostgresConnectionSettings, scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id int PRIMARY KEY, name varchar(3), "
                     "note text DEFAULT 'from default')")
    batch = _batch(id=pa.array([1, 2], pa.int32()), name=pa.array(["abc", "de"]))
    with ArrowSession.open(pg_settings) as session:
        staging = create_staging_table(session, TableName("target", scratch_schema))
        chosen = create_staging_table(session, TableName("target", scratch_schema), ["name", "id"])
        write_batches(session, staging, ["id", "name"], [batch])
        write_batches(session, chosen, ["id", "name"], [batch])
        staged = session.execute(f"SELECT id, name, note FROM {staging.sql} ORDER BY id")
        chosen_shape = session.execute("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' "
                                       "ORDER BY attnum) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0",
                                       (chosen.sql,))
        with pytest.raises(ActivityError, match="value too long"):
            write_batches(session, staging, ["name"], [_batch(name=pa.array(["abcd"]))])
        session.rollback()
        assert session.execute("SELECT to_regclass($1) IS NULL", (staging.sql,)) == [(True,)]  # gone with the rollback
        kept = create_staging_table(session, TableName("target", scratch_schema))
        session.commit()
        assert session.execute("SELECT to_regclass($1) IS NULL", (kept.sql,)) == [(True,)]  # dropped at commit
    assert staged == [(1, "abc", "from default"), (2, "de", "from default")]
    assert chosen_shape == [("name character varying(3), id integer",)]


def test_a_constraint_violation_fails_with_its_sqlstate(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                                        scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id int PRIMARY KEY)")
    with ArrowSession.open(pg_settings) as session, pytest.raises(ActivityError, match="duplicate key") as caught:
        write_batches(session, TableName("target", scratch_schema), ["id"], [_batch(id=pa.array([1, 1], pa.int32()))])
    assert caught.value.details[0]["sqlstate"] == "23505"
    assert caught.value.failure_type == "UserError" and not caught.value.transient


@pytest.mark.parametrize(("columns", "batch", "message"), [
    (["id", "nope"], _batch(id=pa.array([1]), nope=pa.array([1])), "has no column\\(s\\) 'nope'"),
    (["id"], _batch(id=pa.array([1]), extra=pa.array([1])), "2 columns but 1 sink columns"),
    (["address"], _batch(address=pa.array([[1]])), "list<item: int64> cannot be written to 'address' \\(inet\\)"),
    (["day"], _batch(day=pa.array([-3_000_000], pa.int32()).cast(pa.date32())), "outside the range of PostgreSQL's date"),
])
def test_writes_postgres_cannot_take_are_refused_before_sending(
        pg_plain: RunningServer, pg_settings: PostgresConnectionSettings, scratch_schema: str, columns: list[str],
        batch: pa.RecordBatch, message: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id bigint, address inet, day date)")
    with ArrowSession.open(pg_settings) as session, pytest.raises(ActivityError, match=message):
        write_batches(session, TableName("target", scratch_schema), columns, [batch])


def test_a_missing_table_is_named(pg_settings: PostgresConnectionSettings, scratch_schema: str) -> None:
    with ArrowSession.open(pg_settings) as session, pytest.raises(ActivityError, match="does not exist") as caught:
        write_batches(session, TableName("absent", scratch_schema), ["id"], [_batch(id=pa.array([1]))])
    assert caught.value.code == "UserErrorPostgreSqlTableNotFound"


def test_cancel_stops_a_write_in_progress(pg_plain: RunningServer, pg_settings: PostgresConnectionSettings,
                                          scratch_schema: str) -> None:
    pg_plain.execute(f"CREATE TABLE {scratch_schema}.target (id bigint)")
    chunk = _batch(id=pa.array(range(10_000), pa.int64()))

    def endless() -> Iterator[pa.RecordBatch]:
        while True:
            time.sleep(0.01)
            yield chunk

    with ArrowSession.open(pg_settings) as session:
        threading.Timer(0.3, session.cancel).start()
        started = time.monotonic()
        with pytest.raises(ActivityError) as caught:
            write_batches(session, TableName("target", scratch_schema), ["id"], endless())
    assert time.monotonic() - started < 5
    assert caught.value.details[0]["sqlstate"] == "57014"
    assert pg_plain.execute(f"SELECT count(*) FROM {scratch_schema}.target") == [(0,)]


def test_a_statement_timeout_outlives_a_rollback(pg_settings: PostgresConnectionSettings) -> None:
    with ArrowSession.open(pg_settings, statement_timeout=1.5) as session:
        session.rollback()
        assert session.execute("SELECT current_setting('statement_timeout')") == [("1500ms",)]
