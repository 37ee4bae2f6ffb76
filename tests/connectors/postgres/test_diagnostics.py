"""The staged connection test against real servers: each stage passes or fails on its own."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgfactory.connectors.postgres import diagnostics
from pgfactory.connectors.postgres.diagnostics import STAGES, ConnectionTestReport, StageStatus
from pgfactory.models.linked_service import LinkedServiceResource
from tests.fixtures.linked_services import azure_postgresql, basic_auth
from tests.fixtures.postgres import RunningServer

PASSWORD = "diagnostics-password-1"


@pytest.fixture
def role(pg_tls: RunningServer) -> str:
    pg_tls.create_role("diag_user", PASSWORD)
    return "diag_user"


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A port whose listen queue is full: connection attempts hang, as behind a dropping firewall."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    try:
        yield port
    finally:
        filler.close()
        listener.close()


def _statuses(report: ConnectionTestReport) -> dict[str, str]:
    return {stage.name: stage.status.value for stage in report.stages}


def _stage(report: ConnectionTestReport, name: str) -> dict[str, object]:
    return next(stage.to_dict() for stage in report.stages if stage.name == name)


def test_every_stage_passes_for_a_good_definition(pg_tls: RunningServer, role: str) -> None:
    report = diagnostics.test_connection(basic_auth("localhost", pg_tls.port, role, PASSWORD, ssl_mode=3))
    assert report.succeeded
    assert [stage.name for stage in report.stages] == list(STAGES)
    assert _statuses(report)["token"] == "skipped"  # BasicAuth needs no token
    tls = _stage(report, "tls")["details"]
    assert isinstance(tls, dict)
    assert tls["protocol"] in {"TLSv1.2", "TLSv1.3"}
    assert "pgfactory test CA" in str(tls["issuer"])
    assert tls["hostnameMatches"] is True
    assert tls["daysLeft"] is not None
    assert _stage(report, "authentication")["details"] == {"role": role, "encrypted": True,
                                                           "tlsVersion": tls["protocol"]}
    permissions = _stage(report, "permissions")["details"]
    assert isinstance(permissions, dict)
    assert "public" in permissions["schemasWithUsage"]
    assert permissions["canCreateTempTable"] is True


def test_a_wrong_password_fails_the_authentication_stage(pg_tls: RunningServer, role: str) -> None:
    report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_tls.port, role, "not-the-password"))
    assert not report.succeeded
    assert _statuses(report) == {
        "resolve": "passed", "dns": "passed", "tcp": "passed", "tls": "passed", "token": "skipped",
        "authentication": "failed", "database": "skipped", "permissions": "skipped",
    }
    failed = report.failed_stage
    assert failed is not None
    assert failed.sqlstate == "28P01"
    assert f'password authentication failed for user "{role}"' in failed.message
    assert "not-the-password" not in json.dumps(report.to_dict())


def test_an_unknown_database_fails_the_database_stage_after_authentication(pg_tls: RunningServer, role: str) -> None:
    report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_tls.port, role, PASSWORD, database="no_such_db"))
    assert _statuses(report)["authentication"] == "passed"
    failed = report.failed_stage
    assert failed is not None and failed.name == "database"
    assert failed.sqlstate == "3D000"
    assert "no_such_db" in failed.message


def test_a_role_without_usage_is_summarised(pg_tls: RunningServer) -> None:
    pg_tls.create_role("diag_limited", PASSWORD)
    pg_tls.execute("CREATE SCHEMA IF NOT EXISTS diag_private")
    pg_tls.execute("REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC")
    try:
        report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_tls.port, "diag_limited", PASSWORD))
    finally:
        pg_tls.execute("GRANT TEMPORARY ON DATABASE postgres TO PUBLIC")
    details = _stage(report, "permissions")["details"]
    assert isinstance(details, dict)
    assert "diag_private" not in details["schemasWithUsage"]
    assert details["canCreateTempTable"] is False


def test_nothing_listening_fails_the_tcp_stage(pg_tls: RunningServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    report = diagnostics.test_connection(basic_auth("127.0.0.1", free_port, "anyone", "x"))
    failed = report.failed_stage
    assert failed is not None and failed.name == "tcp"
    assert failed.error_code == "UserErrorPostgreSqlConnectionRefused"
    assert "port" in failed.hint


def test_an_unanswered_port_times_out_within_the_connection_timeout(unresponsive_port: int) -> None:
    report = diagnostics.test_connection(basic_auth("127.0.0.1", unresponsive_port, "anyone", "x", connectionTimeout=1))
    failed = report.failed_stage
    assert failed is not None and failed.name == "tcp"
    assert failed.error_code == "UserErrorPostgreSqlConnectionTimeout"
    assert failed.elapsed_ms < 5000
    assert "within connectionTimeout" in failed.message


def test_an_invalid_host_name_fails_the_dns_stage_without_any_lookup() -> None:
    # A label over 63 characters is rejected before any resolver is asked.
    report = diagnostics.test_connection(basic_auth("x" * 64 + ".example", 5432, "anyone", "x"))
    failed = report.failed_stage
    assert failed is not None and failed.name == "dns"
    assert failed.error_code == "UserErrorPostgreSqlHostNotFound"


def test_require_against_a_server_without_tls_fails_the_tls_stage(pg_plain: RunningServer) -> None:
    pg_plain.create_role("diag_plain", PASSWORD)
    report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_plain.port, "diag_plain", PASSWORD, ssl_mode=3))
    failed = report.failed_stage
    assert failed is not None and failed.name == "tls"
    assert "does not offer TLS" in failed.message


def test_prefer_against_a_server_without_tls_passes_and_says_so(pg_plain: RunningServer) -> None:
    pg_plain.create_role("diag_plain", PASSWORD)
    report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_plain.port, "diag_plain", PASSWORD, ssl_mode=2))
    assert report.succeeded
    assert "not be encrypted" in str(_stage(report, "tls")["message"])


def test_verify_full_mismatch_is_reported_by_the_tls_stage(
    pg_tls: RunningServer, test_ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(test_ca_file))
    report = diagnostics.test_connection(basic_auth("127.0.0.1", pg_tls.port, "u", "p", ssl_mode=5))
    failed = report.failed_stage
    assert failed is not None and failed.name == "tls"
    assert failed.error_code == "UserErrorPostgreSqlCertificateNameMismatch"
    assert "127.0.0.1" in failed.message


def test_verify_ca_with_an_unknown_ca_is_reported_by_the_tls_stage(
    pg_tls: RunningServer, other_ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(other_ca_file))
    report = diagnostics.test_connection(basic_auth("localhost", pg_tls.port, "u", "p", ssl_mode=4))
    failed = report.failed_stage
    assert failed is not None and failed.name == "tls"
    assert failed.error_code == "UserErrorPostgreSqlCertificateUntrusted"
    assert "PGSSLROOTCERT" in failed.hint


def test_missing_required_properties_fail_the_resolve_stage() -> None:
    resource = azure_postgresql(server="h", database="d", authenticationType="ServicePrincipal",
                                username="sp", servicePrincipalCredentialType="ServicePrincipalKey")
    report = diagnostics.test_connection(resource)
    failed = report.failed_stage
    assert failed is not None and failed.name == "resolve"
    assert "servicePrincipalKey" in failed.message or "tenant" in failed.message
    assert all(stage.status is StageStatus.SKIPPED for stage in report.stages[1:])


def test_an_unknown_authentication_type_names_the_property() -> None:
    report = diagnostics.test_connection(azure_postgresql(server="h", database="d", authenticationType="Kerberos"))
    failed = report.failed_stage
    assert failed is not None and failed.name == "resolve"
    assert "authenticationType" in failed.message
    assert "Kerberos" in failed.message


def test_linked_service_parameters_are_evaluated(pg_tls: RunningServer, role: str) -> None:
    definition = basic_auth("127.0.0.1", pg_tls.port, role, PASSWORD, database="@linkedService().db").to_json()
    definition["properties"]["parameters"] = {"db": {"type": "String", "defaultValue": "template1"}}
    resource = LinkedServiceResource.model_validate(definition)
    assert _stage(diagnostics.test_connection(resource), "database")["details"]["database"] == "template1"  # type: ignore[index]
    given = diagnostics.test_connection(resource, parameters={"db": "postgres"})
    assert _stage(given, "database")["details"]["database"] == "postgres"  # type: ignore[index]


def test_a_malformed_definition_file_is_reported_with_its_position(tmp_path: Path) -> None:
    definition = tmp_path / "ls.json"
    definition.write_text('{"name": "x", "properties": {"type": "AzurePostgreSql",,}}')
    report = diagnostics.test_linked_service(definition=definition)
    failed = report.failed_stage
    assert failed is not None and failed.name == "resolve"
    assert "line 1 column" in failed.message
    assert str(definition) in failed.message


def test_a_name_missing_from_the_factory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "linkedService").mkdir()
    report = diagnostics.test_linked_service("Nope", factory_dir=tmp_path)
    failed = report.failed_stage
    assert failed is not None and failed.error_code == "UserErrorLinkedServiceNotFound"
