from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.cli.invoke import pgfactory
from tests.cli.test_validate import cli


def test_eval_prints_the_value_as_json(tmp_path: Path) -> None:
    context = tmp_path / "context.json"
    context.write_text(json.dumps({
        "parameters": {"table": "orders"}, "RunId": "run-7",
        "activities": {"Lookup": {"output": {"value": [{"id": 1}, {"id": 2}]}}},
    }))
    result = pgfactory("eval", "@createArray(pipeline().parameters.table, pipeline().RunId, "
                       "length(activity('Lookup').output.value))", "--context", str(context))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["orders", "run-7", 2]


def test_an_error_exits_1_and_points_at_the_position() -> None:
    result = pgfactory("eval", "@concat('a', add(1, 'x'))")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: The function 'add' expects its second parameter to be an integer or a decimal number. The provided "
        "value is of type 'String'.",
        "  @concat('a', add(1, 'x'))",
        "               ^",
    ]


def test_a_syntax_error_points_into_the_right_line() -> None:
    result = CliRunner().invoke(cli(), ["eval", "first line\nsecond @{concat('a')"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == ["  second @{concat('a')", "         ^"]
    assert "has no closing '}'" in result.stderr


def test_the_context_can_come_from_standard_input() -> None:
    result = pgfactory("eval", "Hi @{item().name}", "--context", "-", stdin='{"item": {"name": "Ada"}}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "Hi Ada"


def test_a_bad_context_file_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = CliRunner().invoke(cli(), ["eval", "@add(1, 2)", "--context", str(broken)])
    assert result.exit_code == 1
    assert f"the context in {broken} is not valid JSON" in result.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"params": {}}')
    result = CliRunner().invoke(cli(), ["eval", "@add(1, 2)", "-c", str(unknown)])
    assert result.exit_code == 1
    assert "unknown expression context key(s): params" in result.stderr
    result = CliRunner().invoke(cli(), ["eval", "@add(1, 2)", "-c", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "cannot read the context file" in result.stderr


def test_text_without_at_is_a_literal_and_says_so() -> None:
    result = CliRunner().invoke(cli(), ["eval", "add(1, 2)"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == "add(1, 2)"
    assert "no '@'" in result.stderr
