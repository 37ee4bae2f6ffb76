"""``pgfactory test-connection`` and ``pgfactory demo`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pgfactory.models.factory import ResourceKind, write_resource
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer

PASSWORD = "cli-password-1"


def pgfactory(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from pgfactory.cli.main import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(cwd or Path.cwd())})


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


def test_the_demo_starts_a_server_and_passes_its_connection_test(tmp_path: Path) -> None:
    result = pgfactory("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection successful." in result.stdout
    written = json.loads((tmp_path / "demo" / "linkedService" / "DemoPostgreSql.json").read_text())
    assert written["properties"]["version"] == "2.0"
    assert written["properties"]["typeProperties"]["sslMode"] == 3
