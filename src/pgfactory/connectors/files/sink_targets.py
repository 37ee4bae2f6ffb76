"""Which files a file sink writes: the sink dataset's location, ``copyBehavior`` and naming settings.

- A tabular source (a table or a query) is written to the dataset's ``fileName``, or, without
  one, to ``<fileNamePrefix or default stem><extension>`` in its folder. With
  ``maxRowsPerFile`` the rows are split over ``<prefix>_00000<extension>``, ``_00001`` ...
  (ADF's pattern), which needs a folder: a ``fileName`` then is refused.
- File sources follow ``copyBehavior`` (``FileServerWriteSettings``): ``PreserveHierarchy``
  (default) writes each source file under its relative path and name; ``FlattenHierarchy``
  writes each into the folder itself, named after its relative path with ``/`` turned into
  ``_`` (ADF generates names; these are pgfactory's, stable and readable), ``_2``, ``_3`` ...
  added when two collide; ``MergeFiles`` writes them all, in order, into one file.
  A ``fileName`` with more than one source file needs ``MergeFiles``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from pgfactory.connectors.files.compression import Compression
from pgfactory.connectors.files.errors import definition_error
from pgfactory.connectors.files.file_server import FileServer, FileServerLocation
from pgfactory.connectors.files.format_base import SinkSettings
from pgfactory.connectors.files.source_files import SourceFile
from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import FileServerWriteSettings


class CopyBehavior(StrEnum):
    PRESERVE_HIERARCHY = "PreserveHierarchy"
    FLATTEN_HIERARCHY = "FlattenHierarchy"
    MERGE_FILES = "MergeFiles"


@dataclass(frozen=True)
class WriteSettings:
    """Evaluated ``FileServerWriteSettings``."""

    copy_behavior: CopyBehavior = CopyBehavior.PRESERVE_HIERARCHY

    @classmethod
    def from_dict(cls, store_settings: Mapping[str, Any] | None, *, property_path: str = "storeSettings") -> WriteSettings:
        try:
            model = FileServerWriteSettings.model_validate(store_settings or {})
        except ValidationError as error:
            raise definition_error(error, property_path) from error
        behavior = str(model.copy_behavior or CopyBehavior.PRESERVE_HIERARCHY).lower()
        return cls(next(member for member in CopyBehavior if member.value.lower() == behavior))


@dataclass(frozen=True)
class SinkTarget:
    """One output of a sink: a file, or with ``max_rows_per_file`` a numbered series of files.

    ``sources`` are the source files whose rows go here, in order (empty for a tabular source).
    """

    folder: Path
    stem: str
    extension: str
    max_rows_per_file: int | None = None
    sources: tuple[SourceFile, ...] = ()

    def path(self, part: int = 0) -> Path:
        if self.max_rows_per_file is None:
            return self.folder / f"{self.stem}{self.extension}"
        return self.folder / f"{self.stem}_{part:05d}{self.extension}"


def sink_extension(file_extension: object, default: str, compression: Compression | None) -> str:
    """The extension of generated file names: ``fileExtension`` (or the format's), then the codec's."""
    extension = str(file_extension or "").strip() or default
    extension = extension if extension.startswith(".") else f".{extension}"
    if compression is not None and not extension.endswith(compression.extension):
        extension += compression.extension
    return extension


def plan_sink_targets(
    server: FileServer,
    location: FileServerLocation,
    store_settings: Mapping[str, Any] | WriteSettings | None,
    settings: SinkSettings,
    *,
    source_files: Sequence[SourceFile] | None = None,
    default_stem: str = "data",
) -> list[SinkTarget]:
    """The files a sink writes; ``source_files`` when the copy reads files, else a tabular source.

    ``default_stem`` names a generated file when neither ``fileName`` nor ``fileNamePrefix`` does
    (the Copy activity passes e.g. the source table's name).
    """
    write = store_settings if isinstance(store_settings, WriteSettings) else WriteSettings.from_dict(store_settings)
    folder = server.resolve(location.folder_path, property_path="typeProperties.location.folderPath")
    max_rows = settings.max_rows_per_file
    if location.file_name:
        if max_rows is not None:
            raise DefinitionError("maxRowsPerFile writes a series of files into a folder; remove fileName from the "
                                  "sink dataset's location", property_path="formatSettings.maxRowsPerFile")
        if source_files is not None and len(source_files) > 1 and write.copy_behavior != CopyBehavior.MERGE_FILES:
            raise DefinitionError(f"the sink dataset names one file ({location.file_name!r}) but {len(source_files)} "
                                  "files are read; set copyBehavior to MergeFiles or remove fileName",
                                  property_path="storeSettings.copyBehavior")
        path = server.resolve(location.file_name, property_path="typeProperties.location.fileName", base=folder)
        return [SinkTarget(path.parent, path.name, "", None, tuple(source_files or ()))]
    generated = SinkTarget(folder, settings.file_name_prefix or default_stem, settings.extension, max_rows)
    if source_files is None:
        return [generated]
    if write.copy_behavior == CopyBehavior.MERGE_FILES:
        return [SinkTarget(generated.folder, generated.stem, generated.extension, max_rows, tuple(source_files))]
    targets: list[SinkTarget] = []
    taken: set[str] = set()
    for source in source_files:
        relative = PurePosixPath(source.relative_path)
        if write.copy_behavior == CopyBehavior.PRESERVE_HIERARCHY:
            target_folder, name = folder.joinpath(*relative.parent.parts), relative.name
        else:
            target_folder, name = folder, _unique("_".join(relative.parts), taken)
        stem, extension = _split_name(name, settings.extension) if max_rows is not None else (name, "")
        targets.append(SinkTarget(target_folder, stem, extension, max_rows, (source,)))
    return targets


def _split_name(name: str, extension: str) -> tuple[str, str]:
    """A file name as stem and extension, for numbered parts: ``a.csv.gz`` -> ``a_00000.csv.gz``."""
    if name.endswith(extension) and len(name) > len(extension):
        return name[: -len(extension)], extension
    suffix = PurePosixPath(name).suffix
    return name[: len(name) - len(suffix)], suffix


def _unique(name: str, taken: set[str]) -> str:
    stem, extension = _split_name(name, PurePosixPath(name).suffix)
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}{extension}"
    taken.add(candidate)
    return candidate
