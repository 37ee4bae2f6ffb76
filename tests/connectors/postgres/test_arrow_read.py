"""Reading a query as Arrow record batches: shape, refusals, cancellation, bounded memory."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from pgfactory.connectors.postgres.arrow_read import read_query
from pgfactory.connectors.postgres.arrow_session import ArrowSession
from pgfactory.connectors.postgres.arrow_types import PG_TYPE_KEY
from pgfactory.connectors.postgres.arrow_values import INT32_MAX, INT64_MAX
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.errors import ActivityError, ConnectionStageError
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer


def _read(settings: PostgresConnectionSettings, query: str, **options: int) -> pa.Table:
    with read_query(settings, query, **options) as stream:
        return pa.Table.from_batches(list(stream), schema=stream.schema)


def test_duplicate_names_and_text_columns_survive_the_wrapping(pg_settings: PostgresConnectionSettings) -> None:
    query = "SELECT 1 AS a, '10.1.2.3/16'::inet AS a, '12:00+05:30'::timetz AS \"Odd name\";  -- a trailing comment\n"
    table = _read(pg_settings, query)
    assert table.schema.names == ["a", "a", "Odd name"]
    assert table.to_pylist() == [{"a": "10.1.2.3/16", "Odd name": "12:00:00+05:30"}]  # pylist keeps the last "a"
    assert table.column(0).to_pylist() == [1]
    assert [field.metadata[PG_TYPE_KEY] for field in table.schema] == [b"integer", b"inet", b"time with time zone"]


def test_infinities_follow_duckdb(pg_settings: PostgresConnectionSettings) -> None:
    query = ("SELECT d::date AS d, t::timestamp AS t, t::timestamptz AS tz FROM (VALUES ('infinity', 'infinity'),"
             " ('-infinity', '-infinity'), ('2000-01-01', '2000-01-01 00:00:00+00')) AS v(d, t)")
    table = _read(pg_settings, query)
    assert table.column("d").cast(pa.int32()).to_pylist() == [INT32_MAX, -INT32_MAX, 10957]
    assert table.column("t").cast(pa.int64()).to_pylist() == [INT64_MAX, -INT64_MAX, 946_684_800_000_000]
    assert table.column("tz").cast(pa.int64()).to_pylist() == [INT64_MAX, -INT64_MAX, 946_684_800_000_000]


def test_numerics_narrow_and_wide_read_as_exact_decimals(pg_settings: PostgresConnectionSettings) -> None:
    # numeric(18,4) travels in its binary form (decoded with numpy), numeric(30,4) as text.
    query = ("SELECT v::numeric(18,4) AS narrow, v::numeric(30,4) AS wide, v::numeric(18,4)::text AS text"
             " FROM (SELECT ((g - 5000) * 123456789.0123)::numeric(18,4) AS v FROM generate_series(1, 10000) AS g"
             " UNION ALL SELECT NULL) AS s")
    table = _read(pg_settings, query)
    assert table.schema.field("narrow").type == pa.decimal128(18, 4)
    expected = [None if text is None else Decimal(text) for text in table.column("text").to_pylist()]
    assert table.column("narrow").to_pylist() == expected
    assert table.column("wide").to_pylist() == expected


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT '{{1,2},{3,4}}'::int[] AS m", r"'m' \(integer\[\]\) holds a multidimensional array.*m::text"),
    ("SELECT '[0:1]={1,2}'::int[] AS m", r"lower bound is not 1"),
    ("SELECT 'NaN'::numeric(10,2) AS n", r"'n' \(numeric\(10,2\)\) holds NaN.*n::text"),  # binary form
    ("SELECT 'NaN'::numeric(30,2) AS n", r"'n' \(numeric\(30,2\)\) holds NaN.*n::text"),  # text form
    ("SELECT '294276-12-31 23:59:59'::timestamp AS t", r"'t' holds a timestamp after 294247-01-10"),
])
def test_values_arrow_cannot_hold_are_refused_with_the_way_out(pg_settings: PostgresConnectionSettings, query: str,
                                                              message: str) -> None:
    with pytest.raises(ActivityError, match=message) as caught:
        _read(pg_settings, query)
    assert caught.value.code == "TypeConversionFailure"


def test_a_bad_query_fails_before_anything_runs_with_its_sqlstate(pg_settings: PostgresConnectionSettings) -> None:
    with pytest.raises(ActivityError, match="no_such_column") as caught:
        read_query(pg_settings, "SELECT no_such_column FROM pg_class")
    assert caught.value.details[0]["sqlstate"] == "42703"
    assert caught.value.failure_type == "UserError"


def test_a_wrong_password_is_an_authentication_failure(pg_plain: RunningServer) -> None:
    settings = resolve_connection_settings(basic_auth(pg_plain.host, pg_plain.port, "postgres", "wrong", ssl_mode=0))
    with pytest.raises(ConnectionStageError) as caught:
        ArrowSession.open(settings)
    assert caught.value.code == "UserErrorPostgreSqlAuthenticationFailed"
    assert "wrong" not in str(caught.value)


def test_cancel_stops_a_query_still_waiting_for_its_first_rows(pg_settings: PostgresConnectionSettings) -> None:
    with read_query(pg_settings, "SELECT pg_sleep(30) AS slept") as stream:
        threading.Timer(0.3, stream.cancel).start()
        started = time.monotonic()
        with pytest.raises(ActivityError) as caught:
            list(stream)
    assert time.monotonic() - started < 5
    assert caught.value.details[0]["sqlstate"] == "57014"


def test_cancel_before_iteration_runs_nothing(pg_settings: PostgresConnectionSettings) -> None:
    with read_query(pg_settings, "SELECT pg_sleep(30) AS slept") as stream:
        stream.cancel()
        started = time.monotonic()
        with pytest.raises(ActivityError, match="source query was cancelled") as caught:
            list(stream)
    assert time.monotonic() - started < 1  # pg_sleep(30) never ran
    assert caught.value.details[0]["sqlstate"] == "57014"


def test_statement_timeout_replaces_the_command_timeout(pg_settings: PostgresConnectionSettings) -> None:
    with pytest.raises(ActivityError) as caught, read_query(pg_settings, "SELECT pg_sleep(5)", statement_timeout=0.2) as stream:
        list(stream)
    assert caught.value.details[0]["sqlstate"] == "57014"


def test_reads_over_tls_verified_against_the_root_certificate(pg_tls: RunningServer, test_ca_file: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(test_ca_file))
    password = pg_tls.create_role("arrow_tls_reader", "arrow-tls-password")
    settings = resolve_connection_settings(basic_auth("localhost", pg_tls.port, "arrow_tls_reader", password, ssl_mode=5))
    table = _read(settings, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    assert table.to_pylist() == [{"ssl": True}]


def _peak_rss_reset() -> bool:
    # Writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one (Linux).
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def test_a_large_result_streams_in_bounded_batches_and_memory(pg_settings: PostgresConnectionSettings) -> None:
    if not _peak_rss_reset():
        pytest.skip("peak RSS cannot be reset here")
    query = ("SELECT i::bigint AS id, md5(i::text) || md5((i + 1)::text) AS label, (i * 1.25)::numeric(12,2) AS amount,"
             " timestamptz '2024-01-01' + i * interval '1 second' AS at FROM generate_series(1, 300000) AS i")
    baseline = _peak_rss_bytes()
    rows = total_bytes = largest = batches = 0
    with read_query(pg_settings, query, batch_bytes=1 << 20) as stream:
        for batch in stream:
            rows += batch.num_rows
            total_bytes += batch.nbytes
            largest = max(largest, batch.nbytes)
            batches += 1
    growth = _peak_rss_bytes() - baseline
    assert rows == 300_000 and stream.rows == rows and stream.bytes == total_bytes
    assert batches > 10 and largest < 4 << 20  # the 1 MiB hint holds, give or take a row's overshoot and Arrow padding
    assert total_bytes > 25 << 20
    assert growth < total_bytes / 3, f"peak RSS grew {growth} bytes reading {total_bytes} bytes of batches"
