"""Which files a file source reads: a dataset location plus the copy source's ``storeSettings``.

The rules are those of ADF's file system connector (``FileServerReadSettings``):

- ``fileListPath`` names a text file (under host) listing one file per line, relative to the
  dataset's folder; the files are read in the list's order. It excludes wildcards and ``fileName``.
- ``wildcardFolderPath`` replaces the dataset's ``folderPath`` and may match several folders,
  segment by segment; ``wildcardFileName`` replaces ``fileName``.
- Without a file name or pattern every file in the folder is read; ``recursive`` (default true)
  descends into subfolders, also when a file name pattern is given.
- ``modifiedDatetimeStart`` (inclusive) and ``modifiedDatetimeEnd`` (exclusive) filter on the
  last-modified time in UTC.

A missing folder, or a file named explicitly that is not there, fails; a wildcard that matches
nothing gives an empty list. Files are listed in the order of their relative paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from pgfactory.connectors.files.atomic import is_temporary_name
from pgfactory.connectors.files.errors import FILE_NOT_FOUND, FileStoreError, definition_error
from pgfactory.connectors.files.file_server import FileServer, FileServerLocation
from pgfactory.connectors.files.wildcards import has_wildcards, unescape, wildcard_regex
from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import FileServerReadSettings
from pgfactory.models.values import as_flag


@dataclass(frozen=True)
class ReadSettings:
    """Evaluated ``FileServerReadSettings``."""

    recursive: bool = True
    wildcard_folder_path: str = ""
    wildcard_file_name: str = ""
    file_list_path: str = ""
    modified_datetime_start: datetime | None = None
    modified_datetime_end: datetime | None = None
    delete_files_after_completion: bool = False
    property_path: str = "storeSettings"

    @classmethod
    def from_dict(cls, store_settings: Mapping[str, Any] | None, *, property_path: str = "storeSettings") -> ReadSettings:
        try:
            model = FileServerReadSettings.model_validate(store_settings or {})
        except ValidationError as error:
            raise definition_error(error, property_path) from error
        return cls(
            recursive=as_flag(model.recursive, True),
            wildcard_folder_path=str(model.wildcard_folder_path or ""),
            wildcard_file_name=str(model.wildcard_file_name or ""),
            file_list_path=str(model.file_list_path or ""),
            modified_datetime_start=_utc(model.modified_datetime_start),
            modified_datetime_end=_utc(model.modified_datetime_end),
            delete_files_after_completion=as_flag(model.delete_files_after_completion, False),
            property_path=property_path,
        )


@dataclass(frozen=True)
class SourceFile:
    """One file to read. ``relative_path`` (POSIX) is its path under the folder the copy reads
    from: the path PreserveHierarchy gives it in the sink, and ADF's ``$$FILEPATH``."""

    path: Path
    relative_path: str
    size: int
    modified: datetime


def list_source_files(
    server: FileServer, location: FileServerLocation, store_settings: Mapping[str, Any] | ReadSettings | None = None
) -> list[SourceFile]:
    """The files a copy source reads, in order."""
    settings = store_settings if isinstance(store_settings, ReadSettings) else ReadSettings.from_dict(store_settings)
    if settings.file_list_path:
        files = _listed_files(server, location, settings)
    else:
        files = sorted(_matched_files(server, location, settings), key=lambda file: file.relative_path)
    return [file for file in files if _modified_in_range(file, settings)]


def delete_source_files(files: Iterable[SourceFile]) -> None:
    """``deleteFilesAfterCompletion``: remove the files a successful copy read (folders stay)."""
    for file in files:
        file.path.unlink(missing_ok=True)


def _listed_files(server: FileServer, location: FileServerLocation, settings: ReadSettings) -> list[SourceFile]:
    where = f"{settings.property_path}.fileListPath"
    if location.file_name:
        raise DefinitionError("fileListPath names the files itself; remove fileName from the dataset location",
                              property_path=where)
    folder = server.resolve(location.folder_path, property_path="typeProperties.location.folderPath")
    list_file = server.resolve(settings.file_list_path, property_path=where)
    try:
        lines = list_file.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as error:
        raise FileStoreError(f"the file list {str(list_file)!r} does not exist", code=FILE_NOT_FOUND,
                             path=list_file) from error
    files: list[SourceFile] = []
    for line in filter(None, (line.strip() for line in lines)):
        path = server.resolve(line, property_path=where, base=folder)
        if folder not in path.parents:
            raise DefinitionError(f"{line!r}, listed in {str(list_file)!r}, is not inside the dataset's folder",
                                  property_path=where)
        if not path.is_file():
            raise FileStoreError(f"{str(path)!r}, listed in {str(list_file)!r}, does not exist", code=FILE_NOT_FOUND,
                                 path=path)
        files.append(_source_file(path, folder))
    return files


def _matched_files(server: FileServer, location: FileServerLocation, settings: ReadSettings) -> Iterator[SourceFile]:
    if settings.wildcard_folder_path:
        base, folders = _wildcard_folders(server, settings)
    else:
        base = server.resolve(location.folder_path, property_path="typeProperties.location.folderPath")
        if not base.is_dir():
            raise FileStoreError(f"the folder {str(base)!r} does not exist", code=FILE_NOT_FOUND, path=base)
        if location.file_name and not settings.wildcard_file_name:
            path = server.resolve(location.file_name, property_path="typeProperties.location.fileName", base=base)
            if not path.is_file():
                raise FileStoreError(f"the file {str(path)!r} does not exist", code=FILE_NOT_FOUND, path=path)
            yield _source_file(path, base)
            return
        folders = [base]
    if settings.wildcard_file_name:
        pattern = wildcard_regex(settings.wildcard_file_name)
    elif location.file_name:
        pattern = re.compile(re.escape(location.file_name))
    else:
        pattern = None
    for folder in folders:
        for path in _files_under(folder, recursive=settings.recursive):
            if pattern is None or pattern.fullmatch(path.name):
                yield _source_file(path, base)


def _wildcard_folders(server: FileServer, settings: ReadSettings) -> tuple[Path, list[Path]]:
    """The fixed folder before the first wildcard segment, and the folders the pattern matches."""
    where = f"{settings.property_path}.wildcardFolderPath"
    segments = [part for part in settings.wildcard_folder_path.replace("\\", "/").split("/") if part not in ("", ".")]
    fixed: list[str] = []
    while segments and not has_wildcards(segments[0]):
        fixed.append(unescape(segments.pop(0)))
    base = server.resolve("/".join(fixed), property_path=where)
    if not base.is_dir():
        raise FileStoreError(f"the folder {str(base)!r} does not exist", code=FILE_NOT_FOUND, path=base)
    folders = [base]
    for segment in segments:
        if segment == "..":
            raise DefinitionError("'..' after a wildcard is not allowed", property_path=where)
        pattern = wildcard_regex(segment)
        folders = [child for folder in folders for child in _subfolders(folder) if pattern.fullmatch(child.name)]
    return base, folders


def _subfolders(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(entry.path) for entry in entries if entry.is_dir())


def _files_under(folder: Path, *, recursive: bool) -> Iterator[Path]:
    for current, folder_names, file_names in os.walk(folder):
        if not recursive:
            folder_names.clear()
        for name in file_names:
            path = Path(current, name)
            if not is_temporary_name(name) and path.is_file():
                yield path


def _source_file(path: Path, base: Path) -> SourceFile:
    stat = path.stat()
    relative = PurePosixPath(*path.relative_to(base).parts).as_posix()
    return SourceFile(path, relative, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def _modified_in_range(file: SourceFile, settings: ReadSettings) -> bool:
    start, end = settings.modified_datetime_start, settings.modified_datetime_end
    return (start is None or file.modified >= start) and (end is None or file.modified < end)


def _utc(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(str(value).strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
