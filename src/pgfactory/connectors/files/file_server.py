"""The ``FileServer`` linked service as a folder on this machine, and paths that stay inside it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pgfactory.connectors.files.errors import definition_error
from pgfactory.errors import DefinitionError
from pgfactory.models.file_datasets import FILE_SERVER_LOCATION, DatasetLocation, FileServerTypeProperties

_WINDOWS_PATH = re.compile(r"[A-Za-z]:[\\/]|\\\\")  # D:\folder or \\server\share


@dataclass(frozen=True)
class FileServer:
    """A ``FileServer`` linked service whose ``host`` is a local or mounted folder.

    ``userId`` and ``password`` may be present and are ignored for local paths: pgfactory reads
    and writes with the permissions of its own process, and a network share is mounted by the
    system, with its own credentials, before pgfactory uses it. Every path a dataset or a copy
    names is taken relative to ``root`` and must stay inside it.
    """

    root: Path

    @classmethod
    def from_type_properties(cls, type_properties: Mapping[str, Any], *, base_dir: Path | None = None) -> FileServer:
        """The linked service's evaluated typeProperties; a relative ``host`` is taken from ``base_dir``
        (default: the current directory)."""
        try:
            model = FileServerTypeProperties.model_validate(type_properties)
        except ValidationError as error:
            raise definition_error(error, "typeProperties") from error
        host = str(model.host).strip()
        if not host:
            raise DefinitionError("host is empty; give the folder to read and write", property_path="typeProperties.host")
        if os.name != "nt" and _WINDOWS_PATH.match(host):
            raise DefinitionError(f"host {host!r} is a Windows path; on this machine give a local folder or the "
                                  "folder a share is mounted on", property_path="typeProperties.host")
        root = Path(host.replace("\\", "/")).expanduser()
        return cls(Path(os.path.abspath((base_dir or Path.cwd()) / root)))

    def resolve(self, relative: str | None, *, property_path: str, base: Path | None = None) -> Path:
        """``relative`` under ``base`` (default: the root); refuses a path that leaves the root.

        ADF writes folder paths with either slash; a leading one still means "under host". The
        check is on the text (``..``), so a symbolic link inside host that an administrator put
        there is followed.
        """
        start = base or self.root
        text = (relative or "").replace("\\", "/").lstrip("/")
        candidate = Path(os.path.normpath(start / text)) if text else start
        if candidate != self.root and self.root not in candidate.parents:
            raise DefinitionError(f"{relative!r} leads outside the linked service's host folder {str(self.root)!r}",
                                  property_path=property_path)
        return candidate


@dataclass(frozen=True)
class FileServerLocation:
    """A dataset's ``FileServerLocation``: a folder under host and, optionally, one file in it."""

    folder_path: str = ""
    file_name: str = ""

    @classmethod
    def from_dict(cls, location: Mapping[str, Any], *, property_path: str = "typeProperties.location") -> FileServerLocation:
        try:
            model = DatasetLocation.model_validate(location)
        except ValidationError as error:
            raise definition_error(error, property_path) from error
        if model.type != FILE_SERVER_LOCATION:
            raise DefinitionError(f"location type {model.type!r} is not supported; a FileServer linked service "
                                  f"uses {FILE_SERVER_LOCATION}", property_path=f"{property_path}.type")
        return cls(str(model.folder_path or ""), str(model.file_name or ""))
