"""examples/incremental-load against a real server: what lands in the tables, the watermarks, the outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from pgfactory.connectors.postgres.pool import close_pools
from pgfactory.engine import RunResult
from pgfactory.models.factory import Factory
from pgfactory.models.secrets import MASK
from pgfactory.store import PipelineRunRecord, RunStore
from tests.examples.example_factories import copy_example, load_valid, only, records, run
from tests.fixtures.postgres import RunningServer

DATABASE = "examples_warehouse"
ROLE = "examples_loader"
FIRST_WATERMARK = "1900-01-01T00:00:00Z"
# SetupWarehouse's defaults: 200 customers changed a minute apart from 2024-01-01, 600 orders from 2024-02-01.
CUSTOMERS, ORDERS = 200, 600
CUSTOMERS_WATERMARK, ORDERS_WATERMARK = "2024-01-01T03:20:00Z", "2024-02-01T10:00:00Z"


@dataclass(frozen=True)
class Warehouse:
    factory: Factory
    conninfo: str

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo) as connection:
            return connection.execute(query).fetchall()

    def count(self, table: str) -> int:
        return int(self.rows(f"SELECT count(*) FROM {table}")[0][0])

    def differences(self, table: str) -> int:
        """Rows of the source table missing from, or different in, its warehouse copy (and the reverse)."""
        return self.count(f"((TABLE source.{table} EXCEPT TABLE dw.{table}) UNION ALL "
                          f"(TABLE dw.{table} EXCEPT TABLE source.{table})) AS differing")


@pytest.fixture(scope="module")
def warehouse(pg_plain: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The example with its linked service pointed at a database and role of its own on ``pg_plain``."""
    password = pg_plain.create_role(ROLE)
    pg_plain.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE)))
    folder = copy_example("incremental-load", tmp_path_factory.mktemp("examples"))
    path = folder / "linkedService" / "Warehouse.json"
    linked_service = json.loads(path.read_text())
    linked_service["properties"]["typeProperties"].update(
        server=pg_plain.host, port=pg_plain.port, database=DATABASE, username=ROLE,
        password={"type": "SecureString", "value": password})
    path.write_text(json.dumps(linked_service, indent=4))
    try:
        yield Warehouse(load_valid(folder), f"host={pg_plain.host} port={pg_plain.port} dbname={DATABASE} "
                                            f"user={ROLE} password={password}")
    finally:
        close_pools()  # pooled sessions would keep the database busy
        pg_plain.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        pg_plain.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore.open(tmp_path / "state") as opened:
        yield opened


def succeeded(result: RunResult) -> RunResult:
    assert result.run.status == "Succeeded", result.run.message
    return result


def set_up(warehouse: Warehouse, store: RunStore) -> RunResult:
    return succeeded(run(warehouse.factory, store, "SetupWarehouse"))


def load(warehouse: Warehouse, store: RunStore, **parameters: Any) -> dict[str, dict[str, Any]]:
    """Run LoadWarehouse; what each LoadTable run returned, by table."""
    result = succeeded(run(warehouse.factory, store, "LoadWarehouse", **parameters))
    assert result.return_value is not None and result.return_value["tableCount"] == 2
    return {entry["table"]: entry for entry in result.return_value["loads"]}


def table_runs(store: RunStore, parent: RunResult) -> dict[str, PipelineRunRecord]:
    """The LoadTable runs the master run started, by table."""
    children = [child for child in store.list_pipeline_runs(pipeline_name="LoadTable")
                if child.invoked_by.pipeline_run_id == parent.run.run_id]
    return {child.parameters["tableName"]: child for child in children}


def test_setup_creates_and_fills_the_source(warehouse: Warehouse, store: RunStore) -> None:
    setup = set_up(warehouse, store)
    output = only(store, setup.run.run_id, "CreateAndFill").output
    assert output["resultSetCount"] == 1
    assert output["resultSets"] == [{"rowCount": 1, "rows": [{"customers": CUSTOMERS, "orders": ORDERS}]}]
    assert output["recordsAffected"] == 2 + 2 + CUSTOMERS + ORDERS  # load control and watermark rows, then the source
    assert warehouse.count("dw.customers") == warehouse.count("dw.orders") == 0


def test_each_change_is_copied_once(warehouse: Warehouse, store: RunStore) -> None:
    set_up(warehouse, store)
    first = load(warehouse, store)
    assert first == {
        "customers": {"table": "customers", "rowsCopied": CUSTOMERS, "watermark": CUSTOMERS_WATERMARK,
                      "previousWatermark": FIRST_WATERMARK, "totalRowsLoaded": CUSTOMERS},
        "orders": {"table": "orders", "rowsCopied": ORDERS, "watermark": ORDERS_WATERMARK,
                   "previousWatermark": FIRST_WATERMARK, "totalRowsLoaded": ORDERS},
    }
    assert warehouse.count("dw.customers") == CUSTOMERS and warehouse.count("dw.orders") == ORDERS
    assert warehouse.differences("customers") == warehouse.differences("orders") == 0

    again = load(warehouse, store)  # nothing changed: nothing is copied, the watermarks stay
    assert {table: (entry["rowsCopied"], entry["watermark"], entry["previousWatermark"]) for table, entry in again.items()} \
        == {"customers": (0, CUSTOMERS_WATERMARK, CUSTOMERS_WATERMARK), "orders": (0, ORDERS_WATERMARK, ORDERS_WATERMARK)}
    assert warehouse.count("dw.orders") == ORDERS

    changes = succeeded(run(warehouse.factory, store, "ChangeSourceData", changedCustomers=5, newOrders=25))
    assert only(store, changes.run.run_id, "ChangeRows").output["recordsAffected"] == 30
    assert (warehouse.differences("customers"), warehouse.differences("orders")) == (5 + 5, 25)  # old and new versions
    third = load(warehouse, store)
    assert {table: entry["rowsCopied"] for table, entry in third.items()} == {"customers": 5, "orders": 25}
    assert third["orders"]["watermark"] == "2024-02-01T10:00:25Z" and third["customers"]["watermark"] == "2024-01-01T04:20:00Z"
    assert warehouse.count("dw.orders") == ORDERS + 25
    assert warehouse.rows("SELECT count(*) FROM dw.customers WHERE email LIKE '%@example.org'") == [(5,)]
    assert warehouse.differences("customers") == warehouse.differences("orders") == 0
    assert sorted(warehouse.rows("SELECT table_name, rows_loaded, loads FROM etl.watermarks")) == [
        ("customers", CUSTOMERS + 5, 3), ("orders", ORDERS + 25, 3)]


def test_a_load_without_changes_does_not_run_the_copy(warehouse: Warehouse, store: RunStore) -> None:
    set_up(warehouse, store)
    load(warehouse, store)
    result = succeeded(run(warehouse.factory, store, "LoadWarehouse"))
    for child in table_runs(store, result).values():
        runs = records(store, child.run_id)
        assert runs["HasChanges"][0].status == "Succeeded" and runs["HasChanges"][0].input == {"expression": False}
        assert "CopyChanges" not in runs
        assert runs["AdvanceWatermark"][0].output["outputParameters"]["total_rows"] in (CUSTOMERS, ORDERS)


def test_outputs_have_adf_shapes(warehouse: Warehouse, store: RunStore) -> None:
    set_up(warehouse, store)
    result = succeeded(run(warehouse.factory, store, "LoadWarehouse"))
    master = records(store, result.run.run_id)
    control = master["ReadLoadControl"][0].output
    assert control["count"] == 2 and control["value"] == [
        {"table_name": "customers", "key_column": "id", "watermark_column": "updated_at"},
        {"table_name": "orders", "key_column": "id", "watermark_column": "updated_at"}]
    for_each = master["LoadEachTable"][0]
    assert for_each.input["batchCount"] == 2 and for_each.input["isSequential"] is False
    assert [r.parent_activity_run_id for r in master["LoadOneTable"] + master["RecordLoad"]] == [for_each.activity_run_id] * 4
    summary = master["SummarizeLoad"][0].output  # the dataset's table, read through its parameters
    assert summary["count"] == 2
    assert {row["table_name"]: (row["watermark"], row["rows_loaded"], row["loads"]) for row in summary["value"]} == {
        "customers": (CUSTOMERS_WATERMARK, CUSTOMERS, 1), "orders": (ORDERS_WATERMARK, ORDERS, 1)}

    children = table_runs(store, result)
    assert sorted(children) == ["customers", "orders"]
    child = children["customers"]
    assert child.status == "Succeeded" and child.invoked_by.name == "LoadOneTable"
    runs = records(store, child.run_id)
    # secureOutput: the history masks the output, yet the next activity's query read the real watermark.
    assert runs["ReadOldWatermark"][0].output == {"secureOutput": MASK}
    new_watermark = runs["ReadNewWatermark"][0].output
    assert new_watermark["firstRow"] == {"changed_rows": CUSTOMERS, "watermark": CUSTOMERS_WATERMARK}
    assert "WHERE updated_at > '1900-01-01T00:00:00Z'::timestamptz" in runs["ReadNewWatermark"][0].input["source"]["query"]
    copy = runs["CopyChanges"][0]
    assert copy.parent_activity_run_id == runs["HasChanges"][0].activity_run_id and copy.retry_attempt is None
    assert (copy.output["recordsAffected"], copy.output["resultSetCount"]) == (CUSTOMERS, 0)  # nothing deleted, all inserted
    advance = runs["AdvanceWatermark"][0].output
    call_row = {"previous_watermark": FIRST_WATERMARK, "total_rows": CUSTOMERS}
    assert advance["resultSets"] == [{"rowCount": 1, "rows": [call_row]}]
    assert advance["outputParameters"] == call_row
    assert advance["outputLogs"].startswith("watermark of customers moved from 1900-01-01")
    assert advance["outputLogs"].endswith(f"({CUSTOMERS} rows copied)") and "\n" not in advance["outputLogs"]


def test_a_full_reload_empties_the_warehouse_and_copies_everything(warehouse: Warehouse, store: RunStore) -> None:
    set_up(warehouse, store)
    load(warehouse, store)
    succeeded(run(warehouse.factory, store, "ChangeSourceData"))
    reloaded = load(warehouse, store, fullReload=True)
    assert {table: (entry["rowsCopied"], entry["previousWatermark"], entry["totalRowsLoaded"])
            for table, entry in reloaded.items()} == {
        "customers": (CUSTOMERS, FIRST_WATERMARK, CUSTOMERS), "orders": (ORDERS + 25, FIRST_WATERMARK, ORDERS + 25)}
    master = store.list_pipeline_runs(pipeline_name="LoadWarehouse", limit=1)[0]
    reset = only(store, master.run_id, "ResetWarehouse").output
    assert reset["outputLogs"] == "emptied dw.customers\nemptied dw.orders"
    assert warehouse.differences("customers") == warehouse.differences("orders") == 0
