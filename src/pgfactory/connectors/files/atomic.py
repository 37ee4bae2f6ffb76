"""Files that appear under their final name only when they are complete.

A sink writes to a hidden temporary file in the target folder (the same file system, so the
rename is atomic), flushes it to disk, and renames it over the final name on commit. On failure
the temporary file is removed and whatever had the final name before stays as it was. Listings
of source folders skip temporary files, so a copy never reads another one's unfinished output.
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

TEMPORARY_SUFFIX = ".pgfactory-tmp"


def is_temporary_name(name: str) -> bool:
    return name.endswith(TEMPORARY_SUFFIX)


class AtomicFile:
    """A final path and the temporary path it is written under until ``commit``."""

    def __init__(self, final_path: Path) -> None:
        self.final_path = final_path
        self.temporary_path = final_path.with_name(f".{final_path.name}.{uuid4().hex[:12]}{TEMPORARY_SUFFIX}")
        final_path.parent.mkdir(parents=True, exist_ok=True)

    def commit(self) -> None:
        """Flush the written temporary file to disk and give it the final name."""
        _fsync(self.temporary_path)
        os.replace(self.temporary_path, self.final_path)
        if os.name == "posix":
            _fsync(self.final_path.parent)  # the rename itself survives a crash

    def discard(self) -> None:
        self.temporary_path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
