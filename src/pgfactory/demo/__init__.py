"""The demo behind the README's first command: a real server, a factory folder, a real pipeline.

It starts an embedded PostgreSQL with TLS on, creates a login role and database, writes a factory
folder in ADF's git layout (the pipeline and dataset shipped in ``factory/`` beside this file,
and an ``AzurePostgreSql`` 2.0 linked service pointing at that server), runs the staged
connection test, then runs ``DemoPipeline``: a Script creates and fills tables, a Copy exports the
orders to a Parquet file while a Lookup reads a control table, a ForEach checks each region with
a Lookup and an IfCondition that records the result with a parameterized Script, and the summary
is the pipeline's return value.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, test_linked_service
from pgfactory.connectors.postgres.pool import close_pools
from pgfactory.embedded.certificates import write_self_signed_certificate
from pgfactory.embedded.server import EmbeddedPostgres
from pgfactory.engine import Engine, RunObserver, RunResult
from pgfactory.engine.validation import validate_factory_folder
from pgfactory.errors import DefinitionError
from pgfactory.store.run_store import RunStore

DEMO_ROLE = "pgfactory_demo"
DEMO_DATABASE = "demo"
LINKED_SERVICE = "DemoPostgreSql"


PIPELINE = "DemoPipeline"
TEMPLATE = Path(__file__).parent / "factory"


@dataclass(frozen=True)
class Demo:
    """A written demo factory whose server is running."""

    factory_dir: Path

    def test_connection(self) -> ConnectionTestReport:
        return test_linked_service(LINKED_SERVICE, factory_dir=self.factory_dir)

    def run_pipeline(self, *, state_dir: Path | None = None, observers: Iterable[RunObserver] = ()) -> RunResult:
        """Run ``DemoPipeline``, its history in ``state_dir`` (by default ``.pgfactory`` in the factory folder)."""
        factory, problems = validate_factory_folder(self.factory_dir)
        errors = [str(problem) for problem in problems if problem.severity == "error"]
        if errors:
            raise DefinitionError("the demo factory has errors: " + "; ".join(errors), file=self.factory_dir)
        with RunStore.open(state_dir or self.factory_dir / ".pgfactory") as store, \
                Engine(factory, store=store, observers=observers) as engine:
            return engine.run(PIPELINE)


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


@contextmanager
def demo(factory_dir: Path) -> Iterator[Demo]:
    """Start a server, write ``factory_dir`` for it; the server stops when the block ends."""
    work_dir = Path(tempfile.mkdtemp(prefix="pgfactory-demo-"))
    try:
        with demo_server(work_dir) as server:
            password = secrets.token_urlsafe(16)
            with psycopg.connect(server.conninfo, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(DEMO_ROLE), sql.Literal(password)))
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DEMO_DATABASE), sql.Identifier(DEMO_ROLE)))
            shutil.copytree(TEMPLATE, factory_dir, dirs_exist_ok=True)
            write_demo_factory(factory_dir, server, password)
            try:
                yield Demo(factory_dir)
            finally:
                close_pools()  # before the server stops, so that no pooled connection outlives it
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
