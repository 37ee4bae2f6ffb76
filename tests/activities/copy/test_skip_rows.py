"""enableSkipIncompatibleRow into PostgreSQL: bad values and key violations skipped, counted and logged; the rest written."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory
from tests.activities.copy import test_postgres_and_files as files
from tests.activities.copy import test_postgres_to_postgres as tables_copy
from tests.activities.copy.test_postgres_to_postgres import create, rows
from tests.fixtures.postgres import RunningServer

SCHEMA = tables_copy.SCHEMA
TARGET = "id int PRIMARY KEY, amount numeric(5,2), label varchar(3) NOT NULL"
SOURCE_ROWS = """VALUES ('1', '1.5', 'abc'), ('x', '2', 'abc'), ('2', '12345', 'abc'), ('3', '1', 'toolong'), ('4', '1', NULL),
                         ('5', '1', 'a'), ('5', '2', 'b'), ('9', '1', 'dup'), ('6', NULL, 'n')"""


def log_settings(path: str = "logs") -> dict[str, Any]:
    return {"enableCopyActivityLog": True, "copyActivityLogSettings": {"logLevel": "Warning"},
            "logLocationSettings": {"linkedServiceName": {"referenceName": "Files", "type": "LinkedServiceReference"},
                                    "path": path}}


def read_log(folder: Path) -> list[dict[str, str]]:
    [log] = list(folder.glob("*.csv"))
    with log.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def factory_with_files(server: RunningServer, folder: Path) -> Factory:
    return files.factory_with(server, folder, tables_copy.dataset("Sink", "target"))


def test_table_to_table_skips_bad_values_nulls_and_key_violations_and_logs_them(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id text, amount text, label text, seq serial", f"(id, amount, label) {SOURCE_ROWS}")
    create(tables, "target", TARGET, "VALUES (9, 0, 'old')")
    activity = tables_copy.copy(source={"query": f"SELECT id, amount, label FROM {SCHEMA}.source ORDER BY seq"},
                                enableSkipIncompatibleRow=True, logSettings=log_settings(), validateDataConsistency=True)
    output = files.run(factory_with_files(tables, tmp_path), activity)
    assert rows(tables, "target") == [(1, 1.5, "abc"), (5, 1, "a"), (6, None, "n"), (9, 0, "old")]
    assert (output["rowsRead"], output["rowsCopied"], output["rowsSkipped"]) == (9, 3, 6)
    assert output["dataConsistencyVerification"] == {"VerificationResult": "Verified", "InconsistentData": "Skipped"}
    folder = Path(output["logFilePath"])
    assert folder.parent.parent == tmp_path / "logs" / "copyactivity-logs" and folder.parent.name == "Copy"
    log = read_log(folder)
    assert [entry["OperationItem"] for entry in log] == ["x,2,abc", "2,12345,abc", "3,1,toolong", "4,1,", "5,2,b", "9,1,dup"]
    assert {entry["OperationName"] for entry in log} == {"TabularRowSkip"} and {entry["Level"] for entry in log} == {"Warning"}
    messages = [entry["Message"] for entry in log]
    assert messages[0] == 'Column "id" (integer): invalid input syntax for type integer: "x"'
    assert "numeric field overflow" in messages[1]
    assert "value too long for type character varying(3)" in messages[2]
    assert messages[3] == 'Column "label" (character varying(3)): a null value where the column is NOT NULL'
    assert messages[4] == messages[5] == f"The row violates a primary key or unique constraint of {SCHEMA}.target"


def test_without_the_option_the_first_bad_row_fails_and_nothing_is_written(tables: RunningServer) -> None:
    create(tables, "source", "id text", "VALUES ('1'), ('x')")
    create(tables, "target", "id int", "VALUES (0)")
    with pytest.raises(ActivityError, match="invalid input syntax for type integer"):
        tables_copy.run(tables, tables_copy.copy())
    assert rows(tables, "target") == [(0,)]


def test_without_a_log_rows_are_still_skipped_and_upsert_updates_by_key(tables: RunningServer) -> None:
    create(tables, "source", "id text, amount text, label text", "VALUES ('1', '2.5', 'new'), ('2', 'lots', 'bad')")
    create(tables, "target", TARGET, "VALUES (1, 0, 'old')")
    output = tables_copy.run(tables, tables_copy.copy(sink={"writeMethod": "Upsert"}, enableSkipIncompatibleRow=True))
    assert rows(tables, "target") == [(1, 2.5, "new")]
    assert (output["rowsCopied"], output["rowsSkipped"]) == (1, 1) and "logFilePath" not in output


def test_csv_files_skip_rows_that_do_not_fit(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", TARGET + ", day date", "VALUES (9, 0, 'old', NULL)")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("id,amount,label,day\n1,1.25,abc,2024-02-29\n2,1,abc,2023-02-29\n9,1,x,\n")
    (tmp_path / "in" / "b.csv").write_text("id,amount,label,day\n3,9.99,xyz,\nthree,1,a,\n")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    output = files.run(factory, files.copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                                           sink={"writeMethod": "BulkInsert"}, enableSkipIncompatibleRow=True,
                                           logSettings=log_settings("sessions/"), validateDataConsistency=True))
    assert [row[0] for row in rows(tables, "target")] == [1, 3, 9]
    assert (output["rowsRead"], output["rowsCopied"], output["rowsSkipped"]) == (5, 2, 3)
    log = read_log(Path(output["logFilePath"]))
    assert [entry["OperationItem"] for entry in log] == ["2,1,abc,2023-02-29", "9,1,x,", "three,1,a,"]
    assert 'date/time field value out of range: "2023-02-29"' in log[0]["Message"]


def test_parquet_values_are_checked_as_their_text(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id bigint, label text", "VALUES (1, 'ok'), (3000000000, 'big'), (2, 'long label')")
    create(tables, "target", "id int, label varchar(5)")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("File", "Parquet", "out", "rows.parquet"))
    files.run(factory, files.copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink"))
    output = files.run(factory, files.copy("File", "Target", "ParquetSource", "AzurePostgreSqlSink",
                                           enableSkipIncompatibleRow=True))
    assert rows(tables, "target") == [(1, "ok")] and output["rowsSkipped"] == 2


def test_the_log_needs_a_file_server(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int")
    create(tables, "target", "id int")
    settings = log_settings() | {"logLocationSettings": {"linkedServiceName": {"referenceName": tables_copy.LINKED_SERVICE},
                                                         "path": "logs"}}
    with pytest.raises(ActivityError, match=r"logSettings\.logLocationSettings writes the log on linked service"):
        files.run(factory_with_files(tables, tmp_path), tables_copy.copy(enableSkipIncompatibleRow=True, logSettings=settings))
    with pytest.raises(ActivityError, match="leads outside the linked service's host folder"):
        files.run(factory_with_files(tables, tmp_path), tables_copy.copy(enableSkipIncompatibleRow=True,
                                                                         logSettings=log_settings("../elsewhere")))
