"""``pgfactory run`` as a user runs it: exit codes, parameters, JSON output, history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.invoke import pgfactory


def write_pipeline(root: Path, name: str, activities: list[dict[str, Any]], **properties: Any) -> None:
    folder = root / "pipeline"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"name": name, "properties": {"activities": activities, **properties}}))


@pytest.fixture
def factory(tmp_path: Path) -> Path:
    root = tmp_path / "factory"
    write_pipeline(root, "Greet", [
        {"name": "Check", "type": "IfCondition", "typeProperties": {
            "expression": {"value": "@pipeline().parameters.fail", "type": "Expression"},
            "ifTrueActivities": [{"name": "Stop", "type": "Fail", "typeProperties": {
                "message": "@concat('no greeting for ', pipeline().parameters.who)", "errorCode": "E1"}}]}},
        {"name": "Return", "type": "SetVariable", "dependsOn": [{"activity": "Check", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"variableName": "pipelineReturnValue", "setSystemVariable": True, "value": [
             {"key": "greeting", "value": {"type": "Expression", "content": "@concat('hello ', pipeline().parameters.who)"}},
             {"key": "times", "value": {"type": "Expression", "content": "@pipeline().parameters.times"}}]}},
    ], parameters={"who": {"type": "String"}, "fail": {"type": "Bool", "defaultValue": False},
                   "times": {"type": "Int", "defaultValue": 1}})
    return root


def test_a_succeeding_run_exits_zero_and_prints_the_tree(factory: Path, tmp_path: Path) -> None:
    result = pgfactory("run", "Greet", "-f", str(factory), "-p", "who=world", "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Check (IfCondition)" in result.stdout and "Return (SetVariable)" in result.stdout
    assert "Greet: Succeeded" in result.stdout
    assert '"greeting": "hello world"' in result.stdout


def test_a_failing_run_exits_one_with_the_message(factory: Path, tmp_path: Path) -> None:
    result = pgfactory("run", "Greet", "-f", str(factory), "-p", "who=bob", "-p", "fail=true",
                       "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 1
    assert "Operation on target Check failed: Activity failed because an inner activity failed; " \
           "Inner activity name: Stop, Error: no greeting for bob" in result.stdout


def test_json_output_has_the_run_its_activities_and_typed_parameters(factory: Path, tmp_path: Path) -> None:
    result = pgfactory("run", "Greet", "-f", str(factory), "-p", "who=x", "-p", "times=3", "--json",
                       "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["run"]["status"] == "Succeeded" and output["run"]["parameters"]["times"] == "3"
    assert output["returnValue"] == {"greeting": "hello x", "times": 3}
    assert [a["activityName"] for a in output["activityRuns"]] == ["Check", "Return"]

    listed = json.loads(pgfactory("runs", "list", "--json", "--state-dir", str(tmp_path / "state")).stdout)
    assert [run["runId"] for run in listed["value"]] == [output["run"]["runId"]]


def test_bad_parameters_are_refused_before_any_run(factory: Path, tmp_path: Path) -> None:
    result = pgfactory("run", "Greet", "-f", str(factory), "-p", "who=x", "-p", "times=many",
                       "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 2
    assert "'many' is not a valid Int" in result.stderr
    assert "properties.parameters.times" in result.stderr
    assert json.loads(pgfactory("runs", "list", "--json", "--state-dir", str(tmp_path / "state")).stdout)["value"] == []


def test_an_invalid_factory_is_refused_with_its_problems(factory: Path, tmp_path: Path) -> None:
    write_pipeline(factory, "Broken", [{"name": "S", "type": "SetVariable",
                                        "typeProperties": {"variableName": "v", "value": "@concat('a',"}}],
                   variables={"v": {"type": "String"}})
    result = pgfactory("run", "Greet", "-f", str(factory), "-p", "who=x", "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 2
    assert "pipeline/Broken.json: Broken: properties.activities[0].typeProperties.value" in result.stderr
    assert "nothing was run" in result.stderr


def test_an_unknown_pipeline(factory: Path, tmp_path: Path) -> None:
    result = pgfactory("run", "Nope", "-f", str(factory), "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 2 and "there is no pipeline 'Nope'; the factory has: Greet" in result.stderr


def test_secure_string_parameters_never_reach_the_terminal(tmp_path: Path) -> None:
    root = tmp_path / "factory"
    write_pipeline(root, "Leaky", [{"name": "Stop", "type": "Fail", "typeProperties": {
        "message": "@concat('token was ', pipeline().parameters.token)", "errorCode": "E1"}}],
        parameters={"token": {"type": "SecureString"}})
    for extra in ((), ("--json",)):
        result = pgfactory("run", "Leaky", "-f", str(root), "-p", "token=s3cr3t-value", *extra,
                           "--state-dir", str(tmp_path / "state"))
        assert result.returncode == 1
        assert "s3cr3t-value" not in result.stdout + result.stderr
        assert "token was **********" in result.stdout
