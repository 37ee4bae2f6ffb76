"""Writing DelimitedText files: the exact bytes for each option, and round trips through the reader."""

from __future__ import annotations

import bz2
import decimal
import gzip
import zlib
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest

from pgfactory.connectors.files import FileServer, FileStoreError
from tests.connectors.files.helpers import dataset, read_table, write_table

TEXT = pa.table({"id": pa.array([1, 2, None], pa.int64()), "name": ["a,b", 'say "hi"', None],
                 "note": ["", "C:\\dir", "two\nlines"]})


def written(server: FileServer, table: pa.Table = TEXT, format_settings: dict[str, Any] | None = None,
            **type_properties: Any) -> bytes:
    sink = write_table(server, dataset("DelimitedText", "", "out.csv", **type_properties), table, format_settings)
    return sink.paths[0].read_bytes()


def test_adf_defaults_quote_only_what_needs_it_with_backslash_escapes(server: FileServer) -> None:
    assert written(server, firstRowAsHeader=True) == (
        b'id,name,note\r\n1,"a,b",""\r\n2,"say \\"hi\\"","C:\\\\dir"\r\n,,"two\nlines"\r\n')


def test_quote_all_text_quotes_every_value_but_nulls(server: FileServer) -> None:
    assert written(server, format_settings={"quoteAllText": True}, escapeChar='"', rowDelimiter="\n") == (
        b'"1","a,b",""\n"2","say ""hi""","C:\\dir"\n,,"two\nlines"\n')


def test_null_value_is_written_and_a_string_equal_to_it_is_quoted(server: FileServer) -> None:
    table = pa.table({"a": ["NULL", None, ""]})
    assert written(server, table, nullValue="NULL") == b'"NULL"\r\nNULL\r\n\r\n'


def test_custom_delimiters_quote_and_escape(server: FileServer) -> None:
    table = pa.table({"a": ["x|y", "it's"], "b": ["1", "2"]})
    assert written(server, table, columnDelimiter="|", quoteChar="'", escapeChar="~", rowDelimiter=";") == (
        b"'x|y'|1;'it~'s'|2;")


def test_without_quote_char_the_escape_char_escapes_delimiters(server: FileServer) -> None:
    table = pa.table({"a": ["x,y", "back\\slash"]})
    assert written(server, table, quoteChar="", escapeChar="\\") == b"x\\,y\r\nback\\\\slash\r\n"


def test_without_quote_and_escape_a_delimiter_in_a_value_fails(server: FileServer) -> None:
    with pytest.raises(FileStoreError, match="column 'a' holds a value with the column delimiter"):
        written(server, pa.table({"a": ["x,y"]}), quoteChar="", escapeChar="")
    assert written(server, pa.table({"a": ["x"]}), quoteChar="", escapeChar="") == b"x\r\n"


def test_typed_columns_are_rendered_as_text(server: FileServer) -> None:
    table = pa.table({
        "n": pa.array([decimal.Decimal("12.50")], pa.decimal128(10, 2)), "f": [0.1], "b": [True],
        "d": [date(2024, 2, 29)], "t": pa.array([datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)], pa.timestamp("us", "UTC")),
        "bytes": [b"\x00\xff"], "list": pa.array([[1, 2]]), "struct": pa.array([{"k": "v"}]),
    })
    assert written(server, table) == (
        # bytea's \x text holds the escape character, so it is quoted and the backslash doubled
        b'12.50,0.1,True,2024-02-29,2024-01-02 03:04:05.000000Z,"\\\\x00ff","[1,2]","{\\"k\\":\\"v\\"}"\r\n')


def test_booleans_are_written_as_dotnet_writes_them(server: FileServer) -> None:
    assert written(server, pa.table({"b": [True, False, None]})) == b"True\r\nFalse\r\n\r\n"


@pytest.mark.parametrize("options", [
    {}, {"quoteChar": "'", "escapeChar": "'"}, {"columnDelimiter": "\t", "rowDelimiter": "\n", "nullValue": "NULL"},
    {"escapeChar": '"', "nullValue": "\\N"}, {"quoteChar": "", "escapeChar": "\\", "nullValue": "NULL"},
    {"rowDelimiter": "~"}, {"encodingName": "UTF-16"},
])
def test_round_trip_keeps_values_nulls_and_empty_strings(server: FileServer, options: dict[str, str]) -> None:
    # Not round-tripped, by nature: without quoteChar a value equal to nullValue, and a nullValue
    # holding escapeChar (the reader decodes escapes before it compares with nullValue).
    table = pa.table({"a": ["plain", "", None, "x,y\tz", "quote\" and ' and \\", "multi\r\nline~", "naïve ✓"]})
    fmt = dataset("DelimitedText", "", "out.csv", firstRowAsHeader=True, **options)
    sink = write_table(server, fmt, table)
    assert read_table(fmt, sink.paths[0]).to_pylist() == table.to_pylist()


@pytest.mark.parametrize(("codec", "opener"), [
    ("gzip", gzip.decompress), ("bzip2", bz2.decompress), ("deflate", lambda data: zlib.decompress(data, -15)),
    ("zstd", None),
])
def test_compressed_round_trip_writes_the_codec_format(server: FileServer, codec: str, opener: Any) -> None:
    table = pa.table({"id": [str(number) for number in range(5000)]})
    fmt = dataset("DelimitedText", "out", compressionCodec=codec)
    sink = write_table(server, fmt, table, {"fileExtension": ".csv"})
    data = sink.paths[0].read_bytes()
    assert sink.paths[0].name == "data.csv" + {"gzip": ".gz", "bzip2": ".bz2", "deflate": ".deflate", "zstd": ".zst"}[codec]
    if opener is not None:
        assert opener(data).startswith(b"0\r\n1\r\n2\r\n")
    else:
        assert data[:4] == b"\x28\xb5\x2f\xfd"  # the zstd frame magic number
    assert read_table(fmt, sink.paths[0]).column(0).to_pylist() == table.column(0).to_pylist()
    assert sink.bytes_written == len(data) < 5000 * 3


def test_compression_level_fastest_and_optimal_differ(server: FileServer) -> None:
    table = pa.table({"id": [f"{number % 977}-{number}" for number in range(50_000)]})
    sizes = {}
    for level in ("Fastest", "Optimal"):
        sink = write_table(server, dataset("DelimitedText", level, compressionCodec="gzip", compressionLevel=level),
                           table)
        sizes[level] = sink.bytes_written
        assert sink.paths[0].read_bytes()[8] == (4 if level == "Fastest" else 0)  # gzip's XFL byte: 4 = fastest
    assert sizes["Optimal"] < sizes["Fastest"]


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-16BE", "ISO-8859-1", "WINDOWS-1252", "SHIFT-JIS"])
def test_encoded_output(server: FileServer, encoding: str) -> None:
    text = "テスト" if encoding == "SHIFT-JIS" else "café"
    data = written(server, pa.table({"a": [text]}), encodingName=encoding)
    python_codec = {"UTF-16BE": "utf-16-be", "SHIFT-JIS": "shift_jis"}.get(encoding, encoding)
    assert data == f"{text}\r\n".encode(python_codec)


def test_a_character_the_encoding_lacks_fails(server: FileServer) -> None:
    with pytest.raises(UnicodeEncodeError):
        written(server, pa.table({"a": ["€ is not latin-1"]}), encodingName="ISO-8859-1")
