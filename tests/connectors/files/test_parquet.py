from __future__ import annotations

import decimal
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pgfactory.connectors.files import FileServer, FileSink, FileStoreError, plan_sink_targets
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID, TYPE_CONVERSION_FAILURE
from pgfactory.connectors.files.parquet import ParquetReader
from pgfactory.errors import DefinitionError
from tests.connectors.files.helpers import dataset, read_table, write_table

# What a copy from PostgreSQL would put in field metadata to restore the original types.
SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False, metadata={"pg_type": "bigint"}),
    pa.field("amount", pa.decimal128(38, 10), metadata={"pg_type": "numeric(38,10)"}),
    pa.field("at", pa.timestamp("us", "UTC"), metadata={"pg_type": "timestamptz"}),
    # Parquet's standard name for list elements, which the writer uses
    pa.field("tags", pa.list_(pa.field("element", pa.string())), metadata={"pg_type": "text[]"}),
], metadata={"source": "public.orders"})
TABLE = pa.table({
    "id": [1, 2], "amount": [decimal.Decimal("1234567890123456789012345678.0123456789"), None],
    "at": [datetime(2024, 1, 1, tzinfo=UTC), None], "tags": [["a", "b"], []],
}, schema=SCHEMA)


def test_round_trip_keeps_values_types_and_field_metadata(server: FileServer) -> None:
    fmt = dataset("Parquet", "out")
    sink = write_table(server, fmt, TABLE)
    with fmt.open_reader(sink.paths[0]) as reader:
        assert reader.schema == SCHEMA and reader.schema.equals(SCHEMA, check_metadata=True)
        table = pa.Table.from_batches(list(reader))
    assert table.equals(TABLE)
    assert table.schema.field("amount").metadata == {b"pg_type": b"numeric(38,10)"}


@pytest.mark.parametrize(("codec", "stored"), [("none", "UNCOMPRESSED"), ("gzip", "GZIP"), ("snappy", "SNAPPY"),
                                               ("zstd", "ZSTD"), (None, "SNAPPY")])
def test_compression_codec_is_written_and_read_back(server: FileServer, codec: str | None, stored: str) -> None:
    fmt = dataset("Parquet", "out", **({"compressionCodec": codec} if codec else {}))
    sink = write_table(server, fmt, TABLE)
    assert pq.ParquetFile(sink.paths[0]).metadata.row_group(0).column(0).compression == stored
    assert read_table(fmt, sink.paths[0]).equals(TABLE)


def test_lzo_is_refused_as_adf_refuses_it() -> None:
    with pytest.raises(DefinitionError, match="does not support the 'lzo' codec") as caught:
        dataset("Parquet", compressionCodec="LZO")
    assert caught.value.property_path == "typeProperties.compressionCodec"


def test_small_batches_are_gathered_into_row_groups(server: FileServer) -> None:
    fmt = dataset("Parquet", "out")
    settings = fmt.sink_settings()
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    schema = pa.schema([("n", pa.int64())])
    with FileSink(target, fmt, schema, settings) as sink:
        for start in range(0, 100_000, 1000):
            sink.write(pa.record_batch([pa.array(range(start, start + 1000))], schema=schema))
        sink.commit()
    assert pq.ParquetFile(sink.paths[0]).num_row_groups == 1
    assert sink.bytes_written == sink.paths[0].stat().st_size


def test_reader_yields_batches_incrementally_and_counts_bytes(server: FileServer) -> None:
    table = pa.table({"n": pa.array(range(50_000))})
    path = server.root / "big.parquet"
    pq.write_table(table, path)
    reader = ParquetReader(path, batch_rows=4096)
    with reader:
        iterator = iter(reader)
        next(iterator)
        assert 0 < reader.bytes_read < path.stat().st_size
        assert 1 + sum(1 for _ in iterator) == 13
    assert (reader.rows_read, reader.bytes_read) == (50_000, path.stat().st_size)


def test_column_types_cast_and_failures_name_the_row(server: FileServer) -> None:
    path = server.root / "text.parquet"
    pq.write_table(pa.table({"code": ["1", "2", "x3"], "other": ["a", "b", "c"]}), path)
    fmt = dataset("Parquet")
    assert read_table(fmt, path, column_types={"code": pa.string()})["code"].to_pylist() == ["1", "2", "x3"]
    with pytest.raises(FileStoreError) as caught:
        read_table(fmt, path, column_types={"code": pa.int32()})
    assert caught.value.code == TYPE_CONVERSION_FAILURE
    assert "data row 3" in caught.value.message and "'x3'" in caught.value.message


def test_a_file_that_is_not_parquet_fails_clearly(server: FileServer) -> None:
    path = server.root / "fake.parquet"
    path.write_text("id,name\n")
    with pytest.raises(FileStoreError) as caught:
        dataset("Parquet").open_reader(path)
    assert caught.value.code == FILE_FORMAT_INVALID and "not a Parquet file" in caught.value.message
