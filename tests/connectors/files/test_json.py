from __future__ import annotations

import decimal
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pgfactory.connectors.files import FileServer, FileStoreError
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID
from pgfactory.connectors.files.json_format import JsonFormat
from pgfactory.connectors.files.json_reader import JsonReader
from tests.connectors.files.helpers import dataset, read_table, write_table

LINES = b'{"id": 1, "name": "a"}\n{"id": 2, "name": null}\n'


def read(server: FileServer, content: bytes, **options: object) -> list[dict[str, object]]:
    (server.root / "in.json").write_bytes(content)
    return read_table(dataset("Json"), server.root / "in.json", **options).to_pylist()


@pytest.mark.parametrize("content", [
    LINES,
    b'{"id": 1,\n  "name": "a"}\n{\n  "id": 2, "name": null\n}',  # concatenated, pretty-printed
    b'\xef\xbb\xbf  [\n {"id": 1, "name": "a"},\n {"id": 2, "name": null}\n]\n',  # arrayOfObjects
])
def test_set_and_array_of_objects_read_alike(server: FileServer, content: bytes) -> None:
    assert read(server, content) == [{"id": 1, "name": "a"}, {"id": 2, "name": None}]


def test_a_single_object_is_one_row(server: FileServer) -> None:
    assert read(server, b'{"id": 1, "nested": {"k": [1, 2]}}') == [{"id": 1, "nested": {"k": [1, 2]}}]


def test_empty_file_has_no_rows(server: FileServer) -> None:
    assert read(server, b"  \n") == []


def test_column_types_parse_exact_decimals_and_keep_the_file_order(server: FileServer) -> None:
    content = b'{"name": "a", "amount": 12345678901234567890.125}\n'
    (server.root / "in.json").write_bytes(content)
    table = read_table(dataset("Json"), server.root / "in.json", column_types={"amount": pa.decimal128(30, 3)})
    assert table.column_names == ["name", "amount"]
    assert table["amount"].to_pylist() == [decimal.Decimal("12345678901234567890.125")]


def test_array_file_streams_objects_in_batches(server: FileServer) -> None:
    path = server.root / "array.json"
    path.write_text(json.dumps([{"id": number, "text": "x" * 40} for number in range(5000)]))
    reader = JsonReader(JsonFormat.from_type_properties({"location": {"type": "FileServerLocation"}}), path,
                        array_batch_rows=500)
    with reader:
        iterator = iter(reader)
        assert next(iterator).num_rows == 500
        assert 1 + sum(1 for _ in iterator) == 10
    assert reader.rows_read == 5000 and reader.bytes_read == path.stat().st_size


def test_array_objects_whose_types_change_after_the_first_batch_fail_clearly(server: FileServer) -> None:
    path = server.root / "array.json"
    path.write_text(json.dumps([{"id": 1}, {"id": 2}, {"id": "three"}]))
    fmt = JsonFormat.from_type_properties({"location": {"type": "FileServerLocation"}})
    with pytest.raises(FileStoreError, match="data rows 3 to 3: a value does not fit"), \
            JsonReader(fmt, path, array_batch_rows=2) as reader:
        list(reader)
    path.write_text(json.dumps([{"id": 1}, {"id": 2}, {"id": 3, "late": True}]))
    with pytest.raises(FileStoreError, match=r"field\(s\) \['late'\] are not in the first objects"), \
            JsonReader(fmt, path, array_batch_rows=2) as reader:
        list(reader)


def test_arrays_of_non_objects_and_broken_json_fail_clearly(server: FileServer) -> None:
    with pytest.raises(FileStoreError, match="not objects"):
        read(server, b"[1, 2]")
    with pytest.raises(FileStoreError) as caught:
        read(server, b'[{"id": 1}, {"id": ')
    assert caught.value.code == FILE_FORMAT_INVALID
    with pytest.raises(FileStoreError) as caught:
        read(server, b'{"id": 1}\n{"id": oops}\n')
    assert caught.value.code == FILE_FORMAT_INVALID


VALUES = pa.table({
    "id": pa.array([1, None], pa.int64()),
    "text": ['quote " backslash \\ tab \t newline \n bell \x07 ✓', None],
    "amount": pa.array([decimal.Decimal("123456789012345678901234567890.12"), None], pa.decimal128(38, 2)),
    "ratio": [float("nan"), float("-inf")],
    "flag": [True, None],
    "day": [date(2024, 2, 29), None],
    "at": pa.array([datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), None], pa.timestamp("us", "UTC")),
    "raw": [b"\x00\xff", None],
    "nested": [{"k": [1, 2]}, None],
})


def test_set_of_objects_writes_json_lines(server: FileServer) -> None:
    sink = write_table(server, dataset("Json", "", "out.json"), VALUES)
    first, second = (json.loads(line) for line in sink.paths[0].read_text(encoding="utf-8").splitlines())
    assert first == {"id": 1, "text": VALUES["text"][0].as_py(), "amount": 1.2345678901234568e29, "ratio": "NaN",
                     "flag": True, "day": "2024-02-29", "at": "2024-01-02T03:04:05.000000Z", "raw": "AP8=",
                     "nested": {"k": [1, 2]}}
    assert b'"amount":123456789012345678901234567890.12,' in sink.paths[0].read_bytes()  # the exact digits
    assert second == {"id": None, "text": None, "amount": None, "ratio": "-Infinity", "flag": None, "day": None,
                      "at": None, "raw": None, "nested": None}


def test_array_of_objects_writes_one_array_across_batches(server: FileServer) -> None:
    table = pa.Table.from_batches([pa.record_batch([[1, 2]], names=["n"]), pa.record_batch([[3]], names=["n"])])
    fmt = dataset("Json", "", "out.json")
    sink = write_table(server, fmt, table, {"type": "JsonWriteSettings", "filePattern": "arrayOfObjects"})
    assert json.loads(sink.paths[0].read_text()) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert read_table(fmt, sink.paths[0]).to_pylist() == [{"n": 1}, {"n": 2}, {"n": 3}]
    empty = write_table(server, dataset("Json", "", "empty.json"), table.slice(0, 0), {"filePattern": "arrayOfObjects"})
    assert json.loads(empty.paths[0].read_text()) == []


def test_round_trip_through_json_lines(server: FileServer) -> None:
    table = VALUES.select(["id", "text", "flag", "nested"])
    fmt = dataset("Json", "", "out.json")
    assert read_table(fmt, write_table(server, fmt, table).paths[0]).to_pylist() == table.to_pylist()


@pytest.mark.parametrize(("properties", "decode"), [
    ({"encodingName": "UTF-16"}, lambda data: data.decode("utf-16")),
    ({"encodingName": "UTF-8 without BOM", "compression": {"type": "gzip", "level": "Fastest"}},
     lambda data: gzip.decompress(data).decode("utf-8")),
    ({"compression": {"type": "zstd"}}, None),
])
def test_encoding_and_compression(server: FileServer, properties: dict[str, object], decode: object) -> None:
    table = pa.table({"name": ["café", "テスト"]})
    fmt = dataset("Json", "out", **properties)
    sink = write_table(server, fmt, table)
    if callable(decode):
        assert decode(sink.paths[0].read_bytes()) == '{"name":"café"}\n{"name":"テスト"}\n'
    assert read_table(fmt, sink.paths[0]).equals(table)


def test_snappy_compression_is_refused_with_the_property() -> None:
    from pgfactory.errors import DefinitionError

    with pytest.raises(DefinitionError) as caught:
        dataset("Json", compression={"type": "snappy"})
    assert caught.value.property_path == "typeProperties.compression.type"


def test_reading_a_json_file_in_another_encoding(server: FileServer, tmp_path: Path) -> None:
    (server.root / "in.json").write_bytes('{"name": "café"}\n'.encode("utf-16"))
    assert read_table(dataset("Json", encodingName="UTF-16"), server.root / "in.json").to_pylist() == [{"name": "café"}]
