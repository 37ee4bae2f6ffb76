"""BulkInsert and Upsert move staged rows in INSERTs of about writeBatchSize rows, each bounded by writeBatchTimeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgfactory.activities.copy.postgres_sink import ALL_ROWS, staged_batches
from pgfactory.errors import ActivityError
from tests.activities.conftest import ROLE
from tests.activities.copy import test_postgres_and_files as files
from tests.activities.copy.test_postgres_to_postgres import copy, create, rows, run
from tests.fixtures.postgres import RunningServer

SCHEMA = ROLE
ROWS = 20_000


def test_a_table_within_one_batch_is_moved_by_one_statement() -> None:
    assert staged_batches(pages=100, rows=5_000, batch_size=5_000) == [ALL_ROWS]
    assert staged_batches(pages=1, rows=9_000, batch_size=10) == [ALL_ROWS]


def test_batches_are_runs_of_whole_pages_the_last_one_open_ended() -> None:
    conditions = [condition.as_string(None) for condition in staged_batches(pages=10, rows=1_000, batch_size=300)]
    assert conditions == [" WHERE ctid < '(3,0)'::tid", " WHERE ctid >= '(3,0)'::tid AND ctid < '(6,0)'::tid",
                          " WHERE ctid >= '(6,0)'::tid AND ctid < '(9,0)'::tid", " WHERE ctid >= '(9,0)'::tid"]


def _count_insert_statements(server: RunningServer, table: str) -> None:
    """A statement-level trigger on ``table`` that counts the INSERT statements reaching it."""
    server.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.statements (n int)")
    server.execute(f"TRUNCATE {SCHEMA}.statements")
    server.execute(f"ALTER TABLE {SCHEMA}.statements OWNER TO {ROLE}")
    server.execute(f"CREATE OR REPLACE FUNCTION {SCHEMA}.count_statement() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$BEGIN INSERT INTO {SCHEMA}.statements VALUES (1); RETURN NULL; END$$")
    server.execute(f"CREATE TRIGGER counted AFTER INSERT ON {SCHEMA}.{table} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION {SCHEMA}.count_statement()")


def _statements(server: RunningServer) -> int:
    return int(server.execute(f"SELECT count(*) FROM {SCHEMA}.statements")[0][0])


def test_bulk_insert_writes_every_row_in_statements_of_about_the_batch_size(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", f"SELECT g, 'row ' || g FROM generate_series(1, {ROWS}) AS g")
    create(tables, "target", "id int, label text")
    _count_insert_statements(tables, "target")
    output = run(tables, copy(sink={"writeMethod": "BulkInsert", "writeBatchSize": 2_000}))
    assert output["rowsCopied"] == ROWS
    assert tables.execute(f"SELECT count(*), count(DISTINCT id), min(id), max(id) FROM {SCHEMA}.target") == [
        (ROWS, ROWS, 1, ROWS)]
    assert 8 <= _statements(tables) <= 12  # whole pages: about ROWS / 2,000


def test_upsert_across_batches_keeps_the_last_row_of_a_key(tables: RunningServer) -> None:
    create(tables, "source", "seq int, id int, label text",
           f"SELECT g, CASE WHEN g = {ROWS} THEN 1 ELSE g END, 'row ' || g FROM generate_series(1, {ROWS}) AS g")
    create(tables, "target", "id int PRIMARY KEY, label text", "VALUES (1, 'before')")
    _count_insert_statements(tables, "target")
    output = run(tables, copy(source={"query": f"SELECT id, label FROM {SCHEMA}.source ORDER BY seq"},
                              sink={"writeMethod": "Upsert", "writeBatchSize": "5000"}))
    assert rows(tables, "target", "id")[0] == (1, f"row {ROWS}")  # the row staged last, in the last batch
    assert tables.execute(f"SELECT count(*) FROM {SCHEMA}.target") == [(ROWS - 1,)]
    assert output["rowsCopied"] == ROWS  # key 1 was written by the first batch and again by the last
    assert _statements(tables) >= 3


def test_a_batch_slower_than_write_batch_timeout_fails_and_leaves_the_target_alone(tables: RunningServer) -> None:
    create(tables, "source", "id int", "VALUES (1), (2)")
    create(tables, "target", "id int", "VALUES (0)")
    tables.execute(f"CREATE OR REPLACE FUNCTION {SCHEMA}.slow() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$BEGIN PERFORM pg_sleep(3); RETURN NEW; END$$")
    tables.execute(f"CREATE TRIGGER slow BEFORE INSERT ON {SCHEMA}.target FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.slow()")
    with pytest.raises(ActivityError, match="writeBatchTimeout"):
        run(tables, copy(sink={"writeMethod": "BulkInsert", "writeBatchTimeout": "00:00:01"}))
    assert rows(tables, "target") == [(0,)]


@pytest.mark.parametrize("size", [0, -5, "many", 1.5])
def test_a_write_batch_size_that_is_not_a_positive_whole_number_is_refused(tables: RunningServer, size: object) -> None:
    create(tables, "source", "id int", "VALUES (1)")
    create(tables, "target", "id int")
    with pytest.raises(ActivityError, match=r"sink\.writeBatchSize must be a whole number"):
        run(tables, copy(sink={"writeMethod": "BulkInsert", "writeBatchSize": size}))


def test_from_files_bulk_insert_goes_in_batches_and_obeys_the_timeout(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, label text")
    _count_insert_statements(tables, "target")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rows.csv").write_text("id,label\n" + "".join(f"{n},row {n}\n" for n in range(1, ROWS + 1)))
    factory = files.factory_with(tables, tmp_path, files.file_dataset("Csv", "DelimitedText", "in", "rows.csv",
                                                                      firstRowAsHeader=True))
    output = files.run(factory, files.copy("Csv", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                                           sink={"writeMethod": "BulkInsert", "writeBatchSize": 2_000}))
    assert output["rowsCopied"] == ROWS
    assert tables.execute(f"SELECT count(DISTINCT id) FROM {SCHEMA}.target") == [(ROWS,)]
    assert 8 <= _statements(tables) <= 12
    tables.execute(f"CREATE OR REPLACE FUNCTION {SCHEMA}.slow() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$BEGIN PERFORM pg_sleep(3); RETURN NEW; END$$")
    tables.execute(f"CREATE TRIGGER slow BEFORE INSERT ON {SCHEMA}.target FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.slow()")
    with pytest.raises(ActivityError, match=r"sink\.writeBatchTimeout \(00:00:01\)"):
        files.run(factory, files.copy("Csv", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                                      sink={"writeMethod": "BulkInsert", "writeBatchTimeout": "00:00:01"}))
    assert tables.execute(f"SELECT count(*) FROM {SCHEMA}.target") == [(ROWS,)]
