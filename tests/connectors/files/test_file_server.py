from __future__ import annotations

from pathlib import Path

import pytest

from pgfactory.connectors.files import FileServer, FileServerLocation, list_source_files, plan_sink_targets
from pgfactory.errors import DefinitionError
from tests.connectors.files.helpers import dataset


def test_host_is_the_root_and_credentials_are_ignored(tmp_path: Path) -> None:
    server = FileServer.from_type_properties(
        {"host": str(tmp_path), "userId": "domain\\user", "password": {"type": "SecureString", "value": "x"}})
    assert server.root == tmp_path


def test_relative_host_is_taken_from_the_base_folder(tmp_path: Path) -> None:
    assert FileServer.from_type_properties({"host": "data"}, base_dir=tmp_path).root == tmp_path / "data"


def test_windows_host_is_refused_with_the_property() -> None:
    with pytest.raises(DefinitionError) as caught:
        FileServer.from_type_properties({"host": "D:\\data"})
    assert caught.value.property_path == "typeProperties.host"
    assert "Windows path" in caught.value.message


def test_missing_host_names_the_property() -> None:
    with pytest.raises(DefinitionError) as caught:
        FileServer.from_type_properties({"userId": "u"})
    assert caught.value.property_path == "typeProperties.host"


def test_backslash_folder_paths_are_folders(server: FileServer) -> None:
    assert server.resolve("folder\\sub", property_path="p") == server.root / "folder" / "sub"
    assert server.resolve("/folder/./sub/../x", property_path="p") == server.root / "folder" / "x"


@pytest.mark.parametrize("relative", ["..", "../secret", "a/../../b", "..\\..\\etc"])
def test_paths_that_leave_host_are_refused_naming_the_property(server: FileServer, relative: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        server.resolve(relative, property_path="typeProperties.location.folderPath")
    assert caught.value.property_path == "typeProperties.location.folderPath"
    assert "outside" in caught.value.message


def test_dataset_file_name_escape_is_refused(server: FileServer) -> None:
    (server.root / "in").mkdir()
    fmt = dataset("DelimitedText", "in", "../../passwd")
    with pytest.raises(DefinitionError) as caught:
        list_source_files(server, fmt.location)
    assert caught.value.property_path == "typeProperties.location.fileName"


def test_wildcard_folder_and_file_list_escapes_are_refused(server: FileServer) -> None:
    fmt = dataset("Json")
    with pytest.raises(DefinitionError) as caught:
        list_source_files(server, fmt.location, {"wildcardFolderPath": "../*"})
    assert caught.value.property_path == "storeSettings.wildcardFolderPath"
    (server.root / "list.txt").write_text("../../outside.json\n")
    with pytest.raises(DefinitionError) as caught:
        list_source_files(server, fmt.location, {"fileListPath": "list.txt"})
    assert caught.value.property_path == "storeSettings.fileListPath"


def test_sink_folder_escape_is_refused(server: FileServer) -> None:
    fmt = dataset("Parquet", "../out")
    with pytest.raises(DefinitionError) as caught:
        plan_sink_targets(server, fmt.location, None, fmt.sink_settings())
    assert caught.value.property_path == "typeProperties.location.folderPath"


def test_other_location_types_are_refused() -> None:
    with pytest.raises(DefinitionError) as caught:
        FileServerLocation.from_dict({"type": "AzureBlobStorageLocation", "container": "c"})
    assert caught.value.property_path == "typeProperties.location.type"
