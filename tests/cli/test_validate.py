from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pgfactory.cli import main

PASSWORD = {"type": "SecureString", "value": "n0t-in-output"}


def cli() -> typer.Typer:
    if not main.app.registered_commands:  # register once per test session, as main() does
        main._register_commands()
    return main.app


def write(root: Path, folder: str, document: dict[str, Any]) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / f"{document['name']}.json").write_text(json.dumps(document, indent=4))


def postgres(name: str, version: str | None = "2.0", **type_properties: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": "AzurePostgreSql", "typeProperties": type_properties}
    if version:
        properties["version"] = version
    return {"name": name, "properties": properties}


@pytest.fixture
def factory(tmp_path: Path) -> Path:
    write(tmp_path, "linkedService", postgres("Sales", server="pg", database="d", username="u", password=PASSWORD))
    write(tmp_path, "dataset", {"name": "Orders", "properties": {
        "type": "AzurePostgreSqlTable",
        "linkedServiceName": {"referenceName": "Sales", "type": "LinkedServiceReference"}}})
    return tmp_path


def test_a_clean_factory_passes(factory: Path) -> None:
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(factory)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["2 resources, 0 errors, 0 warnings"]


def test_the_current_folder_is_the_default(factory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(factory)
    result = CliRunner().invoke(cli(), ["validate"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "2 resources, 0 errors, 0 warnings"


def test_warnings_alone_pass(factory: Path) -> None:
    write(factory, "linkedService", postgres("Legacy", version=None, connectionString="host=h;password=n0t-in-output"))
    result = CliRunner().invoke(cli(), ["validate", "-f", str(factory)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "linkedService/Legacy.json: Legacy: properties.version: warning: version 1.0 is legacy; run "
        f"'pgfactory upgrade-linked-service {factory / 'linkedService' / 'Legacy.json'}' to convert it to 2.0",
        "3 resources, 0 errors, 1 warning",
    ]


def test_errors_fail_with_one_line_each(factory: Path) -> None:
    write(factory, "dataset", {"name": "Customers", "properties": {
        "type": "AzurePostgreSqlTable",
        "linkedServiceName": {"referenceName": "a-linked-service-name-long-enough-to-need-wrapping-on-a-terminal-"
                                               "of-eighty-columns", "type": "LinkedServiceReference"}}})
    (factory / "pipeline").mkdir()
    (factory / "pipeline" / "Broken.json").write_text('{"name": "Broken",\n "properties": [}')
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(factory)])
    assert result.exit_code == 1
    output = result.stdout.splitlines()
    assert output[0].startswith("pipeline/Broken.json: Broken: -: malformed JSON at line 2 column 17")
    assert output[1] == (
        "dataset/Customers.json: Customers: properties.linkedServiceName.referenceName: linked service "
        "'a-linked-service-name-long-enough-to-need-wrapping-on-a-terminal-of-eighty-columns' is not defined; "
        "add linkedService/a-linked-service-name-long-enough-to-need-wrapping-on-a-terminal-of-eighty-columns.json")
    assert output[2] == "3 resources, 2 errors, 0 warnings"


def test_json_output(factory: Path) -> None:
    write(factory, "linkedService", postgres("Bad", server="pg", port="x", database="d", username="u",
                                             password=PASSWORD))
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(factory), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["resources"], report["errors"], report["warnings"]) == (3, 1, 0)
    assert report["problems"] == [{
        "file": "linkedService/Bad.json", "resource": "Bad", "property": "properties.typeProperties.port",
        "message": "expected a whole number or an expression, got str 'x'", "severity": "error"}]
    assert "n0t-in-output" not in result.output


def test_json_output_of_a_clean_factory(factory: Path) -> None:
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(factory), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["problems"] == []


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_an_empty_folder_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["validate", "--factory", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout.strip() == "0 resources, 0 errors, 0 warnings"
    assert "no resources found" in result.stderr


def test_the_installed_entry_point_runs_validate(factory: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from pgfactory.cli.main import main; main()", "validate", "--factory", str(factory)],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2 resources, 0 errors, 0 warnings"
