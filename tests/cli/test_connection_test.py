"""``pgfactory test-connection`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from pgfactory.models.factory import ResourceKind, write_resource
from tests.cli.invoke import pgfactory
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer

PASSWORD = "cli-password-1"


def _factory(tmp_path: Path, server: RunningServer, password: str) -> Path:
    server.create_role("cli_user", PASSWORD)
    write_resource(tmp_path, ResourceKind.LINKED_SERVICE,
                   basic_auth("127.0.0.1", server.port, "cli_user", password).model_copy(update={"name": "Pg"}))
    return tmp_path


def test_a_passing_connection_exits_zero_and_prints_each_stage(tmp_path: Path, pg_tls: RunningServer) -> None:
    result = pgfactory("test-connection", "Pg", "--factory", str(_factory(tmp_path, pg_tls, PASSWORD)))
    assert result.returncode == 0, result.stdout + result.stderr
    for stage in ("resolve", "dns", "tcp", "tls", "token", "authentication", "database", "permissions"):
        assert stage in result.stdout
    assert "Connection successful." in result.stdout


def test_a_failing_connection_exits_one_with_cause_and_hint(tmp_path: Path, pg_tls: RunningServer) -> None:
    result = pgfactory("test-connection", "Pg", "--factory", str(_factory(tmp_path, pg_tls, "wrong-password")))
    assert result.returncode == 1
    assert "Failed at authentication" in result.stdout
    assert "How to fix:" in result.stdout
    assert "wrong-password" not in result.stdout + result.stderr


def test_json_output_is_the_report(tmp_path: Path, pg_tls: RunningServer) -> None:
    result = pgfactory("test-connection", "Pg", "--json", cwd=_factory(tmp_path, pg_tls, "wrong-password"))
    report = json.loads(result.stdout)
    assert report["succeeded"] is False
    assert report["errorCode"] == "UserErrorPostgreSqlAuthenticationFailed"
    assert [stage["status"] for stage in report["stages"]][:6] == [
        "passed", "passed", "passed", "passed", "skipped", "failed"]


def test_an_unsaved_definition_can_be_tested(tmp_path: Path, pg_tls: RunningServer) -> None:
    pg_tls.create_role("cli_user", PASSWORD)
    definition = tmp_path / "draft.json"
    definition.write_text(json.dumps(basic_auth("127.0.0.1", pg_tls.port, "cli_user", PASSWORD).to_json()))
    result = pgfactory("test-connection", "--definition", str(definition), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["succeeded"] is True
