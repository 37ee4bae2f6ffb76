"""File datasets and the FileServer linked service in ``validate``: file, resource, property, message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgfactory.models.file_datasets import DelimitedTextTypeProperties, FileServerReadSettings
from pgfactory.models.text_encodings import python_codec
from pgfactory.models.validation import validate_resources_folder

FILES = {"name": "Files", "properties": {"type": "FileServer", "typeProperties": {
    "host": "/data", "userId": "me", "password": {"type": "SecureString", "value": "secret"}}}}
POSTGRES = {"name": "Pg", "properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
    "server": "h", "database": "d", "username": "u", "password": {"type": "SecureString", "value": "p"}}}}


def file_dataset(dataset_type: str, linked_service: str = "Files", **type_properties: Any) -> dict[str, Any]:
    return {"name": "Out", "properties": {
        "type": dataset_type, "linkedServiceName": {"referenceName": linked_service, "type": "LinkedServiceReference"},
        "typeProperties": {"location": {"type": "FileServerLocation", "folderPath": "out"}, **type_properties}}}


def problems(root: Path, *datasets: dict[str, Any], linked_services: tuple[dict[str, Any], ...] = (FILES, POSTGRES)) -> list[str]:
    for folder, documents in (("linkedService", linked_services), ("dataset", datasets)):
        (root / folder).mkdir(exist_ok=True)
        for document in documents:
            (root / folder / f"{document['name']}.json").write_text(json.dumps(document))
    return [str(problem) for problem in validate_resources_folder(root)[1]]


def test_valid_file_datasets_have_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, file_dataset(
        "DelimitedText", columnDelimiter="\t", rowDelimiter="\r\n", quoteChar="", escapeChar="", firstRowAsHeader="true",
        encodingName="WINDOWS-1252", compressionCodec="GZip", compressionLevel="Fastest")) == []
    assert problems(tmp_path, file_dataset("Parquet", compressionCodec="zstd")) == []
    assert problems(tmp_path, file_dataset("Json", encodingName="UTF-8 without BOM", compression={"type": "bzip2"})) == []


@pytest.mark.parametrize(("dataset_type", "type_properties", "expected"), [
    ("DelimitedText", {"compressionCodec": "rar"},
     "typeProperties.compressionCodec: unknown compression codec 'rar'; expected one of gzip, bzip2, deflate, zstd"),
    ("DelimitedText", {"compressionCodec": "lz4"},
     "typeProperties.compressionCodec: the Copy activity does not support the 'lz4' codec for this format"),
    ("DelimitedText", {"compressionCodec": "ZipDeflate"}, "'ZipDeflate' archives are not supported by pgfactory yet"),
    ("DelimitedText", {"quoteChar": "\"\""}, "typeProperties.quoteChar: must be a single character or empty"),
    ("DelimitedText", {"escapeChar": ""}, "typeProperties.escapeChar: is empty while quoteChar is not"),
    ("DelimitedText", {"columnDelimiter": ""}, "typeProperties.columnDelimiter: the Copy activity needs a single-character"),
    ("DelimitedText", {"rowDelimiter": ""}, "typeProperties.rowDelimiter: an empty row delimiter is only supported by"),
    ("DelimitedText", {"encodingName": "KLINGON"}, "typeProperties.encodingName: unknown encoding 'KLINGON'"),
    ("DelimitedText", {"compressionLevel": "Best"}, "typeProperties.compressionLevel: must be one of Optimal, Fastest"),
    ("Parquet", {"compressionCodec": "lzo"}, "typeProperties.compressionCodec: the Copy activity does not support the 'lzo'"),
    ("Json", {"compression": {"type": "snappy"}}, "typeProperties.compression.type: the Copy activity does not support"),
])
def test_problems_name_file_resource_and_property(
    tmp_path: Path, dataset_type: str, type_properties: dict[str, Any], expected: str
) -> None:
    [problem] = problems(tmp_path, file_dataset(dataset_type, **type_properties))
    assert problem.startswith("dataset/Out.json: Out: properties.")
    assert expected in problem


def test_expressions_are_not_judged_before_evaluation(tmp_path: Path) -> None:
    assert problems(tmp_path, file_dataset("DelimitedText", compressionCodec="@dataset().codec",
                                           quoteChar={"value": "@pipeline().parameters.q", "type": "Expression"})) == []


def test_missing_location_is_reported(tmp_path: Path) -> None:
    dataset = file_dataset("Parquet")
    del dataset["properties"]["typeProperties"]["location"]
    assert problems(tmp_path, dataset) == [
        "dataset/Out.json: Out: properties.typeProperties.location: required property is missing"]


def test_file_server_location_needs_a_file_server_linked_service(tmp_path: Path) -> None:
    assert problems(tmp_path, file_dataset("Json", linked_service="Pg")) == [
        "dataset/Out.json: Out: properties.typeProperties.location.type: FileServerLocation needs a FileServer "
        "linked service; 'Pg' is of type 'AzurePostgreSql'"]


def test_file_server_needs_a_host_and_never_shows_the_password(tmp_path: Path) -> None:
    no_host = {"name": "Files", "properties": {"type": "FileServer", "typeProperties": {
        "userId": "me", "password": {"type": "SecureString", "value": "hunter2"}}}}
    found = problems(tmp_path, linked_services=(no_host,))
    assert found == ["linkedService/Files.json: Files: properties.typeProperties.host: required property is missing"]
    assert "hunter2" not in "".join(found)


def test_read_settings_refuse_a_file_list_with_wildcards() -> None:
    with pytest.raises(ValueError, match="fileListPath"):
        FileServerReadSettings.model_validate({"fileListPath": "list.txt", "wildcardFileName": "*.csv"})


def test_models_keep_unknown_properties_and_key_order() -> None:
    document = {"location": {"type": "FileServerLocation", "folderPath": "x"}, "zeta": 1, "quoteChar": "'"}
    assert DelimitedTextTypeProperties.model_validate(document).to_json() == document


@pytest.mark.parametrize(("name", "codec"), [
    ("UTF-8", "utf-8"), ("utf-16", "utf-16"), ("UTF-16BE", "utf-16-be"), ("US-ASCII", "ascii"),
    ("ISO-8859-1", "iso8859-1"), ("WINDOWS-1252", "cp1252"), ("SHIFT-JIS", "shift_jis"), ("IBM00858", "cp858"),
    ("IBM037", "cp037"), ("UTF-8 without BOM", "utf-8"), ("GB18030", "gb18030"), ("NOT-AN-ENCODING", None),
])
def test_dotnet_encoding_names_map_to_python_codecs(name: str, codec: str | None) -> None:
    assert python_codec(name) == codec
