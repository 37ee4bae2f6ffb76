"""Test connection: walk a linked service through each stage and say where it fails and why.

Stages, in order: resolve (parameters, expressions, secrets) -> dns -> tcp (within the
connection timeout) -> tls (as sslMode asks) -> token (Entra types only) -> authentication ->
database -> permissions. The first failure ends the walk; later stages are reported skipped.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import psycopg

from pgfactory.connectors.postgres.connection import connection_password
from pgfactory.connectors.postgres.errors import translate_connection_error
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.connectors.postgres.tls_probe import probe_tls
from pgfactory.errors import ConnectionStageError, DefinitionError, PgFactoryError
from pgfactory.models.azure_postgresql import SslMode
from pgfactory.models.factory import Factory, ResourceKind, load_factory, read_resource_file
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.problems import Problem
from pgfactory.secrets import Secret

STAGES = ("resolve", "dns", "tcp", "tls", "token", "authentication", "database", "permissions")


class StageStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class StageResult:
    name: str
    status: StageStatus
    elapsed_ms: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    hint: str = ""
    error_code: str | None = None
    sqlstate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"stage": self.name, "status": self.status.value,
                                  "elapsedMs": round(self.elapsed_ms, 1), "details": self.details}
        if self.status is StageStatus.FAILED:
            result.update(message=self.message, hint=self.hint, errorCode=self.error_code, sqlstate=self.sqlstate)
        elif self.message:
            result["message"] = self.message
        return result


@dataclass
class ConnectionTestReport:
    linked_service: str
    stages: list[StageResult]

    @property
    def succeeded(self) -> bool:
        return all(stage.status is not StageStatus.FAILED for stage in self.stages)

    @property
    def failed_stage(self) -> StageResult | None:
        return next((stage for stage in self.stages if stage.status is StageStatus.FAILED), None)

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed_stage
        return {
            "linkedService": self.linked_service,
            "succeeded": self.succeeded,
            "failedStage": failed.name if failed else None,
            "errorCode": failed.error_code if failed else None,
            "message": failed.message if failed else "all stages passed",
            "stages": [stage.to_dict() for stage in self.stages],
        }


@dataclass
class _Walk:
    """State carried from one stage to the next."""

    resource: LinkedServiceResource
    factory: Factory | None
    parameters: dict[str, Any]
    settings: PostgresConnectionSettings | None = None
    addresses: list[tuple[str, int]] = field(default_factory=list)
    reachable: tuple[str, int] | None = None
    password: Secret | None = None
    connection: psycopg.Connection | None = None


def test_connection(
    resource: LinkedServiceResource, *, factory: Factory | None = None, parameters: dict[str, Any] | None = None
) -> ConnectionTestReport:
    """Run every stage against the real server; never raises for a failed stage."""
    walk = _Walk(resource, factory, parameters or {})
    stages: list[StageResult] = []
    steps: list[tuple[str, Callable[[_Walk], tuple[dict[str, Any], str]]]] = [
        ("resolve", _resolve), ("dns", _dns), ("tcp", _tcp), ("tls", _tls), ("token", _token),
        ("authentication", _authenticate), ("database", _database), ("permissions", _permissions),
    ]
    try:
        for name, step in steps:
            if any(stage.status is StageStatus.FAILED for stage in stages):
                if name not in {stage.name for stage in stages}:
                    stages.append(StageResult(name, StageStatus.SKIPPED, message="an earlier stage failed"))
                continue
            started = time.perf_counter()
            try:
                details, note = step(walk)
            except ConnectionStageError as error:
                stages.extend(_failure_rows(name, error, _ms(started)))
                continue
            except PgFactoryError as error:
                stages.append(StageResult(name, StageStatus.FAILED, _ms(started), {}, error.message,
                                          _hint_for(name, error), error.code))
                continue
            status = StageStatus.SKIPPED if note.startswith("skipped:") else StageStatus.PASSED
            stages.append(StageResult(name, status, _ms(started), details, note.removeprefix("skipped:").strip()))
    finally:
        if walk.connection is not None:
            walk.connection.close()
    return ConnectionTestReport(resource.name, stages)


def _failure_rows(current: str, error: ConnectionStageError, elapsed_ms: float) -> list[StageResult]:
    """A failure seen in ``current``; libpq reports "database does not exist" only after the
    credentials were accepted, so such an error also proves that authentication passed."""
    failed = StageResult(current, StageStatus.FAILED, elapsed_ms, {}, error.message, error.hint, error.code,
                         error.sqlstate)
    if error.stage in STAGES and STAGES.index(error.stage) > STAGES.index(current):
        passed = StageResult(current, StageStatus.PASSED, elapsed_ms, {}, "the server accepted the credentials")
        failed.name, failed.elapsed_ms = error.stage, 0.0
        return [passed, failed]
    return [failed]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _hint_for(stage: str, error: PgFactoryError) -> str:
    if stage == "resolve":
        return "fix the linked service definition (run 'pgfactory validate' to see every problem)"
    if stage == "token":
        return "check tenant, client id and secret or certificate, and that the identity exists in that tenant"
    return ""


def _require_settings(walk: _Walk) -> PostgresConnectionSettings:
    assert walk.settings is not None, "stages run in order"
    return walk.settings


def _resolve(walk: _Walk) -> tuple[dict[str, Any], str]:
    walk.settings = settings = resolve_connection_settings(walk.resource, factory=walk.factory,
                                                           parameters=walk.parameters)
    details: dict[str, Any] = {
        "server": settings.host, "port": settings.port, "database": settings.database,
        "username": settings.username, "authenticationType": settings.authentication_type.value,
        "sslMode": f"{settings.ssl_mode.value} ({settings.ssl_mode.libpq_name})",
        "connectionTimeout": settings.connect_timeout,
    }
    note = ""
    if settings.effective_ssl_mode is not settings.ssl_mode:
        note = "trustServerCertificate is true: the certificate is not verified (libpq sslmode=require)"
        details["libpqSslMode"] = settings.effective_ssl_mode.libpq_name
    return details, note


def _dns(walk: _Walk) -> tuple[dict[str, Any], str]:
    settings = _require_settings(walk)
    try:
        found = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
    except UnicodeError:
        raise ConnectionStageError(
            "dns", f"server {settings.host[:80]!r} is not a valid host name (a label is empty or over 63 characters)",
            hint="set 'server' to the server's fully qualified domain name, e.g. myserver.postgres.database.azure.com",
            code="UserErrorPostgreSqlHostNotFound",
        ) from None
    except socket.gaierror as error:
        raise ConnectionStageError(
            "dns", f"cannot resolve server {settings.host!r}: {error.strerror or error}",
            hint="check 'server' for typos; private endpoints need the private DNS zone to be reachable from here",
            code="UserErrorPostgreSqlHostNotFound", transient=True,
        ) from None
    walk.addresses = list(dict.fromkeys((str(info[4][0]), settings.port) for info in found))
    return {"addresses": [address for address, _ in walk.addresses]}, ""


def _tcp(walk: _Walk) -> tuple[dict[str, Any], str]:
    settings = _require_settings(walk)
    timeout = settings.connect_timeout or None
    failures: list[str] = []
    timed_out = False
    for address in walk.addresses:
        try:
            with socket.create_connection(address, timeout=timeout):
                walk.reachable = address
                return {"connected": f"{address[0]}:{address[1]}"}, ""
        except TimeoutError:
            timed_out = True
            failures.append(f"{address[0]}: no answer within {settings.connect_timeout} s")
        except OSError as error:
            failures.append(f"{address[0]}: {error.strerror or error}")
    if timed_out:
        raise ConnectionStageError(
            "tcp", f"port {settings.port} did not answer within connectionTimeout: {'; '.join(failures)}",
            hint="a firewall, network security group or private endpoint is dropping the traffic, or the port "
                 "is wrong; raise connectionTimeout only if the network is known to be slow",
            code="UserErrorPostgreSqlConnectionTimeout", transient=True,
        )
    raise ConnectionStageError(
        "tcp", f"cannot connect to port {settings.port}: {'; '.join(failures)}",
        hint="nothing listens there: check 'server' and 'port' (Azure PostgreSQL listens on 5432; PgBouncer on "
             "6432 does not accept Entra tokens) and that the server is running",
        code="UserErrorPostgreSqlConnectionRefused",
    )


def _tls(walk: _Walk) -> tuple[dict[str, Any], str]:
    settings = _require_settings(walk)
    assert walk.reachable is not None
    mode = settings.effective_ssl_mode
    if mode is SslMode.DISABLE:
        return {}, "skipped: sslMode 0 (Disable) never encrypts"
    observed = probe_tls(walk.reachable, settings.host, mode, settings.ssl_root_cert, settings.connect_timeout or 30)
    details = observed.describe()
    if not observed.offered:
        return details, "the server offers no TLS; this connection will not be encrypted"
    if mode is SslMode.ALLOW:
        return details, "sslMode 1 (Allow) tries a plain connection first and encrypts only if the server insists"
    return details, ""


def _token(walk: _Walk) -> tuple[dict[str, Any], str]:
    settings = _require_settings(walk)
    if settings.entra is None:
        walk.password = settings.password
        return {}, "skipped: BasicAuth sends the stored password"
    from pgfactory.identity.credentials import describe

    details: dict[str, Any] = dict(describe(settings.entra))
    walk.password = connection_password(settings)
    return details, ""


def _authenticate(walk: _Walk) -> tuple[dict[str, Any], str]:
    settings = _require_settings(walk)
    try:
        walk.connection = psycopg.connect(autocommit=True, **settings.libpq_params(walk.password))
    except psycopg.Error as error:
        raise translate_connection_error(error) from None
    row = walk.connection.execute(
        "SELECT current_user, session_user, ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    ).fetchone()
    assert row is not None
    details: dict[str, Any] = {"role": row[0], "encrypted": row[2]}
    if row[2]:
        details["tlsVersion"] = row[3]
    return details, ""


def _database(walk: _Walk) -> tuple[dict[str, Any], str]:
    assert walk.connection is not None
    row = walk.connection.execute(
        "SELECT current_database(), current_setting('server_version'), pg_encoding_to_char(encoding),"
        " current_setting('TimeZone'), current_setting('search_path')"
        " FROM pg_database WHERE datname = current_database()"
    ).fetchone()
    assert row is not None
    return {"database": row[0], "serverVersion": row[1], "encoding": row[2], "timezone": row[3],
            "searchPath": row[4]}, ""


def _permissions(walk: _Walk) -> tuple[dict[str, Any], str]:
    connection = walk.connection
    assert connection is not None
    rows = connection.execute(
        "SELECT nspname, has_schema_privilege(oid, 'CREATE') FROM pg_namespace"
        " WHERE has_schema_privilege(oid, 'USAGE') AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        " ORDER BY nspname"
    ).fetchall()
    can_create_temp = True
    try:
        with connection.transaction(force_rollback=True):
            connection.execute("CREATE TEMP TABLE pgfactory_permission_probe (id int)")
    except psycopg.errors.InsufficientPrivilege:
        can_create_temp = False
    details = {
        "schemasWithUsage": [name for name, _ in rows],
        "schemasWithCreate": [name for name, can_create in rows if can_create],
        "canCreateTempTable": can_create_temp,
    }
    note = "" if rows else "the role has USAGE on no user schema: it will not see any table"
    return details, note


def test_linked_service(
    name: str | None = None,
    *,
    factory_dir: Path | str | None = None,
    definition: Path | str | None = None,
    parameters: dict[str, Any] | None = None,
) -> ConnectionTestReport:
    """Test a linked service from a factory folder by ``name``, or an unsaved ``definition`` file.

    The folder still supplies what the definition refers to (credentials, the factory's name).
    Problems that make the definition unreadable come back as a failed ``resolve`` stage.
    """
    factory = Factory()
    problems: list[Problem] = []
    if factory_dir is not None and Path(factory_dir).is_dir():
        factory, problems = load_factory(factory_dir)
    try:
        if definition is not None:
            resource = _read_definition(Path(definition))
        else:
            if name is None:
                raise DefinitionError("name a linked service or give --definition FILE")
            own = [problem for problem in problems if problem.resource == name and problem.severity == "error"]
            if own:
                raise DefinitionError("; ".join(str(problem) for problem in own),
                                      code="UserErrorInvalidDefinition")
            resource = factory.linked_service(name)
    except DefinitionError as error:
        failed = StageResult("resolve", StageStatus.FAILED, 0.0, {}, error.message, _hint_for("resolve", error),
                             error.code)
        skipped = [StageResult(stage, StageStatus.SKIPPED, message="an earlier stage failed") for stage in STAGES[1:]]
        return ConnectionTestReport(name or str(definition), [failed, *skipped])
    return test_connection(resource, factory=factory, parameters=parameters)


def _read_definition(path: Path) -> LinkedServiceResource:
    model = read_resource_file(ResourceKind.LINKED_SERVICE, path)
    assert isinstance(model, LinkedServiceResource)
    return model
