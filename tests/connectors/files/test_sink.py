"""FileSink: files appear complete under their final names, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from pgfactory.connectors.files import FileServer, FileSink, plan_sink_targets
from tests.connectors.files.helpers import dataset, read_table

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def batches(count: int, rows: int = 4) -> Iterator[pa.RecordBatch]:
    for number in range(count):
        ids = list(range(number * rows, (number + 1) * rows))
        yield pa.record_batch([ids, [f"n{i}" for i in ids]], schema=SCHEMA)


def folder_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("dataset_type", ["DelimitedText", "Parquet", "Json"])
def test_failure_mid_write_leaves_neither_final_nor_temporary_file(server: FileServer, dataset_type: str) -> None:
    fmt = dataset(dataset_type, "out", compressionCodec="gzip") if dataset_type == "DelimitedText" else dataset(
        dataset_type, "out")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with pytest.raises(RuntimeError, match="source connection lost"), FileSink(target, fmt, SCHEMA, settings) as sink:
        for number, batch in enumerate(batches(3)):
            if number == 2:
                assert any(name.endswith(".pgfactory-tmp") for name in folder_files(server.root / "out"))
                raise RuntimeError("source connection lost")
            sink.write(batch)
    assert folder_files(server.root / "out") == []


def test_failure_keeps_the_previous_file_under_the_final_name(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "", "orders.csv")
    (server.root / "orders.csv").write_text("old content\n")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with pytest.raises(ValueError), FileSink(target, fmt, SCHEMA, settings) as sink:
        sink.write(next(batches(1)))
        raise ValueError
    assert folder_files(server.root) == ["orders.csv"]
    assert (server.root / "orders.csv").read_text() == "old content\n"


def test_leaving_without_commit_writes_nothing(server: FileServer) -> None:
    fmt = dataset("Parquet", "out")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with FileSink(target, fmt, SCHEMA, settings) as sink:
        sink.write(next(batches(1)))
    assert folder_files(server.root / "out") == []


def test_commit_replaces_an_existing_file(server: FileServer) -> None:
    fmt = dataset("Json", "", "orders.json")
    (server.root / "orders.json").write_text("old")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with FileSink(target, fmt, SCHEMA, settings) as sink:
        sink.write(next(batches(1)))
        sink.commit()
    assert read_table(fmt, server.root / "orders.json")["id"].to_pylist() == [0, 1, 2, 3]
    assert folder_files(server.root) == ["orders.json"]


def test_max_rows_per_file_splits_batches_across_files(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", firstRowAsHeader=True)
    settings = fmt.sink_settings({"fileExtension": ".csv", "maxRowsPerFile": 5, "fileNamePrefix": "orders"})
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with FileSink(target, fmt, SCHEMA, settings) as sink:
        for batch in batches(3):  # 12 rows in batches of 4
            sink.write(batch)
        sink.commit()
    names = ["orders_00000.csv", "orders_00001.csv", "orders_00002.csv"]
    assert folder_files(server.root / "out") == names
    assert [read_table(fmt, server.root / "out" / name)["id"].to_pylist() for name in names] == [
        ["0", "1", "2", "3", "4"], ["5", "6", "7", "8", "9"], ["10", "11"]]
    assert sink.rows_written == 12
    assert sink.bytes_written == sum((server.root / "out" / name).stat().st_size for name in names)
    assert sink.paths == [server.root / "out" / name for name in names]


@pytest.mark.parametrize("dataset_type", ["DelimitedText", "Parquet", "Json"])
def test_bytes_written_are_the_bytes_on_disk(server: FileServer, dataset_type: str) -> None:
    fmt = dataset(dataset_type, "out")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with FileSink(target, fmt, SCHEMA, settings) as sink:
        for batch in batches(5):
            sink.write(batch)
            assert sink.bytes_written >= 0
        sink.commit()
    assert sink.bytes_written == target.path().stat().st_size > 0


def test_an_empty_source_still_gets_a_file_with_its_header(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "", "empty.csv", firstRowAsHeader=True)
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    with FileSink(target, fmt, SCHEMA, settings) as sink:
        sink.commit()
    assert (server.root / "empty.csv").read_bytes() == b"id,name\r\n"
