from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pgfactory.cli import main
from pgfactory.store import ActivityRunRecord, PipelineRunRecord, RunStore
from tests.cli.invoke import pgfactory
from tests.store.samples import T0, full_activity_run, full_pipeline_run

FAILED_RUN = "11111111-1111-1111-1111-111111111111"
CHILD_RUN = "22222222-2222-2222-2222-222222222222"


def cli() -> typer.Typer:
    if not main.app.registered_commands:  # register once per test session, as main() does
        main._register_commands()
    return main.app


def activity_runs() -> list[ActivityRunRecord]:
    foreach = full_activity_run(FAILED_RUN, "foreach-run", activity_name="EachTable", activity_type="ForEach",
                                parent_activity_run_id=None, retry_attempt=None,
                                input={"items": list(range(200))}, output=None,
                                error={"errorCode": "ActivityFailed", "message": "inner activity failed",
                                       "failureType": "UserError", "target": "EachTable"})
    succeeded = full_activity_run(FAILED_RUN, "script-ok", activity_name="CopyOk", status="Succeeded", error=None,
                                  parent_activity_run_id="foreach-run", retry_attempt=None,
                                  activity_run_start=T0 + timedelta(seconds=2), input={"text": "SELECT 1"},
                                  output={"recordsAffected": 42})
    failed = full_activity_run(FAILED_RUN, "script-failed", activity_name="CopyBroken", parent_activity_run_id="foreach-run",
                               activity_run_start=T0 + timedelta(seconds=3), output=None)
    return [foreach, succeeded, failed]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    with RunStore.open(tmp_path) as store:
        store.create_pipeline_run(full_pipeline_run(FAILED_RUN))
        child = PipelineRunRecord(run_id=CHILD_RUN, pipeline_name="Child", status="Succeeded",
                                  run_start=T0 + timedelta(minutes=5))
        child.finish("Succeeded", at=T0 + timedelta(minutes=5, seconds=1))
        store.create_pipeline_run(child)
        for record in activity_runs():
            store.upsert_activity_run(record)
    return tmp_path


def test_list_shows_runs_newest_first(state: Path) -> None:
    result = pgfactory("runs", "list", "--state-dir", str(state))
    assert result.returncode == 0, result.stderr
    header, _rule, newest, oldest = result.stdout.splitlines()
    assert header.split() == ["run", "id", "pipeline", "status", "start", "(UTC)", "duration", "message"]
    assert newest.split()[:2] == [CHILD_RUN, "Child"] and "Succeeded" in newest and "2024-05-01 12:05:00" in newest
    assert oldest.split()[:2] == [FAILED_RUN, "LoadSales"] and "Failed" in oldest
    assert "2024-05-01 12:00:00" in oldest and oldest.endswith("Operation on target Each failed: boom")


def test_list_filters_by_pipeline_and_status_and_limits(state: Path) -> None:
    def listed(*options: str) -> list[str]:
        # In process: this checks that the options reach the store; the store tests check the filtering.
        result = CliRunner().invoke(cli(), ["runs", "list", "--state-dir", str(state), "--json", *options])
        assert result.exit_code == 0, result.output
        return [run["runId"] for run in json.loads(result.stdout)["value"]]

    assert listed("--pipeline", "LoadSales") == [FAILED_RUN]
    assert listed("--status", "succeeded") == [CHILD_RUN]
    assert listed("--limit", "1") == [CHILD_RUN]


def test_list_json_is_adf_query_answer(state: Path) -> None:
    result = pgfactory("runs", "list", "--json", "--state-dir", str(state))
    with RunStore.open(state) as store:
        expected = [run.to_adf() for run in store.list_pipeline_runs()]
    assert json.loads(result.stdout) == {"value": expected}
    assert expected[1]["runEnd"] == "2024-05-01T12:00:08.1234570Z"


def test_a_narrow_terminal_keeps_run_ids_whole(state: Path) -> None:
    lines = pgfactory("runs", "list", "--state-dir", str(state), columns=80).stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert [line.strip() for line in lines if line.strip() in (FAILED_RUN, CHILD_RUN)] == [CHILD_RUN, FAILED_RUN]


def test_an_empty_history_says_so(tmp_path: Path) -> None:
    result = pgfactory("runs", "list", "--state-dir", str(tmp_path / "new"))
    assert result.returncode == 0
    assert result.stdout.strip() == f"No pipeline runs in {tmp_path / 'new'}."


def test_show_prints_the_runs_fields(state: Path) -> None:
    result = pgfactory("runs", "show", FAILED_RUN, "--state-dir", str(state))
    assert result.returncode == 0, result.stderr
    fields = {line[:14].strip(): line[14:].strip() for line in result.stdout.splitlines()}
    assert fields["Run ID"] == FAILED_RUN
    assert fields["Status"].endswith("Failed")
    assert fields["Invoked by"] == "RunChild (PipelineActivity) from pipeline Parent, run parent-run-1"
    assert fields["Start"] == "2024-05-01 12:00:00.123 UTC"
    assert fields["Parameters"] == '{"day": "2024-05-01", "ids": [1, 2], "full": true, "note": "é ✓"}'
    assert fields["Message"] == "Operation on target Each failed: boom"
    assert "Activity runs" not in result.stdout


def test_show_activities_nests_them_under_their_container(state: Path) -> None:
    result = pgfactory("runs", "show", FAILED_RUN, "--activities", "--state-dir", str(state))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Activity runs (3)")
    tree = lines[start + 1:]
    assert tree[0].startswith("└── EachTable (ForEach)") and "Failed" in tree[0]
    # The ForEach's input is long: indented JSON cut to a few lines.
    assert tree[1] == "    ├── input: {"
    assert any(line.endswith("more lines (--json shows all)") for line in tree[:13])
    inner = [line for line in tree if "(Script)" in line]
    assert [line.split("── ")[1].split()[0] for line in inner] == ["CopyOk", "CopyBroken"]
    assert all(line.startswith("    ├── ") or line.startswith("    └── ") for line in inner)
    assert '    │   ├── input: {"text": "SELECT 1"}' in tree
    assert '    │   └── output: {"recordsAffected": 42}' in tree
    assert any("error:" in line and "relation \\\"s\\\" does not exist" in line for line in tree)
    assert "retry 2" in inner[1]


def test_show_json_gives_everything(state: Path) -> None:
    result = pgfactory("runs", "show", FAILED_RUN, "--activities", "--json", "--state-dir", str(state))
    shape = json.loads(result.stdout)
    assert shape == {**full_pipeline_run(FAILED_RUN).to_adf(),
                     "activityRuns": [record.to_adf() for record in activity_runs()]}
    assert len(shape["activityRuns"][0]["input"]["items"]) == 200


def test_an_unknown_run_id_fails_clearly(state: Path) -> None:
    result = pgfactory("runs", "show", "no-such-run", "--state-dir", str(state))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: no pipeline run with id 'no-such-run' in {state}"
