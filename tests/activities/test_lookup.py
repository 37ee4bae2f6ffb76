"""The Lookup activity against a real server: query or dataset table, firstRowOnly, limits, errors."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pgfactory.activities import EXECUTION_ACTIVITIES, ActivityControl, Cancellation
from pgfactory.activities.lookup import ROW_LIMIT, run_lookup
from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory
from tests.activities.conftest import ROLE
from tests.activities.invocations import LINKED_SERVICE, cancel_after, invocation, make_factory, running_statements
from tests.fixtures.postgres import RunningServer


def dataset(name: str, type_properties: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": {
        "type": "AzurePostgreSqlTable",
        "linkedServiceName": {"referenceName": LINKED_SERVICE, "type": "LinkedServiceReference"},
        "typeProperties": type_properties, **properties}}


DATASETS = [
    dataset("Anything", {}),
    dataset("MixedCase", {"schema": ROLE, "table": "Mixed Case"}),
    dataset("Legacy", {"tableName": f'{ROLE}."Mixed Case"'}),
    dataset("LegacyFolded", {"tableName": f"{ROLE.upper()}.Plain"}),
    dataset("Parameterized", {"schema": "@dataset().schemaName", "table": {"value": "@dataset().tableName",
                                                                           "type": "Expression"}},
            parameters={"schemaName": {"type": "String", "defaultValue": ROLE},
                        "tableName": {"type": "String"}}),
]


@pytest.fixture(scope="module")
def factory(server: RunningServer) -> Factory:
    server.execute(f'CREATE TABLE {ROLE}."Mixed Case" (id int, label text)')
    server.execute(f"INSERT INTO {ROLE}.\"Mixed Case\" VALUES (1, 'one'), (2, 'two')")
    server.execute(f"CREATE TABLE {ROLE}.plain (id int)")
    server.execute(f"INSERT INTO {ROLE}.plain VALUES (7)")
    server.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA {ROLE} TO {ROLE}")
    return make_factory(server, datasets=DATASETS)


def lookup(query: str | None = None, *, dataset_name: str = "Anything", parameters: dict[str, Any] | None = None,
           **type_properties: Any) -> dict[str, Any]:
    source: dict[str, Any] = {"type": "AzurePostgreSqlSource"}
    if query is not None:
        source["query"] = query
    source.update(type_properties.pop("source", {}))
    reference: dict[str, Any] = {"referenceName": dataset_name, "type": "DatasetReference"}
    if parameters is not None:
        reference["parameters"] = parameters
    return {"name": "Look", "type": "Lookup",
            "typeProperties": {"source": source, "dataset": reference, **type_properties}}


def run(factory: Factory, activity: dict[str, Any], cancellation: Cancellation | None = None) -> dict[str, Any]:
    return run_lookup(invocation(factory, activity), ActivityControl(cancellation))


def failure(factory: Factory, activity: dict[str, Any], cancellation: Cancellation | None = None) -> ActivityError:
    with pytest.raises(ActivityError) as caught:
        run(factory, activity, cancellation)
    return caught.value


def test_lookup_is_registered_as_an_execution_activity() -> None:
    assert EXECUTION_ACTIVITIES["Lookup"] is run_lookup


def test_first_row_only_is_the_default(factory: Factory) -> None:
    output = run(factory, lookup("SELECT 1 AS id, 'dbo' AS schema UNION ALL SELECT 2, 'x'"))
    assert output == {"firstRow": {"id": 1, "schema": "dbo"}}


def test_first_row_is_omitted_when_there_is_no_row(factory: Factory) -> None:
    assert run(factory, lookup("SELECT 1 AS id WHERE false")) == {}


def test_all_rows_come_with_their_count(factory: Factory) -> None:
    output = run(factory, lookup("SELECT n FROM generate_series(1, 3) AS n", firstRowOnly=False))
    assert output == {"count": 3, "value": [{"n": 1}, {"n": 2}, {"n": 3}]}
    assert run(factory, lookup("SELECT 1 WHERE false", firstRowOnly="false")) == {"count": 0, "value": []}


def test_a_dataset_table_is_read_with_its_exact_name(factory: Factory) -> None:
    output = run(factory, lookup(dataset_name="MixedCase", firstRowOnly=False))
    assert output["value"] == [{"id": 1, "label": "one"}, {"id": 2, "label": "two"}]


def test_a_legacy_table_name_keeps_quoted_parts_and_folds_the_rest(factory: Factory) -> None:
    assert run(factory, lookup(dataset_name="Legacy")) == {"firstRow": {"id": 1, "label": "one"}}
    assert run(factory, lookup(dataset_name="LegacyFolded")) == {"firstRow": {"id": 7}}


def test_dataset_parameters_name_the_table(factory: Factory) -> None:
    output = run(factory, lookup(dataset_name="Parameterized", parameters={"tableName": "plain"}))
    assert output == {"firstRow": {"id": 7}}


def test_a_dataset_without_table_needs_a_query(factory: Factory) -> None:
    error = failure(factory, lookup())
    assert error.code == "UserErrorInvalidDataset"
    assert "names no table (schema and table, or tableName) and the source has no query" in error.message


def test_only_the_first_5000_rows_are_returned_and_a_big_read_is_stopped(server: RunningServer, factory: Factory) -> None:
    started = time.monotonic()
    output = run(factory, lookup("SELECT generate_series(1, 50000000) /* big-read */ AS n", firstRowOnly=False))
    assert time.monotonic() - started < 10  # 50 million rows were neither sent nor loaded
    assert output["count"] == ROW_LIMIT
    assert output["value"][-1] == {"n": ROW_LIMIT}
    assert running_statements(server, "big-read") == 0


def test_a_writing_statement_over_the_limit_still_completes(server: RunningServer, factory: Factory) -> None:
    server.execute(f"DROP TABLE IF EXISTS {ROLE}.written")
    server.execute(f"CREATE TABLE {ROLE}.written (n int)")
    server.execute(f"GRANT ALL ON {ROLE}.written TO {ROLE}")
    output = run(factory, lookup("INSERT INTO written SELECT generate_series(1, 6000) RETURNING n", firstRowOnly=False))
    assert output["count"] == ROW_LIMIT
    assert server.execute(f"SELECT count(*) FROM {ROLE}.written") == [(6000,)]


def test_output_over_4_mb_fails(factory: Factory) -> None:
    error = failure(factory, lookup("SELECT repeat('x', 1000) AS filler FROM generate_series(1, 5000)", firstRowOnly=False))
    assert error.code == "UserErrorLookupOutputTooLarge"
    assert "4 MB" in error.message


@pytest.mark.parametrize(("query", "count"), [
    ("SELECT 1 AS a; SELECT 2 AS b", 2),
    ("CREATE TEMP TABLE IF NOT EXISTS nothing_returned (id int)", 0),
])
def test_anything_but_one_result_set_fails(factory: Factory, query: str, count: int) -> None:
    error = failure(factory, lookup(query))
    assert error.code == "UserErrorLookupResultSetCount"
    assert f"returned {count}" in error.message


def test_statements_without_rows_around_one_query_are_fine(factory: Factory) -> None:
    output = run(factory, lookup("SET search_path = pg_catalog; SELECT current_schema() AS s", firstRowOnly=False))
    assert output == {"count": 1, "value": [{"s": "pg_catalog"}]}


def test_the_query_timeout_cancels_the_statement(server: RunningServer, factory: Factory) -> None:
    error = failure(factory, lookup("SELECT pg_sleep(30) /* lookup-timeout */", source={"queryTimeout": "00:00:00.3"}))
    assert error.code == "PostgreSqlLookupQueryTimedOut"
    assert "(00:00:00.3000000)" in error.message
    assert running_statements(server, "lookup-timeout") == 0


def test_cancellation_stops_the_query(server: RunningServer, factory: Factory) -> None:
    cancellation = Cancellation()
    cancel_after(cancellation, 0.5, "timeout")
    error = failure(factory, lookup("SELECT pg_sleep(30) /* lookup-cancel */"), cancellation)
    assert error.code == "ActivityCancelled"
    assert running_statements(server, "lookup-cancel") == 0


def test_a_failing_query_reports_its_sqlstate(factory: Factory) -> None:
    error = failure(factory, lookup("SELECT * FROM no_such_table"))
    assert error.code == "PostgreSqlLookupQueryFailed"
    assert "SQLSTATE 42P01" in error.message
    assert error.details[0]["sqlstate"] == "42P01"


def test_the_source_must_be_the_postgresql_source(factory: Factory) -> None:
    activity = lookup("SELECT 1")
    activity["typeProperties"]["source"]["type"] = "AzureSqlSource"
    assert failure(factory, activity).code == "UserErrorInvalidLookup"


def test_an_unknown_dataset_is_named(factory: Factory) -> None:
    error = failure(factory, lookup("SELECT 1", dataset_name="Nope"))
    assert error.code == "UserErrorDatasetNotFound"


def test_values_are_rendered_as_adf_renders_them(factory: Factory) -> None:
    output = run(factory, lookup("SELECT 12.50::numeric AS amount, timestamptz '2024-01-02 03:04:05+02' AS at, "
                                 "'{\"a\": 1}'::jsonb AS doc, ARRAY[1, 2] AS list"))
    assert output == {"firstRow": {"amount": 12.5, "at": "2024-01-02T01:04:05Z", "doc": '{"a": 1}', "list": "{1,2}"}}
