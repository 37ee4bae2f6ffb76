"""A throwaway PostgreSQL server for demos and tests, started from real binaries.

The server listens on loopback TCP only (no Unix socket, so long temporary paths do not
matter), authenticates with scram-sha-256, and can serve TLS with given certificate files and a
pg_hba.conf of the caller's choosing. PostgreSQL refuses to run as root, so under root the
server runs as the unprivileged ``nobody`` user, with its data folder handed over to it.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pgfactory.embedded.binaries import find_bin_dir
from pgfactory.errors import EmbeddedPostgresError

_UNPRIVILEGED_USER = "nobody"

DEFAULT_HBA = (
    "host all all 127.0.0.1/32 scram-sha-256",
    "host all all ::1/128 scram-sha-256",
)


@dataclass(frozen=True)
class ServerTls:
    """Certificate files the server presents; ``ca_file`` is only needed for client certs."""

    cert_file: Path
    key_file: Path


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster in ``data_dir``; use as a context manager or call start/stop."""

    data_dir: Path
    superuser_password: str
    superuser: str = "postgres"
    host: str = "127.0.0.1"
    port: int = 0
    tls: ServerTls | None = None
    hba_rules: tuple[str, ...] = DEFAULT_HBA
    settings: dict[str, str] = field(default_factory=dict)
    _bin_dir: Path | None = field(default=None, repr=False)
    _run_as: pwd.struct_passwd | None = field(default=None, repr=False)
    _running: bool = field(default=False, repr=False)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def conninfo(self) -> str:
        """A libpq connection string for the superuser over loopback TCP (no TLS required)."""
        return (
            f"host={self.host} port={self.port} user={self.superuser} "
            f"password={self.superuser_password} dbname=postgres sslmode=prefer"
        )

    def start(self) -> None:
        if self._running:
            return
        self._bin_dir = find_bin_dir()
        if os.geteuid() == 0:
            self._run_as = pwd.getpwnam(_UNPRIVILEGED_USER)
            self._bin_dir = _reachable_bin_dir(self._bin_dir, self._run_as)
        if self.port == 0:
            self.port = _free_port(self.host)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._write_configuration()
        log_file = self.data_dir / "server.log"
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(log_file),
            "-o", f"-p {self.port}",
            failure=f"PostgreSQL did not start (log: {log_file})",
            log_file=log_file,
        )
        self._running = True
        atexit.register(self.stop)

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir), failure="PostgreSQL did not stop")

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.data_dir.parent, delete=False) as pwfile:
            pwfile.write(self.superuser_password)
        self._hand_over(self.data_dir, Path(pwfile.name))
        try:
            self._run(
                "initdb", "-D", str(self.data_dir), "-U", self.superuser, "--pwfile", pwfile.name,
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
                failure="initdb failed",
            )
        finally:
            os.unlink(pwfile.name)

    def _write_configuration(self) -> None:
        settings = {
            "listen_addresses": f"'{self.host}'",
            "unix_socket_directories": "''",
            "password_encryption": "'scram-sha-256'",
            "fsync": "off",
            "max_connections": "50",
            "shared_buffers": "'32MB'",
        }
        if self.tls is not None:
            self._hand_over(self.tls.cert_file, self.tls.key_file)
            os.chmod(self.tls.key_file, 0o600)
            settings.update(
                ssl="on",
                ssl_cert_file=f"'{self.tls.cert_file}'",
                ssl_key_file=f"'{self.tls.key_file}'",
            )
        else:
            settings["ssl"] = "off"
        settings.update(self.settings)
        lines = [f"{name} = {value}" for name, value in settings.items()]
        (self.data_dir / "postgresql.auto.conf").write_text("\n".join(lines) + "\n")
        (self.data_dir / "pg_hba.conf").write_text("\n".join(self.hba_rules) + "\n")
        self._hand_over(self.data_dir / "postgresql.auto.conf", self.data_dir / "pg_hba.conf")

    def _hand_over(self, *paths: Path) -> None:
        """Give files to the unprivileged server user and make their folders passable."""
        if self._run_as is None:
            return
        for path in paths:
            os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
            for parent in path.parents:
                if parent == Path("/"):
                    break
                if parent.is_relative_to(self.data_dir):
                    continue  # PostgreSQL insists its data folder is 0700
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)

    def _run(self, tool: str, *args: str, failure: str, log_file: Path | None = None) -> None:
        assert self._bin_dir is not None
        user = self._run_as.pw_uid if self._run_as else None
        group = self._run_as.pw_gid if self._run_as else None
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.data_dir.parent)}
        result = subprocess.run(
            [str(self._bin_dir / tool), *args],
            capture_output=True, text=True, user=user, group=group, env=env, check=False,
            cwd=self.data_dir.parent,
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            if log_file is not None and log_file.exists():
                detail += "\n" + log_file.read_text()[-2000:]
            raise EmbeddedPostgresError(f"{failure}: {detail}")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _reachable_bin_dir(bin_dir: Path, user: pwd.struct_passwd) -> Path:
    """``bin_dir``, or a copy of its installation that ``user`` can execute.

    A virtual environment under a private home folder (mode 0700) hides the binaries from the
    unprivileged user; a copy in the temporary folder is readable by everyone.
    """
    with contextlib.suppress(PermissionError):  # raised when a folder on the way is private to root
        probe = subprocess.run([str(bin_dir / "postgres"), "--version"],
                               capture_output=True, user=user.pw_uid, group=user.pw_gid, check=False)
        if probe.returncode == 0:
            return bin_dir
    install_root = bin_dir.parent
    digest = hashlib.sha256(str(install_root).encode()).hexdigest()[:16]
    copy_root = Path(tempfile.gettempdir()) / f"pgfactory-postgres-{digest}"
    if not (copy_root / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="pgfactory-postgres-"))
        shutil.copytree(install_root, staging / "install", symlinks=True)
        os.chmod(staging, 0o755)
        with contextlib.suppress(OSError):  # another process won the race; its copy is as good
            os.rename(staging / "install", copy_root)
        shutil.rmtree(staging, ignore_errors=True)
    return copy_root / "bin"
