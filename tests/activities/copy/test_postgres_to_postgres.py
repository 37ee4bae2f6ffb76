"""Copy between PostgreSQL tables: COPY bytes pass through, one commit, every write method."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pgfactory.activities import ActivityControl, Cancellation
from pgfactory.activities.copy import run_copy
from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory
from tests.activities.conftest import ROLE
from tests.activities.invocations import LINKED_SERVICE, invocation, make_factory, running_statements
from tests.fixtures.postgres import RunningServer

SCHEMA = ROLE


def dataset(name: str, table: str) -> dict[str, Any]:
    return {"name": name, "properties": {"type": "AzurePostgreSqlTable",
            "linkedServiceName": {"referenceName": LINKED_SERVICE, "type": "LinkedServiceReference"},
            "typeProperties": {"schema": SCHEMA, "table": table}}}


def copy(source: dict[str, Any] | None = None, sink: dict[str, Any] | None = None, **type_properties: Any) -> dict[str, Any]:
    return {"name": "Copy", "type": "Copy",
            "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
            "outputs": [{"referenceName": "Sink", "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", **(source or {})},
                               "sink": {"type": "AzurePostgreSqlSink", **(sink or {})}, **type_properties}}


def factory_for(server: RunningServer) -> Factory:
    return make_factory(server, datasets=[dataset("Source", "source"), dataset("Sink", "target")])


def run(server: RunningServer, activity: dict[str, Any], control: ActivityControl | None = None) -> dict[str, Any]:
    return run_copy(invocation(factory_for(server), activity), control or ActivityControl())


def create(server: RunningServer, table: str, columns: str, rows: str | None = None) -> None:
    server.execute(f"CREATE TABLE {SCHEMA}.{table} ({columns})")
    server.execute(f"ALTER TABLE {SCHEMA}.{table} OWNER TO {ROLE}")
    if rows:
        server.execute(f"INSERT INTO {SCHEMA}.{table} {rows}")


def rows(server: RunningServer, table: str, order: str = "1") -> list[tuple[Any, ...]]:
    return server.execute(f"SELECT * FROM {SCHEMA}.{table} ORDER BY {order}")


EVERY_TYPE = """
    id int PRIMARY KEY, small smallint, big bigint, exact numeric, money_ numeric(38,10), huge numeric,
    real_ real, double_ double precision, text_ text, varchar_ varchar(20), char_ char(3), bytes bytea, flag boolean,
    day date, moment timestamp, instant timestamptz, clock time, clock_tz timetz, span interval, id_ uuid,
    doc json, docb jsonb, ints int[], texts text[], grid int[][], address inet, amount money
"""
EVERY_VALUE = """
SELECT g, g::smallint, g * 10000000000, g / 7.0, 12345678901234567890.0123456789, 10::numeric ^ 60 + 0.5,
       1.5 * g, 'NaN'::float8, 'text ' || g || E' \\t tab \\n line', 'v' || g, 'c', '\\xdeadbeef'::bytea, g % 2 = 0,
       date '2024-02-29' + g, timestamp '2024-01-01 12:34:56.789012' + g * interval '1 hour',
       timestamptz '2024-03-31 01:30:00+02' + g * interval '1 day', time '23:59:59.999999', timetz '10:00:00-05:30',
       interval '1 year 2 months 3 days 04:05:06.7', gen_random_uuid(), '{"a": [1, 2.5, null]}'::json,
       '{"b": {"c": "d"}}'::jsonb, ARRAY[g, NULL, 3], ARRAY['x', NULL, 'y"z'], ARRAY[[1, 2], [3, 4]], '10.0.0.1/8'::inet,
       12.34::money
FROM generate_series(1, 50) AS g
UNION ALL SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
"""


def same_rows(server: RunningServer) -> bool:
    # Row text compares every type, json included (which has no equality operator for EXCEPT).
    same = server.execute(f"SELECT (SELECT array_agg(s::text ORDER BY s.id) FROM {SCHEMA}.source s) = "
                          f"(SELECT array_agg(t::text ORDER BY t.id) FROM {SCHEMA}.target t)")
    return bool(same[0][0])


def test_tables_of_the_same_shape_copy_binary_bytes_and_every_value_survives(tables: RunningServer) -> None:
    create(tables, "source", EVERY_TYPE, EVERY_VALUE)
    create(tables, "target", EVERY_TYPE)
    output = run(tables, copy())
    assert same_rows(tables)
    assert output["rowsRead"] == output["rowsCopied"] == 51 and output["rowsSkipped"] == 0
    assert output["dataRead"] == output["dataWritten"] > 0
    assert output["executionDetails"][0]["copyMethod"] == "COPY BINARY pass-through"
    assert output["executionDetails"][0]["source"] == {"type": "AzurePostgreSql"}
    assert set(output) >= {"copyDuration", "throughput", "errors", "usedParallelCopies", "sourcePeakConnections"}


def test_different_types_go_through_text_and_the_sink_parses_them(tables: RunningServer) -> None:
    create(tables, "source", "id int, amount numeric(10,2), day text", "VALUES (1, 9.99, '2024-01-02'), (2, NULL, NULL)")
    create(tables, "target", "id bigint, amount text, day date, extra text DEFAULT 'kept'")
    output = run(tables, copy())
    assert output["executionDetails"][0]["copyMethod"] == "COPY TEXT pass-through"
    assert [tuple(map(str, row)) for row in rows(tables, "target")] == [
        ("1", "9.99", "2024-01-02", "kept"), ("2", "None", "None", "kept")]


def test_a_query_and_a_translator_choose_and_rename_columns(tables: RunningServer) -> None:
    create(tables, "source", "a int, b text", "VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    create(tables, "target", "number int, label text")
    run(tables, copy(source={"query": f"SELECT a, upper(b) AS b FROM {SCHEMA}.source WHERE a > 1;"},
                     translator={"type": "TabularTranslator", "mappings": [
                         {"source": {"name": "b"}, "sink": {"name": "label"}},
                         {"source": {"ordinal": 1}, "sink": {"name": "number"}}]}))
    assert rows(tables, "target") == [(2, "TWO"), (3, "THREE")]


def test_default_mapping_needs_every_source_column_in_the_sink(tables: RunningServer) -> None:
    create(tables, "source", "id int, secret_sauce text")
    create(tables, "target", "id int")
    with pytest.raises(ActivityError, match=r"has no column 'secret_sauce'.*sink columns: id") as caught:
        run(tables, copy())
    assert caught.value.code == "UserErrorColumnMappingFailed"


def test_a_failure_leaves_the_target_as_it_was_pre_copy_script_included(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'fine'), (2, 'too long for the target')")
    create(tables, "target", "id int, label varchar(5)", "VALUES (99, 'old')")
    with pytest.raises(ActivityError, match="SQLSTATE 22001") as caught:
        run(tables, copy(sink={"preCopyScript": f"DELETE FROM {SCHEMA}.target; INSERT INTO {SCHEMA}.target VALUES (7, 'pre')"}))
    assert "Writing into" in caught.value.message
    assert rows(tables, "target") == [(99, "old")]


def test_pre_copy_script_runs_before_the_rows(tables: RunningServer) -> None:
    create(tables, "source", "id int", "VALUES (1), (2)")
    create(tables, "target", "id int", "VALUES (5)")
    run(tables, copy(sink={"preCopyScript": f"TRUNCATE {SCHEMA}.target"}))
    assert rows(tables, "target") == [(1,), (2,)]


def test_upsert_updates_by_primary_key_inserts_the_rest_and_the_last_duplicate_wins(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text, seq serial",
           "(id, label) VALUES (1, 'first'), (3, 'new'), (1, 'second')")
    create(tables, "target", "id int PRIMARY KEY, label text, untouched text DEFAULT 'd'",
           "VALUES (1, 'old', 'keep'), (2, 'other', 'keep')")
    output = run(tables, copy(source={"query": f"SELECT id, label FROM {SCHEMA}.source ORDER BY seq"},
                              sink={"writeMethod": "Upsert"}))
    assert rows(tables, "target") == [(1, "second", "keep"), (2, "other", "keep"), (3, "new", "d")]
    assert output["rowsRead"] == 3 and output["rowsCopied"] == 2


def test_upsert_keys_need_a_unique_constraint(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'x')")
    create(tables, "target", "id int, label text")
    with pytest.raises(ActivityError, match="needs a primary key or unique constraint on exactly its keys"):
        run(tables, copy(sink={"writeMethod": "Upsert", "upsertSettings": {"keys": ["label"]}}))
    with pytest.raises(ActivityError, match=r"has no primary key; give upsertSettings\.keys"):
        run(tables, copy(sink={"writeMethod": "upsert"}))


def test_bulk_insert_appends(tables: RunningServer) -> None:
    create(tables, "source", "id int", "VALUES (1), (2)")
    create(tables, "target", "id int", "VALUES (0)")
    assert run(tables, copy(sink={"writeMethod": "BulkInsert"}))["rowsCopied"] == 2
    assert rows(tables, "target") == [(0,), (1,), (2,)]


def test_a_bad_source_query_names_its_sqlstate(tables: RunningServer) -> None:
    create(tables, "target", "id int")
    with pytest.raises(ActivityError, match="The source query failed with SQLSTATE 42P01"):
        run(tables, copy(source={"query": "SELECT * FROM nowhere"}))


def test_cancelling_stops_both_statements_and_writes_nothing(tables: RunningServer) -> None:
    create(tables, "target", "id bigint, pad text")
    cancellation = Cancellation()
    slow = "SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 50000000) AS g"
    threading.Timer(1.0, cancellation.cancel, args=("cancelled",)).start()
    started = time.monotonic()
    with pytest.raises(ActivityError) as caught:
        run(tables, copy(source={"query": slow}), ActivityControl(cancellation))
    assert caught.value.code == "ActivityCancelled"
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while running_statements(tables, "generate_series(1, 50000000)") or running_statements(tables, "FROM STDIN"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert rows(tables, "target") == []


def test_progress_is_reported_while_rows_move(tables: RunningServer) -> None:
    create(tables, "target", "id bigint, pad text")
    reports: list[dict[str, Any]] = []
    output = run(tables, copy(source={"query": "SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 400000) AS g"}),
                 ActivityControl(on_progress=reports.append))
    assert output["rowsCopied"] == 400000
    assert reports and all(0 < report["rowsCopied"] <= 400000 for report in reports)


def test_upsert_leaves_unchanged_rows_alone(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text, doc json", "VALUES (1, 'same', '{\"a\": 1}'), (2, 'changed', '[]')")
    create(tables, "target", "id int PRIMARY KEY, label text, doc json",
           "VALUES (1, 'same', '{\"a\": 1}'), (2, 'before', '[]')")
    versions = dict(tables.execute(f"SELECT id, xmin::text FROM {SCHEMA}.target"))
    output = run(tables, copy(sink={"writeMethod": "Upsert"}))
    after = dict(tables.execute(f"SELECT id, xmin::text FROM {SCHEMA}.target"))
    assert after[1] == versions[1] and after[2] != versions[2]  # row 1 was not rewritten
    assert rows(tables, "target")[1][1] == "changed"
    assert output["rowsRead"] == 2 and output["rowsCopied"] == 1
