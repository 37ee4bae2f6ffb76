from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pgfactory.cli import main
from pgfactory.models.secrets import MASK

PASSWORD = "Pa55;w0rd-clear"
LEGACY: dict[str, Any] = {
    "name": "LegacyPg",
    "properties": {
        "annotations": [],
        "type": "AzurePostgreSql",
        "parameters": {"token": {"type": "SecureString", "defaultValue": "p4ram-secret"}},
        "typeProperties": {"connectionString": {
            "type": "SecureString",
            "value": f"Server=pg.example.com;Database=sales;Port=5432;UID=loader;Password='{PASSWORD}';"
                     "EncryptionMethod=1;ValidateServerCertificate=1;Application Name=nightly"}},
    },
}


def cli() -> typer.Typer:
    if not main.app.registered_commands:  # register once per test session, as main() does
        main._register_commands()
    return main.app


@pytest.fixture
def legacy_file(tmp_path: Path) -> Path:
    path = tmp_path / "linkedService" / "LegacyPg.json"
    path.parent.mkdir()
    path.write_text(json.dumps(LEGACY, indent=4))
    return path


def test_prints_version_2_json_with_secrets_masked(legacy_file: Path) -> None:
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert result.stdout.rstrip("\n") == json.dumps(document, indent=4, ensure_ascii=False)
    assert document["properties"]["version"] == "2.0"
    props = document["properties"]["typeProperties"]
    assert props == {
        "server": "pg.example.com", "port": 5432, "database": "sales", "sslMode": 5,
        "authenticationType": "BasicAuth", "username": "loader",
        "password": {"type": "SecureString", "value": MASK},
    }
    assert document["properties"]["parameters"]["token"]["defaultValue"] == MASK
    for secret in (PASSWORD, "p4ram-secret"):
        assert secret not in result.output


def test_notes_go_to_stderr(legacy_file: Path) -> None:
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file)])
    notes = result.stderr.splitlines()
    assert "note: not carried over: Application Name" in notes
    assert "note: EncryptionMethod=1, ValidateServerCertificate=1 became sslMode 5 (VerifyFull)" in notes
    assert "nightly" not in result.stderr


def test_write_rewrites_the_file_with_the_real_secret(legacy_file: Path) -> None:
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file), "--write"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {legacy_file}" in result.stderr
    assert PASSWORD not in result.output
    text = legacy_file.read_text()
    written = json.loads(text)
    assert text == json.dumps(written, indent=4, ensure_ascii=False)
    assert written["properties"]["typeProperties"]["password"] == {"type": "SecureString", "value": PASSWORD}
    assert written["properties"]["parameters"]["token"]["defaultValue"] == "p4ram-secret"
    # The rewritten folder now validates without the legacy warning.
    validated = CliRunner().invoke(cli(), ["validate", "--factory", str(legacy_file.parent.parent)])
    assert validated.exit_code == 0
    assert validated.stdout.strip() == "1 resource, 0 errors, 0 warnings"


def test_output_writes_elsewhere_and_leaves_the_file_alone(legacy_file: Path, tmp_path: Path) -> None:
    before = legacy_file.read_text()
    target = tmp_path / "upgraded.json"
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert legacy_file.read_text() == before
    assert json.loads(target.read_text())["properties"]["typeProperties"]["password"]["value"] == PASSWORD


def test_write_and_output_together_are_refused(legacy_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli(), ["upgrade-linked-service", str(legacy_file), "--write", "--output", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.json").exists()


def test_key_vault_connection_string_fails_with_the_reason(legacy_file: Path) -> None:
    document = json.loads(json.dumps(LEGACY))
    document["properties"]["typeProperties"]["connectionString"] = {
        "type": "AzureKeyVaultSecret", "secretName": "pg-connection",
        "store": {"referenceName": "Vault", "type": "LinkedServiceReference"}}
    legacy_file.write_text(json.dumps(document))
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"error: {legacy_file}: LegacyPg: properties.typeProperties.connectionString: the connection string is "
        "Azure Key Vault secret 'pg-connection'")


def test_already_version_2_fails(legacy_file: Path) -> None:
    legacy_file.write_text(json.dumps({"name": "LegacyPg", "properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {"server": "h", "database": "d"}}}))
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file), "--write"])
    assert result.exit_code == 1
    assert "already version 2.0" in result.stderr


def test_malformed_file_fails_with_its_position(legacy_file: Path) -> None:
    legacy_file.write_text(f'{{"name": "LegacyPg", "properties": {{"password": "{PASSWORD}",}}}}')
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(legacy_file)])
    assert result.exit_code == 1
    assert f"{legacy_file}: LegacyPg: malformed JSON at line 1 column" in result.stderr
    assert PASSWORD not in result.output


def test_missing_file_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["upgrade-linked-service", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "cannot read file" in result.stderr
