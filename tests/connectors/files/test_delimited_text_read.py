"""Reading DelimitedText files: every dataset option, against files written byte by byte."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pyarrow as pa
import pytest

from pgfactory.connectors.files import FileServer, FileStoreError
from pgfactory.connectors.files.delimited_text import DelimitedTextFormat
from pgfactory.connectors.files.delimited_text_reader import DelimitedTextReader
from pgfactory.connectors.files.errors import FILE_FORMAT_INVALID, MORE_COLUMNS_THAN_DEFINED, TYPE_CONVERSION_FAILURE
from pgfactory.errors import DefinitionError
from tests.connectors.files.helpers import dataset, read_table


def rows(server: FileServer, content: bytes, *, format_settings: dict[str, object] | None = None,
         column_types: dict[str, pa.DataType] | None = None, **type_properties: object) -> list[dict[str, object]]:
    (server.root / "in.csv").write_bytes(content)
    fmt = dataset("DelimitedText", **type_properties)  # type: ignore[arg-type]
    return read_table(fmt, server.root / "in.csv", format_settings=format_settings,
                      column_types=column_types).to_pylist()


def test_every_column_is_a_string_and_values_keep_their_text(server: FileServer) -> None:
    assert rows(server, b"id,amount\n007,1.50\n", firstRowAsHeader=True) == [{"id": "007", "amount": "1.50"}]


def test_without_header_columns_are_named_prop_n(server: FileServer) -> None:
    assert rows(server, b"a,b,c\n") == [{"Prop_0": "a", "Prop_1": "b", "Prop_2": "c"}]


def test_any_row_delimiter_is_read_and_quoted_values_span_lines(server: FileServer) -> None:
    content = b'a,b\r\n1,"two\r\nlines"\r3,x\n\n4,y'
    assert rows(server, content, firstRowAsHeader=True) == [
        {"a": "1", "b": "two\r\nlines"}, {"a": "3", "b": "x"}, {"a": "4", "b": "y"}]


def test_default_escape_is_backslash_and_doubled_quotes_read_too(server: FileServer) -> None:
    content = b'"say \\"hi\\"","C:\\\\dir","p""q"\n'
    assert rows(server, content) == [{"Prop_0": 'say "hi"', "Prop_1": "C:\\dir", "Prop_2": 'p"q'}]


def test_custom_delimiter_quote_and_escape(server: FileServer) -> None:
    content = b"a;b\n'x;y';'it~'s'\n"
    assert rows(server, content, columnDelimiter=";", quoteChar="'", escapeChar="~", firstRowAsHeader=True) == [
        {"a": "x;y", "b": "it's"}]


def test_no_quote_char_escapes_the_delimiter(server: FileServer) -> None:
    assert rows(server, b"a\\,b,c\n", quoteChar="", escapeChar="\\") == [{"Prop_0": "a,b", "Prop_1": "c"}]
    assert rows(server, b'"a",b\n', quoteChar="", escapeChar="") == [{"Prop_0": '"a"', "Prop_1": "b"}]


def test_null_value_unquoted_is_null_and_quoted_is_a_string(server: FileServer) -> None:
    assert rows(server, b'a,b\n,""\n', firstRowAsHeader=True) == [{"a": None, "b": ""}]
    content = b'a,b\nNULL,"NULL"\n,x\n'
    assert rows(server, content, firstRowAsHeader=True, nullValue="NULL") == [
        {"a": None, "b": "NULL"}, {"a": "", "b": "x"}]


def test_skip_line_count_skips_non_empty_lines_before_the_header(server: FileServer) -> None:
    content = b"report\r\n\r\ngenerated today\r\nid,name\r\n1,a\r\n"
    assert rows(server, content, firstRowAsHeader=True, format_settings={"skipLineCount": 2}) == [{"id": "1", "name": "a"}]


def test_custom_single_character_row_delimiter(server: FileServer) -> None:
    content = b'id,note|1,"quoted | bar"|2,new\nline|'
    assert rows(server, content, rowDelimiter="|", firstRowAsHeader=True) == [
        {"id": "1", "note": "quoted | bar"}, {"id": "2", "note": "new\nline"}]


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-16BE", "ISO-8859-1", "WINDOWS-1252", "SHIFT-JIS", "US-ASCII"])
def test_encodings_are_transcoded(server: FileServer, encoding: str) -> None:
    python_codec = {"UTF-16BE": "utf-16-be", "SHIFT-JIS": "shift_jis", "US-ASCII": "ascii"}.get(encoding, encoding)
    text = {"SHIFT-JIS": "名前,値\nテスト,1\n", "US-ASCII": "name,value\nplain,1\n"}.get(encoding, "name,value\ncafé,1\n")
    header, line = text.splitlines()
    expected = [dict(zip(header.split(","), line.split(","), strict=True))]
    assert rows(server, text.encode(python_codec), encodingName=encoding, firstRowAsHeader=True) == expected


def test_utf8_byte_order_mark_is_not_part_of_the_first_name(server: FileServer) -> None:
    assert rows(server, b"\xef\xbb\xbfid\n1\n", firstRowAsHeader=True, format_settings={"skipLineCount": 0}) == [{"id": "1"}]


def test_text_in_another_encoding_than_declared_fails_clearly(server: FileServer) -> None:
    with pytest.raises(FileStoreError) as caught:
        rows(server, "name\ncafé\n".encode("latin-1"), firstRowAsHeader=True)
    assert caught.value.code == FILE_FORMAT_INVALID and "encodingName" in caught.value.message
    with pytest.raises(FileStoreError) as caught:
        rows(server, "a\nb\n".encode("utf-16-le")[:-1], encodingName="UTF-16")
    assert "not valid utf-16" in caught.value.message


def test_column_types_convert_in_the_reader(server: FileServer) -> None:
    content = b"id,amount,day,note\n1,12.50,2024-02-29,x\n,0.01,,y\n"
    column_types = {"id": pa.int32(), "amount": pa.decimal128(10, 2), "day": pa.date32()}
    (server.root / "in.csv").write_bytes(content)
    table = read_table(dataset("DelimitedText", firstRowAsHeader=True), server.root / "in.csv", column_types=column_types)
    assert table.schema == pa.schema([("id", pa.int32()), ("amount", pa.decimal128(10, 2)), ("day", pa.date32()),
                                      ("note", pa.string())])
    assert table["amount"].to_pylist()[1].as_tuple().exponent == -2


def test_value_that_does_not_convert_names_file_row_and_column(server: FileServer) -> None:
    lines = [b"id,qty"] + [f"{number},{number}".encode() for number in range(1, 3000)] + [b"3000,many"]
    (server.root / "in.csv").write_bytes(b"\n".join(lines) + b"\n")
    reader = DelimitedTextReader(DelimitedTextFormat.from_type_properties(
        {"location": {"type": "FileServerLocation"}, "firstRowAsHeader": True}), server.root / "in.csv",
        column_types={"qty": pa.int64()}, block_size=4096)
    with pytest.raises(FileStoreError) as caught, reader:
        for _ in reader:
            pass
    error = caught.value
    assert error.code == TYPE_CONVERSION_FAILURE
    assert "data row 3000" in error.message and "'qty'" in error.message and "'many'" in error.message
    assert str(server.root / "in.csv") in error.message


def test_row_with_more_columns_than_the_header_fails_with_adf_code(server: FileServer) -> None:
    with pytest.raises(FileStoreError) as caught:
        rows(server, b"a,b\n1,2\n3,4,5\n", firstRowAsHeader=True)
    assert caught.value.code == MORE_COLUMNS_THAN_DEFINED and "Expected 2 columns, got 3" in caught.value.message


def test_empty_file_has_no_columns_and_no_rows(server: FileServer) -> None:
    (server.root / "in.csv").write_bytes(b"")
    with dataset("DelimitedText", firstRowAsHeader=True).open_reader(server.root / "in.csv") as reader:
        assert (reader.schema.names, list(reader), reader.bytes_read) == ([], [], 0)


def test_reader_streams_blocks_and_counts_compressed_bytes(server: FileServer) -> None:
    content = b"id,text\n" + b"".join(f"{number},{random.randbytes(24).hex()}\n".encode() for number in range(40_000))
    path = server.root / "big.csv.gz"
    path.write_bytes(gzip.compress(content))
    fmt = DelimitedTextFormat.from_type_properties(
        {"location": {"type": "FileServerLocation"}, "firstRowAsHeader": True, "compressionCodec": "gzip"})
    reader = DelimitedTextReader(fmt, path, block_size=64 << 10)
    with reader:
        iterator = iter(reader)
        first = next(iterator)
        assert first.num_rows < 40_000
        assert 0 < reader.bytes_read < path.stat().st_size  # only part of the file was taken from disk
        count = 1 + sum(1 for _ in iterator)
    assert count > 10
    assert reader.rows_read == 40_000
    assert reader.bytes_read == path.stat().st_size


@pytest.mark.parametrize(("properties", "property_path"), [
    ({"compressionCodec": "snappy"}, "typeProperties.compressionCodec"),
    ({"compressionCodec": "lz4"}, "typeProperties.compressionCodec"),
    ({"quoteChar": "''"}, "typeProperties.quoteChar"),
    ({"escapeChar": ""}, "typeProperties.escapeChar"),
    ({"columnDelimiter": "§"}, "typeProperties.columnDelimiter"),
    ({"encodingName": "EBCDIC-42"}, "typeProperties.encodingName"),
])
def test_options_that_cannot_work_are_refused_naming_the_property(properties: dict[str, str], property_path: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        dataset("DelimitedText", **properties)
    assert caught.value.property_path == property_path


def test_snappy_refusal_gives_adf_reason() -> None:
    with pytest.raises(DefinitionError, match="Copy activity does not support the 'snappy' codec"):
        dataset("DelimitedText", compressionCodec="snappy")


def test_negative_skip_line_count_is_refused(server: FileServer) -> None:
    (server.root / "in.csv").write_bytes(b"a\n")
    with pytest.raises(DefinitionError) as caught:
        dataset("DelimitedText").open_reader(Path(server.root / "in.csv"), format_settings={"skipLineCount": -1})
    assert caught.value.property_path == "formatSettings.skipLineCount"


def test_value_that_does_not_convert_in_the_first_block_names_its_column(server: FileServer) -> None:
    with pytest.raises(FileStoreError) as caught:
        rows(server, b"id,when\n1,2024-01-01\n2,yesterday\n", firstRowAsHeader=True, column_types={"when": pa.date32()})
    assert "data row 2, column 'when': value 'yesterday' cannot be converted to date32" in caught.value.message
