"""A copy source's additionalColumns: static text, $$COLUMN copies and $$FILEPATH, mapped like source columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pgfactory.errors import ActivityError
from tests.activities.copy import test_postgres_and_files as files
from tests.activities.copy import test_postgres_to_postgres as tables_copy
from tests.activities.copy.test_postgres_to_postgres import create, rows
from tests.fixtures.postgres import RunningServer

EXTRAS = [{"name": "origin", "value": "nightly"}, {"name": "id_again", "value": "$$COLUMN:id"},
          {"name": "batch", "value": 7}]


def test_a_table_source_adds_static_values_and_column_copies(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'one'), (2, 'two')")
    create(tables, "target", "id int, label text, origin text, id_again bigint, batch int")
    output = tables_copy.run(tables, tables_copy.copy(source={"additionalColumns": EXTRAS}))
    assert rows(tables, "target") == [(1, "one", "nightly", 1, 7), (2, "two", "nightly", 2, 7)]
    assert output["rowsCopied"] == 2
    assert output["executionDetails"][0]["copyMethod"] == "COPY TEXT pass-through"  # text literals go as text


def test_additional_columns_are_mapped_by_a_translator_and_work_with_partitions(tables: RunningServer) -> None:
    create(tables, "source", "id int PRIMARY KEY", "SELECT generate_series(1, 40)")
    create(tables, "target", "id int, tag text")
    mappings = [{"source": {"name": "id"}, "sink": {"name": "id"}}, {"source": {"name": "note"}, "sink": {"name": "tag"}}]
    tables_copy.run(tables, tables_copy.copy(
        source={"additionalColumns": [{"name": "note", "value": None}], "partitionOption": "DynamicRange"},
        translator={"type": "TabularTranslator", "mappings": mappings}, parallelCopies=2))
    assert tables.execute(f"SELECT count(*), count(tag) FROM {tables_copy.SCHEMA}.target") == [(40, 0)]


def test_file_path_is_refused_for_a_table_source(tables: RunningServer) -> None:
    create(tables, "source", "id int")
    create(tables, "target", "id int, path text")
    with pytest.raises(ActivityError, match=r"additionalColumns\[0\]: \$\$FILEPATH is only supported for file sources"):
        tables_copy.run(tables, tables_copy.copy(source={"additionalColumns": [{"name": "path", "value": "$$FILEPATH"}]}))


def test_a_name_taken_by_the_source_is_refused(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'one')")
    create(tables, "target", "id int, label text")
    with pytest.raises(ActivityError, match="more than one column named 'label'"):
        tables_copy.run(tables, tables_copy.copy(source={"additionalColumns": [{"name": "label", "value": "x"}]}))


def test_a_table_source_into_parquet_carries_the_additional_columns(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int", "VALUES (1)")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("File", "Parquet", "out", "rows.parquet"))
    files.run(factory, files.copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink",
                                  source={"additionalColumns": [{"name": "origin", "value": "db"}]}))
    assert pq.read_table(tmp_path / "out" / "rows.parquet").to_pylist() == [{"id": 1, "origin": "db"}]


def test_files_get_their_relative_path_static_values_and_copies(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, label text, path text, origin text, id_again bigint, batch int")
    (tmp_path / "in" / "2024").mkdir(parents=True)
    (tmp_path / "in" / "a.csv").write_text("id,label\n1,one\n")
    (tmp_path / "in" / "2024" / "b.csv").write_text("id,label\n2,two\n3,three\n")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    output = files.run(factory, files.copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink", source={
        "additionalColumns": [{"name": "path", "value": "$$FILEPATH"}, *EXTRAS]}))
    assert rows(tables, "target") == [(1, "one", "a.csv", "nightly", 1, 7), (2, "two", "2024/b.csv", "nightly", 2, 7),
                                      (3, "three", "2024/b.csv", "nightly", 3, 7)]
    assert output["rowsCopied"] == 3


def test_a_file_column_copy_needs_the_column(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, other int")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("id\n1\n")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("Csvs", "DelimitedText", "in", firstRowAsHeader=True))
    with pytest.raises(ActivityError, match="the source has no column 'missing' to copy; columns: id"):
        files.run(factory, files.copy("Csvs", "Target", "DelimitedTextSource", "AzurePostgreSqlSink",
                                      source={"additionalColumns": [{"name": "other", "value": "$$COLUMN:missing"}]}))
