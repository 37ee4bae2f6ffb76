"""Every example factory validates as shipped, and runs from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pgfactory.demo import TEMPLATE, write_demo_factory
from pgfactory.models.factory import ResourceKind
from tests.cli.invoke import pgfactory
from tests.examples.example_factories import EXAMPLES, copy_example, load_valid
from tests.fixtures.postgres import RunningServer


def test_every_example_has_a_readme_paragraph() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    examples = sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir())
    assert examples == ["error-handling", "incremental-load"]
    for name in examples:
        assert f"examples/{name}" in readme


@pytest.mark.parametrize(("name", "pipelines"), [
    ("error-handling", ["CountAndReport", "CountUp", "DoIfElse", "DoIfSkipElse", "GenericErrorHandling", "TryCatch",
                        "TryCatchProceed"]),
    ("incremental-load", ["ChangeSourceData", "LoadTable", "LoadWarehouse", "SetupWarehouse"]),
])
def test_an_example_validates_as_shipped(name: str, pipelines: list[str]) -> None:
    factory = load_valid(EXAMPLES / name)  # the linked service's placeholders are a valid definition
    assert sorted(factory.resources[ResourceKind.PIPELINE]) == pipelines


def test_the_demo_factory_validates_once_its_linked_service_is_written(pg_plain: RunningServer, tmp_path: Path) -> None:
    shutil.copytree(TEMPLATE, tmp_path, dirs_exist_ok=True)
    write_demo_factory(tmp_path, pg_plain.server, "not-used-by-validation")
    assert list(load_valid(tmp_path).resources[ResourceKind.PIPELINE]) == ["DemoPipeline"]


def test_the_command_line_runs_a_pattern_and_its_exit_code_says_how_it_ended(tmp_path: Path) -> None:
    folder = copy_example("error-handling", tmp_path)
    state = tmp_path / "state"
    common = ("-f", str(folder), "--json", "--state-dir", str(state))

    succeeded = pgfactory("run", "DoIfElse", "-p", "workFails=false", *common)
    assert succeeded.returncode == 0, succeeded.stderr
    assert json.loads(succeeded.stdout)["run"]["status"] == "Succeeded"

    failed = pgfactory("run", "DoIfElse", "-p", "workFails=true", *common)
    assert failed.returncode == 1, failed.stderr
    answer = json.loads(failed.stdout)
    assert answer["run"]["status"] == "Failed"
    assert answer["run"]["message"].startswith("Operation on target Work failed: ")

    shown = pgfactory("runs", "show", answer["run"]["runId"], "--activities", "--json", "--state-dir", str(state))
    assert shown.returncode == 0, shown.stderr
    activity_runs = {run["activityName"]: run for run in json.loads(shown.stdout)["activityRuns"]}
    assert {name: run["status"] for name, run in activity_runs.items()} == {
        "Work": "Failed", "WorkFails": "Failed", "UponSuccess": "Skipped", "UponFailure": "Succeeded"}
    assert activity_runs["WorkFails"]["parentActivityRunId"] == activity_runs["Work"]["activityRunId"]
    assert activity_runs["WorkFails"]["error"]["errorCode"] == "WorkFailed"
    assert [run["activityName"] for run in answer["activityRuns"]] == list(activity_runs)  # run --json lists the same
