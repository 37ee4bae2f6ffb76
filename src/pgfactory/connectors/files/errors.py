"""Errors of the file connector.

A property that cannot work (an unknown codec, a path that leaves ``host``) is a
``DefinitionError`` naming the property. A failure while listing, reading or writing files is a
``FileStoreError``: an ``ActivityError`` that names the file, with an error code the Copy
activity reports as is. ``TypeConversionFailure`` and ``DelimitedTextMoreColumnsThanDefined``
are ADF's codes for the same failures; the others are pgfactory's.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.models.problems import problems_from_validation_error

FILE_NOT_FOUND = "UserErrorFileNotFound"
FILE_ACCESS_FAILED = "UserErrorFileAccessFailed"
FILE_FORMAT_INVALID = "UserErrorFileFormatInvalid"
TYPE_CONVERSION_FAILURE = "TypeConversionFailure"
MORE_COLUMNS_THAN_DEFINED = "DelimitedTextMoreColumnsThanDefined"


class FileStoreError(ActivityError):
    """Listing, reading or writing a file failed; ``path`` is the file (or folder) concerned."""

    def __init__(self, message: str, *, code: str, path: Path | None = None, transient: bool = False) -> None:
        super().__init__(message, code=code, transient=transient)
        self.path = path


def cell_error(path: Path, column_name: str, error: Exception) -> FileStoreError:
    """A ``TypeConversionFailure`` for a value of ``column_name`` that cannot be written as text."""
    return FileStoreError(f"{str(path)!r}, column {column_name!r}: {error}", code=TYPE_CONVERSION_FAILURE, path=path)


def definition_error(error: ValidationError, prefix: str) -> DefinitionError:
    """One ``DefinitionError`` for a model's validation failure: the first property and every message."""
    problems = problems_from_validation_error(error, file="", resource="", prefix=prefix)
    first, others = problems[0], problems[1:]
    message = "; ".join([first.message, *(f"{problem.property_path}: {problem.message}" for problem in others)])
    return DefinitionError(message, property_path=first.property_path)
