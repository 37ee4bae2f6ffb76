"""The demo behind the README's first command: a real server, a factory folder, a real test.

It starts an embedded PostgreSQL with TLS on, creates a login role, writes a factory folder in
ADF's git layout with an ``AzurePostgreSql`` 2.0 linked service pointing at that server, and
runs the staged connection test on it.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, test_linked_service
from pgfactory.embedded.certificates import write_self_signed_certificate
from pgfactory.embedded.server import EmbeddedPostgres

DEMO_ROLE = "pgfactory_demo"
DEMO_DATABASE = "demo"
LINKED_SERVICE = "DemoPostgreSql"


@dataclass(frozen=True)
class DemoResult:
    factory_dir: Path
    report: ConnectionTestReport


@contextmanager
def demo_server(work_dir: Path) -> Iterator[EmbeddedPostgres]:
    """An embedded TLS server in ``work_dir``, with the demo role and database."""
    tls = write_self_signed_certificate(work_dir / "certs")
    server = EmbeddedPostgres(work_dir / "data", superuser_password=secrets.token_urlsafe(16), tls=tls)
    with server:
        yield server


def write_demo_factory(factory_dir: Path, server: EmbeddedPostgres, password: str) -> Path:
    linked_service = {
        "name": LINKED_SERVICE,
        "properties": {
            "type": "AzurePostgreSql",
            "version": "2.0",
            "description": "The embedded demo server",
            "typeProperties": {
                "server": server.host,
                "port": server.port,
                "database": DEMO_DATABASE,
                "sslMode": 3,
                "authenticationType": "BasicAuth",
                "username": DEMO_ROLE,
                "password": {"type": "SecureString", "value": password},
                "connectionTimeout": 10,
            },
            "annotations": [],
        },
    }
    path = factory_dir / "linkedService" / f"{LINKED_SERVICE}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(linked_service, indent=4))
    return path


def run_demo(factory_dir: Path) -> DemoResult:
    """Start a server, write ``factory_dir``, test the connection, stop the server."""
    work_dir = Path(tempfile.mkdtemp(prefix="pgfactory-demo-"))
    try:
        with demo_server(work_dir) as server:
            password = secrets.token_urlsafe(16)
            with psycopg.connect(server.conninfo, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(DEMO_ROLE), sql.Literal(password)))
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DEMO_DATABASE), sql.Identifier(DEMO_ROLE)))
            write_demo_factory(factory_dir, server, password)
            report = test_linked_service(LINKED_SERVICE, factory_dir=factory_dir)
            return DemoResult(factory_dir, report)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
