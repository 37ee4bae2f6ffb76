"""Copy between PostgreSQL and files on a FileServer folder: round trips, write methods, nothing half-done."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pgfactory.activities import ActivityControl
from pgfactory.activities.copy import run_copy
from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource
from tests.activities.conftest import ROLE
from tests.activities.copy.test_postgres_to_postgres import EVERY_TYPE, EVERY_VALUE, create, rows
from tests.activities.invocations import LINKED_SERVICE, invocation, make_factory, resource
from tests.fixtures.postgres import RunningServer

SCHEMA = ROLE


def table_dataset(name: str, table: str) -> dict[str, Any]:
    return {"name": name, "properties": {"type": "AzurePostgreSqlTable",
            "linkedServiceName": {"referenceName": LINKED_SERVICE, "type": "LinkedServiceReference"},
            "typeProperties": {"schema": SCHEMA, "table": table}}}


def file_dataset(name: str, dataset_type: str, folder: str, file_name: str | None = None, **properties: Any) -> dict[str, Any]:
    location = {"type": "FileServerLocation", "folderPath": folder, **({"fileName": file_name} if file_name else {})}
    return {"name": name, "properties": {"type": dataset_type,
            "linkedServiceName": {"referenceName": "Files", "type": "LinkedServiceReference"},
            "typeProperties": {"location": location, **properties}}}


def factory_with(server: RunningServer, folder: Path, *datasets: dict[str, Any]) -> Factory:
    factory = make_factory(server, datasets=[table_dataset("Source", "source"), table_dataset("Target", "target"), *datasets])
    factory.add(ResourceKind.LINKED_SERVICE, LinkedServiceResource.model_validate(
        {"name": "Files", "properties": {"type": "FileServer", "typeProperties": {"host": str(folder)}}}))
    return factory


def copy(source_name: str, sink_name: str, source_type: str, sink_type: str, **type_properties: Any) -> dict[str, Any]:
    source_json = type_properties.pop("source", {})
    sink_json = type_properties.pop("sink", {})
    return {"name": "Copy", "type": "Copy", "inputs": [{"referenceName": source_name, "type": "DatasetReference"}],
            "outputs": [{"referenceName": sink_name, "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": source_type, **source_json}, "sink": {"type": sink_type, **sink_json},
                               **type_properties}}


def run(factory: Factory, activity: dict[str, Any]) -> dict[str, Any]:
    return run_copy(invocation(factory, activity), ActivityControl())


def same_rows(server: RunningServer) -> bool:
    same = server.execute(f"SELECT (SELECT array_agg(s::text ORDER BY s.id) FROM {SCHEMA}.source s) = "
                          f"(SELECT array_agg(t::text ORDER BY t.id) FROM {SCHEMA}.target t)")
    return bool(same[0][0])


def no_temporary_files(folder: Path) -> bool:
    return all(not path.name.startswith(".") for path in folder.rglob("*"))


# Arrow lists are one-dimensional: a two-dimensional array column is refused with a hint (below).
FLAT_TYPES = EVERY_TYPE.replace(" grid int[][],", "")
FLAT_VALUES = EVERY_VALUE.replace(" ARRAY[[1, 2], [3, 4]],", "").replace("NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL\n",
                                                                         "NULL, NULL, NULL, NULL, NULL, NULL, NULL\n")


def test_every_type_survives_postgresql_to_parquet_and_back(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", FLAT_TYPES, FLAT_VALUES)
    create(tables, "target", FLAT_TYPES)
    factory = factory_with(tables, tmp_path, file_dataset("File", "Parquet", "out", "rows.parquet"))
    written = run(factory, copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink"))
    assert written["rowsCopied"] == 51 and written["filesWritten"] == 1
    assert pq.read_metadata(tmp_path / "out" / "rows.parquet").num_rows == 51
    read = run(factory, copy("File", "Target", "ParquetSource", "AzurePostgreSqlSink"))
    assert read["rowsCopied"] == 51 and read["filesRead"] == 1 and read["dataRead"] > 0
    assert same_rows(tables)
    assert no_temporary_files(tmp_path)


def test_csv_with_header_and_gzip_out_and_typed_back_in(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int, label text, amount numeric(10,2), day date, flag boolean",
           "VALUES (1, 'a, \"quoted\"', 1.50, '2024-01-02', true), (2, NULL, NULL, NULL, false)")
    create(tables, "target", "id int, label text, amount numeric(10,2), day date, flag boolean")
    csv = file_dataset("Csv", "DelimitedText", "csv", "rows.csv.gz", columnDelimiter=",", firstRowAsHeader=True,
                       compressionCodec="gzip", quoteChar='"', escapeChar='"')
    factory = factory_with(tables, tmp_path, csv)
    run(factory, copy("Source", "Csv", "AzurePostgreSqlSource", "DelimitedTextSink"))
    text = gzip.decompress((tmp_path / "csv" / "rows.csv.gz").read_bytes()).decode()
    assert text.splitlines()[0] == "id,label,amount,day,flag"
    assert '"a, ""quoted"""' in text
    run(factory, copy("Csv", "Target", "DelimitedTextSource", "AzurePostgreSqlSink"))
    assert same_rows(tables)


def test_json_lines_round_trip_with_renamed_columns(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'one'), (2, 'two')")
    create(tables, "target", "id int, name text")
    factory = factory_with(tables, tmp_path, file_dataset("Lines", "Json", "json", "rows.json"))
    mappings = [{"source": {"name": "id"}, "sink": {"name": "id"}}, {"source": {"name": "label"}, "sink": {"name": "name"}}]
    run(factory, copy("Source", "Lines", "AzurePostgreSqlSource", "JsonSink",
                      translator={"type": "TabularTranslator", "mappings": mappings}))
    lines = [json.loads(line) for line in (tmp_path / "json" / "rows.json").read_text().splitlines()]
    assert lines == [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]
    run(factory, copy("Lines", "Target", "JsonSource", "AzurePostgreSqlSink"))
    assert rows(tables, "target") == [(1, "one"), (2, "two")]


def test_many_files_upsert_into_one_table(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int PRIMARY KEY, label text", "VALUES (1, 'old'), (9, 'untouched')")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("id,label\n1,new\n2,two\n")
    (folder / "b.csv").write_text("id,label\n3,three\n2,second\n")
    (folder / "skip.txt").write_text("id,label\n4,no\n")
    factory = factory_with(tables, tmp_path, file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    output = run(factory, copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                               source={"storeSettings": {"type": "FileServerReadSettings", "wildcardFileName": "*.csv"}},
                               sink={"writeMethod": "Upsert"}))
    assert rows(tables, "target") == [(1, "new"), (2, "second"), (3, "three"), (9, "untouched")]
    assert output["filesRead"] == 2 and output["rowsRead"] == 4 and output["rowsCopied"] == 3


def test_a_bad_value_in_a_later_file_leaves_the_table_as_it_was(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, label text", "VALUES (0, 'before')")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "1.csv").write_text("id,label\n1,fine\n")
    (folder / "2.csv").write_text("id,label\nnot-a-number,bad\n")
    factory = factory_with(tables, tmp_path, file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    with pytest.raises(ActivityError) as caught:
        run(factory, copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                          sink={"preCopyScript": f"DELETE FROM {SCHEMA}.target; INSERT INTO {SCHEMA}.target VALUES (7, 'pre')"}))
    assert "2.csv" in caught.value.message or "not-a-number" in caught.value.message
    assert rows(tables, "target") == [(0, "before")]


def test_a_failing_query_leaves_no_file(tables: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "rows.parquet").write_bytes(b"the previous file")
    factory = factory_with(tables, tmp_path, file_dataset("File", "Parquet", "out", "rows.parquet"))
    failing = "SELECT g, 1 / (200000 - g) AS boom FROM generate_series(1, 300000) AS g"
    with pytest.raises(ActivityError, match="division by zero"):
        run(factory, copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink", source={"query": failing}))
    assert (tmp_path / "out" / "rows.parquet").read_bytes() == b"the previous file"
    assert no_temporary_files(tmp_path)


def test_a_file_dataset_needs_a_file_server(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int")
    factory = factory_with(tables, tmp_path)
    factory.add(ResourceKind.DATASET, resource(ResourceKind.DATASET, {"name": "Blob", "properties": {
        "type": "Parquet", "linkedServiceName": {"referenceName": LINKED_SERVICE, "type": "LinkedServiceReference"},
        "typeProperties": {"location": {"type": "AzureBlobStorageLocation", "container": "c"}}}}))
    with pytest.raises(ActivityError, match="pgfactory reads and writes files on a FileServer"):
        run(factory, copy("Source", "Blob", "AzurePostgreSqlSource", "ParquetSink"))


def test_a_two_dimensional_array_is_refused_with_a_hint(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int, grid int[]", "VALUES (1, ARRAY[[1, 2], [3, 4]])")
    factory = factory_with(tables, tmp_path, file_dataset("File", "Parquet", "out", "rows.parquet"))
    with pytest.raises(ActivityError, match=r"multidimensional array.*copy it as text \(grid::text\)"):
        run(factory, copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink"))
    assert not (tmp_path / "out" / "rows.parquet").exists()


def test_delete_files_after_completion_removes_them_only_after_a_commit(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.csv").write_text("id\n1\n")
    factory = factory_with(tables, tmp_path, file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    settings = {"storeSettings": {"type": "FileServerReadSettings", "deleteFilesAfterCompletion": True}}
    (folder / "bad.csv").write_text("id\nnot-a-number\n")
    with pytest.raises(ActivityError):
        run(factory, copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink", source=settings))
    assert sorted(path.name for path in folder.iterdir()) == ["bad.csv", "good.csv"]  # nothing committed, nothing deleted
    (folder / "bad.csv").unlink()
    run(factory, copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink", source=settings))
    assert list(folder.iterdir()) == [] and rows(tables, "target") == [(1,)]
