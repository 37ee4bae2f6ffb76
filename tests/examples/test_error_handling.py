"""examples/error-handling: ADF's error-handling patterns and control flow, in both outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pgfactory.models.factory import Factory
from pgfactory.store import RunStore
from tests.examples.example_factories import copy_example, load_valid, only, records, run, top_level_statuses

S, F, SKIP = "Succeeded", "Failed", "Skipped"
@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Factory:
    return load_valid(copy_example("error-handling", tmp_path_factory.mktemp("examples")))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore.open(tmp_path / "state") as opened:
        yield opened


# The tutorial's table ("pipeline failure and error handling"), one row per outcome of the work.
PATTERNS = [
    ("TryCatch", False, S, {"Work": S, "UponFailure": SKIP}),
    ("TryCatch", True, S, {"Work": F, "UponFailure": S}),
    ("DoIfElse", False, S, {"Work": S, "UponSuccess": S, "UponFailure": SKIP}),
    ("DoIfElse", True, F, {"Work": F, "UponSuccess": SKIP, "UponFailure": S}),
    ("DoIfSkipElse", False, S, {"Work": S, "UponSuccess": S, "UponFailure": SKIP, "DummyUponSkip": SKIP}),
    ("DoIfSkipElse", True, S, {"Work": F, "UponSuccess": SKIP, "UponFailure": S, "DummyUponSkip": S}),
    ("TryCatchProceed", False, S, {"FirstActivity": S, "ErrorHandling": SKIP, "NextActivity": S}),
    ("TryCatchProceed", True, S, {"FirstActivity": F, "ErrorHandling": S, "NextActivity": S}),
]


@pytest.mark.parametrize(("pipeline", "work_fails", "status", "activities"), PATTERNS,
                         ids=[f"{p[0]}-{'fails' if p[1] else 'succeeds'}" for p in PATTERNS])
def test_each_pattern_ends_as_the_tutorial_says(factory: Factory, store: RunStore, pipeline: str, work_fails: bool,
                                                 status: str, activities: dict[str, str]) -> None:
    result = run(factory, store, pipeline, workFails=work_fails)
    assert result.run.status == status
    assert store.get_pipeline_run(result.run.run_id).status == status  # type: ignore[union-attr]
    assert top_level_statuses(store, result.run.run_id) == activities  # skipped activities are recorded too


@pytest.mark.parametrize("pipeline", ["TryCatch", "DoIfElse", "DoIfSkipElse"])
def test_the_failure_handler_reads_the_failed_activitys_error(factory: Factory, store: RunStore, pipeline: str) -> None:
    result = run(factory, store, pipeline, workFails=True)
    runs = records(store, result.run.run_id)
    work, fail = runs["Work"][0], runs["WorkFails"][0]
    assert fail.parent_activity_run_id == work.activity_run_id and "DoWork" not in runs
    expected = f"The work of {pipeline} failed in examples"  # the message expression reads the global parameter
    assert fail.error == {"errorCode": "WorkFailed", "message": expected, "failureType": "UserError", "details": [],
                          "target": "WorkFails"}
    assert work.error is not None and work.error["errorCode"] == "ActionFailed"
    assert work.error["message"] == ("Activity failed because an inner activity failed; "
                                     f"Inner activity name: WorkFails, Error: {expected}")
    assert runs["UponFailure"][0].output == {"name": "handledError", "value": work.error["message"]}
    if result.run.status == F:
        assert result.run.message == f"Operation on target Work failed: {work.error['message']}"


def test_succeeding_work_runs_inside_its_if_condition(factory: Factory, store: RunStore) -> None:
    result = run(factory, store, "DoIfSkipElse", workFails=False)
    runs = records(store, result.run.run_id)
    assert runs["DoWork"][0].parent_activity_run_id == runs["Work"][0].activity_run_id
    assert runs["DoWork"][0].output == {"name": "result", "value": "work done"}
    assert "WorkFails" not in runs
    assert runs["DummyUponSkip"][0].output is None and runs["DummyUponSkip"][0].duration_in_ms is not None


@pytest.mark.parametrize(("fail_at", "statuses", "report"), [
    ("nowhere", {"Extract": S, "Transform": S, "Load": S, "HandleError": SKIP}, None),
    ("Extract", {"Extract": F, "Transform": SKIP, "Load": SKIP, "HandleError": S}, "stopped after: nothing"),
    ("Transform", {"Extract": S, "Transform": F, "Load": SKIP, "HandleError": S}, "stopped after: Extract"),
    ("Load", {"Extract": S, "Transform": S, "Load": F, "HandleError": S}, "stopped after: Extract, Transform"),
])
def test_the_generic_handler_runs_after_any_failed_step(factory: Factory, store: RunStore, fail_at: str,
                                                          statuses: dict[str, str], report: str | None) -> None:
    result = run(factory, store, "GenericErrorHandling", failAt=fail_at)
    # The handler is the only leaf: the pipeline succeeds when it handled the failure, and when it
    # was skipped because its parent, the last step, succeeded.
    assert result.run.status == S
    assert top_level_statuses(store, result.run.run_id) == statuses
    handler = only(store, result.run.run_id, "HandleError")
    assert handler.output == (None if report is None else {"name": "failureReport", "value": report})
    if fail_at != "nowhere":
        failed = only(store, result.run.run_id, f"{fail_at}Fails")
        assert failed.error is not None and failed.error["errorCode"] == f"{fail_at.upper()}_FAILED"


def test_until_counts_with_a_temporary_variable_and_returns_the_steps(factory: Factory, store: RunStore) -> None:
    result = run(factory, store, "CountUp", target=3)
    assert result.succeeded
    assert result.return_value == {"count": 3, "steps": [1, 2, 3]}
    runs = records(store, result.run.run_id)
    until = runs["CountToTarget"][0]
    assert [record.output for record in runs["Increment"]] == [{"name": "counter", "value": str(n)} for n in (1, 2, 3)]
    inner = [record for name in ("ComputeNext", "Increment", "RecordStep") for record in runs[name]]
    assert len(inner) == 9 and {record.parent_activity_run_id for record in inner} == {until.activity_run_id}
    assert only(store, result.run.run_id, "ReturnCount").output == {"name": "pipelineReturnValue", "value": result.return_value}


def test_the_child_pipelines_return_value_feeds_the_filter(factory: Factory, store: RunStore) -> None:
    result = run(factory, store, "CountAndReport", target=5, report="even")
    execute = only(store, result.run.run_id, "RunCountUp")
    assert execute.output["pipelineName"] == "CountUp"
    assert execute.output["pipelineReturnValue"] == {"count": 5, "steps": [1, 2, 3, 4, 5]}
    child = store.get_pipeline_run(execute.output["pipelineRunId"])
    assert child is not None and child.status == S and child.parameters == {"target": 5}
    assert (child.invoked_by.invoked_by_type, child.invoked_by.id) == ("PipelineActivity", execute.activity_run_id)
    assert child.invoked_by.pipeline_run_id == result.run.run_id
    assert only(store, result.run.run_id, "KeepEvenSteps").output == {"ItemsCount": 5, "FilteredItemsCount": 2, "Value": [2, 4]}


@pytest.mark.parametrize(("report", "summary"), [("even", "2 of 4 steps are even: 2,4"), ("TOTAL", "counted to 4")])
def test_the_switch_writes_the_chosen_report(factory: Factory, store: RunStore, report: str, summary: str) -> None:
    result = run(factory, store, "CountAndReport", target=4, report=report)
    assert result.run.status == S, result.run.message
    assert result.return_value is not None and result.return_value["summary"] == summary
    assert result.return_value["evenSteps"] == [2, 4]
    assert store.get_pipeline_run(result.return_value["countedBy"]) is not None


def test_an_unknown_report_fails_with_the_fail_activitys_expressions(factory: Factory, store: RunStore) -> None:
    result = run(factory, store, "CountAndReport", report="weekly")
    message = "There is no report 'weekly' in examples; use even or total"
    failed = only(store, result.run.run_id, "UnknownReport")
    assert failed.error is not None and (failed.error["errorCode"], failed.error["message"]) == ("UnknownReport_WEEKLY", message)
    assert failed.parent_activity_run_id == only(store, result.run.run_id, "WriteReport").activity_run_id
    assert result.run.status == F
    assert result.run.message == ("Operation on target WriteReport failed: Activity failed because an inner activity failed; "
                                  f"Inner activity name: UnknownReport, Error: {message}")
    assert top_level_statuses(store, result.run.run_id)["ReturnSummary"] == SKIP
