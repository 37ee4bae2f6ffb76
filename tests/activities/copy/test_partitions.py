"""Partitioned, parallel reads from PostgreSQL: strides, physical partitions, hooks, one commit, files per partition."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgfactory.activities import ActivityControl, Cancellation
from pgfactory.activities.copy import run_copy
from pgfactory.activities.copy.partitions import PartitionSettings, plan_partitions
from pgfactory.activities.copy.range_partitions import range_strides
from pgfactory.engine.validation import validate_pipelines
from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource
from tests.activities.conftest import ROLE
from tests.activities.copy.test_postgres_to_postgres import copy, dataset, rows
from tests.activities.invocations import invocation, make_factory, resource, running_statements
from tests.fixtures.postgres import RunningServer

SCHEMA = ROLE
NUMBERS = "SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE g END, 'row ' || g FROM generate_series(-5, 105) AS g"


def as_role(server: RunningServer, statements: str) -> None:
    server.execute(f"SET ROLE {ROLE}; SET search_path = {SCHEMA}; {statements}")


@pytest.fixture
def tables(server: RunningServer) -> RunningServer:
    server.execute(f"DROP TABLE IF EXISTS {SCHEMA}.source, {SCHEMA}.target, {SCHEMA}.events CASCADE")
    return server


def factory_for(server: RunningServer, *extra: dict[str, Any], folder: Path | None = None) -> Factory:
    factory = make_factory(server, datasets=[dataset("Source", "source"), dataset("Sink", "target"), *extra])
    if folder is not None:
        factory.add(ResourceKind.LINKED_SERVICE, LinkedServiceResource.model_validate(
            {"name": "Files", "properties": {"type": "FileServer", "typeProperties": {"host": str(folder)}}}))
    return factory


def run(server: RunningServer, activity: dict[str, Any], *extra: dict[str, Any], folder: Path | None = None,
        control: ActivityControl | None = None) -> dict[str, Any]:
    return run_copy(invocation(factory_for(server, *extra, folder=folder), activity), control or ActivityControl())


def ranged(column: str | None = None, lower: Any = None, upper: Any = None, **source: Any) -> dict[str, Any]:
    settings = {key: value for key, value in (("partitionColumnName", column), ("partitionLowerBound", lower),
                                              ("partitionUpperBound", upper)) if value is not None}
    return {"partitionOption": "DynamicRange", "partitionSettings": settings, **source}


def plan(server: RunningServer, settings: PartitionSettings, *, query: str | None = None) -> list[str]:
    with psycopg.connect(server.server.conninfo, autocommit=True) as connection:
        partitions = plan_partitions(connection, settings, query_text=query, table=sql.Identifier(SCHEMA, "source"))
        return [partition.query.as_string(connection) for partition in partitions]


def csv_dataset(file_name: str | None = None) -> dict[str, Any]:
    location = {"type": "FileServerLocation", "folderPath": "out", **({"fileName": file_name} if file_name else {})}
    return {"name": "Csv", "properties": {"type": "DelimitedText",
            "linkedServiceName": {"referenceName": "Files", "type": "LinkedServiceReference"},
            "typeProperties": {"location": location, "columnDelimiter": ",", "firstRowAsHeader": True}}}


def to_csv(source: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Copy", "type": "Copy", "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
            "outputs": [{"referenceName": "Csv", "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", **source}, "sink": {"type": "DelimitedTextSink"}}}


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder``, temporary ones included."""
    return sorted(path.name for path in folder.rglob("*")) if folder.exists() else []


def read_ids(*paths: Path) -> list[int]:
    return sorted(int(row["id"]) for path in paths for row in csv.DictReader(path.read_text().splitlines()))


def numbers_table(server: RunningServer, *, key: str = "PRIMARY KEY") -> None:
    as_role(server, f"CREATE TABLE source (id int {key}, n int, label text); INSERT INTO source {NUMBERS};"
                    "CREATE TABLE target (id bigint, n bigint, label text)")


# Strides and plans


def test_strides_match_adf_example_and_never_exceed_the_values() -> None:
    assert range_strides(1, 80, 4) == [(1, 20), (21, 40), (41, 60), (61, 80)]
    assert range_strides(1, 10, 4) == [(1, 2), (3, 5), (6, 7), (8, 10)]
    assert range_strides(5, 7, 4) == [(5, 5), (6, 6), (7, 7)]
    assert range_strides(-3, -3, 4) == [(-3, -3)]
    with pytest.raises(ValueError):
        range_strides(2, 1, 4)


def test_range_queries_quote_the_column_and_type_the_bounds_with_open_edges(tables: RunningServer) -> None:
    as_role(tables, 'CREATE TABLE source ("Order Day" date, label text)')
    settings = PartitionSettings("DynamicRange", column="Order Day", lower_bound="2024-01-01", upper_bound="2024-01-04",
                                 parallel_copies=4)
    table = f'"{SCHEMA}"."source"'
    assert plan(tables, settings) == [
        f"""SELECT * FROM {table} WHERE ("Order Day" <= '2024-01-01'::date OR "Order Day" IS NULL)""",
        f"""SELECT * FROM {table} WHERE ("Order Day" >= '2024-01-02'::date AND "Order Day" <= '2024-01-02'::date)""",
        f"""SELECT * FROM {table} WHERE ("Order Day" >= '2024-01-03'::date AND "Order Day" <= '2024-01-03'::date)""",
        f"""SELECT * FROM {table} WHERE "Order Day" >= '2024-01-04'::date""",
    ]
    hooks = ("SELECT * FROM ?AdfTabularPartitionName WHERE ?AdfRangePartitionColumnName >= ?AdfRangePartitionLowbound "
             "AND ?AdfRangePartitionColumnName <= ?AdfRangePartitionUpbound AND label <> '?AdfRangePartitionUpboundX'")
    first, *_, last = plan(tables, settings, query=hooks)
    assert first == (f"""SELECT * FROM {table} WHERE "Order Day" >= '-infinity'::date AND "Order Day" <= '2024-01-01'::date """
                     "AND label <> '?AdfRangePartitionUpboundX'")
    assert last.endswith(""""Order Day" >= '2024-01-04'::date AND "Order Day" <= 'infinity'::date """
                         "AND label <> '?AdfRangePartitionUpboundX'")


def test_timestamp_strides_are_contiguous_to_the_microsecond(tables: RunningServer) -> None:
    as_role(tables, "CREATE TABLE source (at timestamptz)")
    settings = PartitionSettings("DynamicRange", column="at", lower_bound="2024-01-01 00:00:00+00",
                                 upper_bound="2024-01-01 00:00:00.000003+00", parallel_copies=2)
    queries = plan(tables, settings, query=f"SELECT * FROM {SCHEMA}.source WHERE ?AdfDynamicRangePartitionCondition")
    assert queries == [
        f"""SELECT * FROM {SCHEMA}.source WHERE ("at" <= '2024-01-01 00:00:00.000001+00:00'::timestamp with time zone """
        """OR "at" IS NULL)""",
        f"""SELECT * FROM {SCHEMA}.source WHERE "at" >= '2024-01-01 00:00:00.000002+00:00'::timestamp with time zone""",
    ]


# DynamicRange copies


def test_dynamic_range_keeps_rows_outside_the_bounds_and_nulls(tables: RunningServer) -> None:
    numbers_table(tables)
    # Bounds 1..80 stride the column n, which holds -5..105 and NULLs; the target's bigint columns take text COPY.
    output = run(tables, copy(source=ranged("n", 1, 80)))
    assert rows(tables, "target", "id") == tables.execute(f"SELECT * FROM ({NUMBERS}) AS s ORDER BY 1")
    assert output["rowsRead"] == output["rowsCopied"] == 111
    assert output["usedParallelCopies"] == output["sourcePeakConnections"] == 4
    assert output["executionDetails"][0]["copyMethod"] == "COPY TEXT pass-through"


def test_dynamic_range_defaults_to_the_primary_key_and_its_min_and_max(tables: RunningServer) -> None:
    numbers_table(tables)
    output = run(tables, copy(source=ranged(), parallelCopies=3))
    assert output["usedParallelCopies"] == 3 and output["rowsCopied"] == 111
    assert tables.execute(f"SELECT count(DISTINCT id) FROM {SCHEMA}.target") == [(111,)]


def test_query_hooks_are_filled_in_for_each_range(tables: RunningServer) -> None:
    numbers_table(tables)
    query = ("SELECT id, n, upper(label) AS label FROM ?AdfTabularPartitionName "
             "WHERE ?AdfDynamicRangePartitionCondition AND id <> 0")
    output = run(tables, copy(source=ranged("n", 1, 100, query=query)))
    assert output["rowsCopied"] == 110
    assert tables.execute(f"SELECT count(*) FROM {SCHEMA}.target WHERE n IS NULL") == [(10,)]  # id 0 left out
    assert rows(tables, "target", "id")[0] == (-5, -5, "ROW -5")


def test_a_query_without_hooks_is_wrapped(tables: RunningServer) -> None:
    numbers_table(tables)
    query = f"SELECT id, n, label FROM {SCHEMA}.source WHERE id > 50"
    output = run(tables, copy(source=ranged("id", query=query), parallelCopies=2))
    assert output["usedParallelCopies"] == 2 and output["rowsCopied"] == 55


def test_upsert_from_partitions_merges_once(tables: RunningServer) -> None:
    as_role(tables, f"CREATE TABLE source (id int PRIMARY KEY, n int, label text); INSERT INTO source {NUMBERS};"
                    "CREATE TABLE target (id int PRIMARY KEY, n int, label text);"
                    "INSERT INTO target VALUES (1, 0, 'old'), (500, 0, 'kept')")
    output = run(tables, copy(source=ranged(), sink={"writeMethod": "Upsert"}))
    assert output["rowsRead"] == 111 and output["usedParallelCopies"] == 4
    assert tables.execute(f"SELECT count(*), min(id), max(id) FROM {SCHEMA}.target") == [(112, -5, 500)]
    assert rows(tables, "target", "id")[6] == (1, 1, "row 1")


# Physical partitions


PARTITIONED = """
    CREATE TABLE source (id int, day date, label text) PARTITION BY RANGE (day);
    CREATE TABLE source_2023 PARTITION OF source FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
    CREATE TABLE source_2024 PARTITION OF source FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (label);
    CREATE TABLE source_2024_a PARTITION OF source_2024 FOR VALUES IN ('a');
    CREATE TABLE source_2024_other PARTITION OF source_2024 DEFAULT;
    CREATE TABLE source_rest PARTITION OF source DEFAULT;
    INSERT INTO source SELECT g, date '2023-06-01' + g * 7, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END
        FROM generate_series(1, 120) AS g;
    CREATE TABLE target (id int, day date, label text);
"""


def test_physical_partitions_are_found_through_sub_partitions(tables: RunningServer) -> None:
    as_role(tables, PARTITIONED)
    output = run(tables, copy(source={"partitionOption": "PhysicalPartitionsOfTable"}, parallelCopies=8))
    assert output["usedParallelCopies"] == 4  # the four leaf partitions
    assert output["executionDetails"][0]["copyMethod"] == "COPY BINARY pass-through"
    assert rows(tables, "target", "id") == rows(tables, "source", "id")


def test_named_partitions_and_the_partition_hook(tables: RunningServer) -> None:
    as_role(tables, PARTITIONED)
    query = "SELECT id, day, upper(label) AS label FROM ?AdfTabularPartitionName WHERE id % 2 = 0"
    output = run(tables, copy(source={"partitionOptions": "PhysicalPartitionsOfTable", "query": query,
                                      "partitionSettings": {"partitionNames": ["source_2023", f"{SCHEMA}.source_2024_a"]}}))
    assert output["usedParallelCopies"] == 2
    expected = tables.execute(f"SELECT id, day, upper(label) FROM {SCHEMA}.source WHERE id % 2 = 0 AND (day < '2024-01-01' "
                              f"OR (day < '2025-01-01' AND label = 'a')) ORDER BY id")
    assert rows(tables, "target", "id") == expected


def test_an_inheritance_parent_with_rows_of_its_own_is_read_once(tables: RunningServer) -> None:
    as_role(tables, "CREATE TABLE source (id int); CREATE TABLE events () INHERITS (source);"
                    "INSERT INTO source VALUES (1), (2); INSERT INTO events VALUES (3); CREATE TABLE target (id int)")
    output = run(tables, copy(source={"partitionOption": "PhysicalPartitionsOfTable"}))
    assert output["usedParallelCopies"] == 2
    assert rows(tables, "target") == [(1,), (2,), (3,)]


# Parallelism and the one commit


SLEEPY = ("SELECT id FROM (SELECT id FROM {schema}.source WHERE ?AdfDynamicRangePartitionCondition OFFSET 0) AS q "
          "WHERE pg_sleep(0.5) IS NOT NULL")  # OFFSET 0 keeps the sleep after the range: one per row


def test_partitions_are_read_at_the_same_time(tables: RunningServer) -> None:
    as_role(tables, "CREATE TABLE source (id int); INSERT INTO source VALUES (1), (2), (3), (4); CREATE TABLE target (id int)")
    started = time.monotonic()
    output = run(tables, copy(source=ranged("id", 1, 4, query=SLEEPY.format(schema=SCHEMA))))
    elapsed = time.monotonic() - started
    assert output["usedParallelCopies"] == 4 and rows(tables, "target") == [(1,), (2,), (3,), (4,)]
    assert elapsed < 1.4, f"four partitions sleeping 0.5 s each took {elapsed:.2f} s"


def test_a_failing_partition_rolls_back_every_partition_and_stops_the_others(tables: RunningServer) -> None:
    as_role(tables, "CREATE TABLE source (id int, v int); INSERT INTO source SELECT g, g FROM generate_series(1, 400) AS g;"
                    "CREATE TABLE target (id int, v int); INSERT INTO target VALUES (0, 0)")
    query = (f"SELECT id, v / CASE WHEN id = 350 THEN 0 ELSE 1 END AS v FROM {SCHEMA}.source "
             "WHERE ?AdfDynamicRangePartitionCondition AND (id <> 150 OR pg_sleep(10) IS NOT NULL)")
    started = time.monotonic()
    with pytest.raises(ActivityError, match="division by zero") as caught:
        run(tables, copy(source=ranged("id", 1, 400, query=query),
                         sink={"preCopyScript": f"DELETE FROM {SCHEMA}.target"}))
    assert time.monotonic() - started < 5  # the partition sleeping at id 150 was cancelled
    assert caught.value.code == "PostgreSqlCopyFailed" and "(range \"id\" >= '301'::integer)" in caught.value.message
    assert rows(tables, "target") == [(0, 0)]


@pytest.mark.parametrize("sink", ["table", "file"])
def test_cancelling_stops_every_partition(tables: RunningServer, tmp_path: Path, sink: str) -> None:
    as_role(tables, "CREATE TABLE source (id int); INSERT INTO source VALUES (1), (2), (3), (4); CREATE TABLE target (id int)")
    source = ranged("id", 1, 4, query=SLEEPY.format(schema=SCHEMA).replace("pg_sleep(0.5)", "pg_sleep(30)"))
    activity = copy(source=source) if sink == "table" else to_csv(source)
    cancellation = Cancellation()
    threading.Timer(0.5, cancellation.cancel, args=("cancelled",)).start()
    started = time.monotonic()
    with pytest.raises(ActivityError) as caught:
        run(tables, activity, csv_dataset(), folder=tmp_path, control=ActivityControl(cancellation))
    assert caught.value.code == "ActivityCancelled" and time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while running_statements(tables, "pg_sleep(30)"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert rows(tables, "target") == [] and files_in(tmp_path / "out") == []


def test_progress_adds_up_the_partitions(tables: RunningServer) -> None:
    as_role(tables, "CREATE TABLE source (id int PRIMARY KEY, pad text);"
                    "INSERT INTO source SELECT g, repeat('x', 100) FROM generate_series(1, 20000) AS g;"
                    "CREATE TABLE target (id int, pad text)")
    reports: list[dict[str, Any]] = []
    output = run(tables, copy(source=ranged()), control=ActivityControl(on_progress=reports.append))
    assert output["rowsRead"] == output["rowsCopied"] == 20000
    copied = [report["rowsCopied"] for report in reports]
    assert copied and copied == sorted(copied) and copied[-1] <= 20000


# Errors and validation


def test_unsupported_partition_column_type_fails_with_adf_code_and_message(tables: RunningServer) -> None:
    numbers_table(tables)
    with pytest.raises(ActivityError) as caught:
        run(tables, copy(source=ranged("label")))
    assert caught.value.code == "AzurePostgreSqlNpgsqlDataTypeNotSupported"
    assert caught.value.message == ("The data type of the chosen Partition Column, 'label', is 'text' and this data type "
                                    "is not supported for partitioning.")


def test_a_table_without_a_single_column_key_needs_a_partition_column(tables: RunningServer) -> None:
    numbers_table(tables, key="")
    with pytest.raises(ActivityError, match=r"^Partition column name must be specified\.") as caught:
        run(tables, copy(source=ranged()))
    assert caught.value.code == "AzurePostgreSqlNpgsqlPartitionColumnNameNotProvided"


@pytest.mark.parametrize(("source", "properties", "message"), [
    ({"partitionOption": "Sideways"}, {}, "source.partitionOption: unknown partition option 'Sideways'"),
    ({}, {"parallelCopies": 0}, "parallelCopies: must be an integer of at least 1"),
    ({"query": "SELECT * FROM t WHERE ?AdfDynamicRangePartitionCondition"}, {}, "only a partitioned read fills in"),
    ({"partitionOption": "PhysicalPartitionsOfTable", "query": "SELECT 1"}, {}, "the query has no such hook"),
])
def test_invalid_settings_are_refused(tables: RunningServer, source: dict[str, Any], properties: dict[str, Any],
                                      message: str) -> None:
    numbers_table(tables)
    with pytest.raises(ActivityError, match=message) as caught:
        run(tables, copy(source=source, **properties))
    assert caught.value.code == "UserErrorInvalidCopy"


def test_validation_names_the_partition_properties(tables: RunningServer) -> None:
    factory = factory_for(tables)
    activity = copy(source={"partitionOption": "Sideways", "partitionSettings": {"partitionNames": "p1"}},
                    parallelCopies=0)
    factory.add(ResourceKind.PIPELINE, resource(ResourceKind.PIPELINE, {"name": "P", "properties": {"activities": [activity]}}))
    problems = {(problem.property_path, problem.message.split(";")[0]) for problem in validate_pipelines(factory)}
    base = "properties.activities[0].typeProperties"
    assert problems == {(f"{base}.source.partitionOption", "unknown partition option 'Sideways'"),
                        (f"{base}.source.partitionSettings.partitionNames", "must be an array of table names"),
                        (f"{base}.parallelCopies", "must be an integer of at least 1, got 0")}


# Files


def test_each_partition_writes_its_own_file(tables: RunningServer, tmp_path: Path) -> None:
    numbers_table(tables)
    output = run(tables, to_csv(ranged("n", 1, 80)), csv_dataset(), folder=tmp_path)
    assert files_in(tmp_path / "out") == ["source_00000.txt", "source_00001.txt", "source_00002.txt", "source_00003.txt"]
    assert read_ids(*(tmp_path / "out").iterdir()) == list(range(-5, 106))
    assert output["filesWritten"] == 4 and output["rowsCopied"] == 111 and output["usedParallelCopies"] == 4


def test_partitions_merge_into_the_dataset_file_and_read_at_the_same_time(tables: RunningServer, tmp_path: Path) -> None:
    as_role(tables, "CREATE TABLE source (id int); INSERT INTO source VALUES (1), (2), (3), (4)")
    started = time.monotonic()
    output = run(tables, to_csv(ranged("id", 1, 4, query=SLEEPY.format(schema=SCHEMA))), csv_dataset("all.csv"),
                 folder=tmp_path)
    elapsed = time.monotonic() - started
    assert files_in(tmp_path / "out") == ["all.csv"]
    assert read_ids(tmp_path / "out" / "all.csv") == [1, 2, 3, 4] and output["filesWritten"] == 1
    assert elapsed < 1.4, f"four partitions sleeping 0.5 s each took {elapsed:.2f} s"


def test_a_failing_partition_leaves_no_file_at_all(tables: RunningServer, tmp_path: Path) -> None:
    numbers_table(tables)
    query = f"SELECT id, 1 / (id - 90) AS boom FROM {SCHEMA}.source WHERE ?AdfDynamicRangePartitionCondition"
    with pytest.raises(ActivityError, match="division by zero"):
        run(tables, to_csv(ranged("id", 1, 100, query=query)), csv_dataset(), folder=tmp_path)
    assert files_in(tmp_path / "out") == []
