from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pgfactory.connectors.files import FileServer, FileStoreError, delete_source_files, list_source_files
from pgfactory.connectors.files.errors import FILE_NOT_FOUND
from pgfactory.connectors.files.file_server import FileServerLocation
from pgfactory.errors import DefinitionError


def make_files(root: Path, *relative_paths: str) -> None:
    for relative in relative_paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(relative)


@pytest.fixture
def tree(server: FileServer) -> FileServer:
    """The tree of ADF's "Folder and file filter examples"."""
    make_files(server.root, "FolderA/File1.csv", "FolderA/File2.json", "FolderA/Subfolder1/File3.csv",
               "FolderA/Subfolder1/File4.json", "FolderA/Subfolder1/File5.csv", "AnotherFolderB/File6.csv")
    return server


def relative(server: FileServer, folder: str = "", file_name: str = "", **settings: object) -> list[str]:
    files = list_source_files(server, FileServerLocation(folder, file_name), settings)
    return [file.relative_path for file in files]


@pytest.mark.parametrize(("file_name", "recursive", "expected"), [
    ("", False, ["File1.csv", "File2.json"]),
    ("", True, ["File1.csv", "File2.json", "Subfolder1/File3.csv", "Subfolder1/File4.json", "Subfolder1/File5.csv"]),
    ("*.csv", False, ["File1.csv"]),
    ("*.csv", True, ["File1.csv", "Subfolder1/File3.csv", "Subfolder1/File5.csv"]),
])
def test_adf_filter_examples(tree: FileServer, file_name: str, recursive: bool, expected: list[str]) -> None:
    found = relative(tree, wildcardFolderPath="Folder*", wildcardFileName=file_name, recursive=recursive)
    assert found == [f"FolderA/{path}" for path in expected]


def test_recursive_defaults_to_true(tree: FileServer) -> None:
    assert relative(tree, "FolderA", wildcardFileName="*.json") == ["File2.json", "Subfolder1/File4.json"]


def test_question_mark_matches_zero_or_one_character(server: FileServer) -> None:
    make_files(server.root, "a.csv", "ab.csv", "abc.csv")
    assert relative(server, wildcardFileName="a?.csv") == ["a.csv", "ab.csv"]


def test_caret_escapes_wildcards_and_brackets_are_plain(server: FileServer) -> None:
    make_files(server.root, "a*b.csv", "axb.csv", "[x].csv", "x.csv", "c^d.csv")
    assert relative(server, wildcardFileName="a^*b.csv") == ["a*b.csv"]
    assert relative(server, wildcardFileName="[x].csv") == ["[x].csv"]
    assert relative(server, wildcardFileName="c^^d.csv") == ["c^d.csv"]


def test_wildcard_folder_segments_match_level_by_level(server: FileServer) -> None:
    make_files(server.root, "data/2024-01/x/a.csv", "data/2024-02/y/b.csv", "data/2023-12/x/c.csv", "data/2024-03/d.csv")
    found = relative(server, wildcardFolderPath="data/2024-*/x", wildcardFileName="*", recursive=False)
    assert found == ["2024-01/x/a.csv"]  # relative to the fixed part of the path, data/


def test_wildcard_file_name_overrules_file_name(tree: FileServer) -> None:
    assert relative(tree, "FolderA", "File1.csv", wildcardFileName="*.json", recursive=False) == ["File2.json"]


def test_file_name_reads_one_file(tree: FileServer) -> None:
    [file] = list_source_files(tree, FileServerLocation("FolderA/Subfolder1", "File3.csv"))
    assert (file.path, file.relative_path, file.size) == (tree.root / "FolderA/Subfolder1/File3.csv", "File3.csv",
                                                          len("FolderA/Subfolder1/File3.csv"))


def test_missing_file_and_folder_fail_but_unmatched_wildcards_are_empty(tree: FileServer) -> None:
    with pytest.raises(FileStoreError) as caught:
        list_source_files(tree, FileServerLocation("FolderA", "nope.csv"))
    assert caught.value.code == FILE_NOT_FOUND and "nope.csv" in caught.value.message
    with pytest.raises(FileStoreError) as caught:
        list_source_files(tree, FileServerLocation("NoFolder"))
    assert caught.value.code == FILE_NOT_FOUND
    assert relative(tree, wildcardFolderPath="Nothing*") == []
    assert relative(tree, "FolderA", wildcardFileName="*.parquet") == []


def test_modified_datetime_range_is_start_inclusive_end_exclusive(server: FileServer) -> None:
    make_files(server.root, "old.csv", "mid.csv", "new.csv")
    for name, day in (("old.csv", 1), ("mid.csv", 2), ("new.csv", 3)):
        stamp = datetime(2024, 1, day, tzinfo=UTC).timestamp()
        os.utime(server.root / name, (stamp, stamp))
    found = relative(server, modifiedDatetimeStart="2024-01-02T00:00:00Z", modifiedDatetimeEnd="2024-01-03T00:00:00Z")
    assert found == ["mid.csv"]
    assert relative(server, modifiedDatetimeStart="2024-01-02T00:00:00Z") == ["mid.csv", "new.csv"]
    assert relative(server, modifiedDatetimeEnd="2024-01-02T00:00:00") == ["old.csv"]  # naive times are UTC


def test_file_list_keeps_its_order_relative_to_the_dataset_folder(server: FileServer) -> None:
    make_files(server.root, "in/b.csv", "in/sub/a.csv", "lists/files.txt")
    (server.root / "lists/files.txt").write_text("\ufeffsub/a.csv\n\nb.csv\n")
    assert relative(server, "in", fileListPath="lists/files.txt") == ["sub/a.csv", "b.csv"]


def test_file_list_with_a_missing_file_fails_naming_it(server: FileServer) -> None:
    make_files(server.root, "in/b.csv", "list.txt")
    (server.root / "list.txt").write_text("b.csv\ngone.csv\n")
    with pytest.raises(FileStoreError) as caught:
        relative(server, "in", fileListPath="list.txt")
    assert "gone.csv" in caught.value.message


def test_file_list_excludes_wildcards_and_file_name(server: FileServer) -> None:
    with pytest.raises(DefinitionError) as caught:
        relative(server, fileListPath="list.txt", wildcardFileName="*")
    assert caught.value.property_path == "storeSettings.fileListPath"
    with pytest.raises(DefinitionError):
        relative(server, "", "x.csv", fileListPath="list.txt")


def test_unfinished_sink_files_are_not_listed(server: FileServer) -> None:
    make_files(server.root, "done.csv", ".done.csv.1a2b3c.pgfactory-tmp")
    assert relative(server) == ["done.csv"]


def test_delete_files_after_completion_removes_only_the_files(tree: FileServer) -> None:
    settings = {"wildcardFileName": "*.csv", "deleteFilesAfterCompletion": "true"}
    files = list_source_files(tree, FileServerLocation("FolderA"), settings)
    delete_source_files(files)
    assert sorted(path.name for path in tree.root.rglob("*") if path.is_file()) == ["File2.json", "File4.json", "File6.csv"]
    assert (tree.root / "FolderA/Subfolder1").is_dir()
