from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pgfactory.store import ActivityRunRecord, PipelineRunRecord, adf_timestamp
from tests.store.samples import T0, full_activity_run, full_pipeline_run

ADF_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")


def test_timestamps_have_seven_fractional_digits_and_z() -> None:
    assert adf_timestamp(datetime(2018, 6, 16, 0, 37, 44, 625701, tzinfo=UTC)) == "2018-06-16T00:37:44.6257010Z"
    assert adf_timestamp(datetime(2018, 6, 16, 0, 37, 44, tzinfo=UTC)) == "2018-06-16T00:37:44.0000000Z"


def test_timestamps_in_other_zones_are_written_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert adf_timestamp(datetime(2018, 6, 16, 2, 37, 44, 5, tzinfo=paris)) == "2018-06-16T00:37:44.0000050Z"


def test_naive_times_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        adf_timestamp(datetime(2018, 6, 16))


def test_pipeline_run_json_is_adf_shape() -> None:
    run = full_pipeline_run("run-1")
    assert run.to_adf() == {
        "runId": "run-1",
        "runGroupId": "group-1",
        "isLatest": False,
        "pipelineName": "LoadSales",
        # ADF's parameters are strings: arrays, objects, booleans as JSON text.
        "parameters": {"day": "2024-05-01", "ids": "[1, 2]", "full": "true", "note": "é ✓"},
        "runDimension": {"JobId": "42"},
        "invokedBy": {"name": "RunChild", "id": "activity-run-9", "invokedByType": "PipelineActivity",
                      "pipelineName": "Parent", "pipelineRunId": "parent-run-1"},
        "lastUpdated": "2024-05-01T12:00:09.1234560Z",
        "runStart": "2024-05-01T12:00:00.1234560Z",
        "runEnd": "2024-05-01T12:00:08.1234570Z",
        "durationInMs": 8000,
        "status": "Failed",
        "message": "Operation on target Each failed: boom",
        "annotations": ["nightly"],
    }


def test_a_running_manual_run_has_no_end_and_its_own_group() -> None:
    shape = PipelineRunRecord(run_id="run-2", pipeline_name="P", status="InProgress", run_start=T0).to_adf()
    assert shape["runGroupId"] == "run-2"
    assert shape["runEnd"] is None and shape["durationInMs"] is None
    assert set(shape["invokedBy"]) == {"name", "id", "invokedByType"}
    assert shape["invokedBy"]["invokedByType"] == "Manual"
    assert re.fullmatch(r"[0-9a-f]{32}", shape["invokedBy"]["id"])
    assert ADF_TIME.match(shape["lastUpdated"])


def test_activity_run_json_is_adf_shape_with_the_parent_run() -> None:
    run = full_activity_run("run-1", "activity-1")
    assert run.to_adf() == {
        "activityName": "CopyTable",
        "activityType": "Script",
        "activityRunId": "activity-1",
        "pipelineName": "LoadSales",
        "pipelineRunId": "run-1",
        "status": "Failed",
        "activityRunStart": "2024-05-01T12:00:01.1234560Z",
        "activityRunEnd": "2024-05-01T12:00:02.7777770Z",
        "durationInMs": 1654,
        "input": run.input,
        "output": run.output,
        "error": run.error,
        "linkedServiceName": "Sales",
        "userProperties": {"table": "orders"},
        "retryAttempt": 2,
        "iterationHash": "abc123",
        "parentActivityRunId": "foreach-run-1",
    }


def test_an_activity_run_without_error_reports_adf_empty_error() -> None:
    run = ActivityRunRecord(activity_run_id="a", activity_name="Wait1", activity_type="Wait", pipeline_run_id="r",
                            pipeline_name="P", status="InProgress", activity_run_start=T0)
    shape = run.to_adf()
    assert shape["error"] == {"errorCode": "", "message": "", "failureType": "", "target": "Wait1"}
    assert shape["activityRunEnd"] is None and shape["output"] is None and shape["parentActivityRunId"] is None


def test_finishing_a_pipeline_run_sets_end_duration_and_last_update() -> None:
    run = PipelineRunRecord(run_id="r", pipeline_name="P", status="InProgress", run_start=T0)
    end = T0 + timedelta(seconds=2, microseconds=1999)
    run.finish("Failed", message="boom", at=end)
    assert (run.status, run.message, run.run_end, run.duration_in_ms, run.last_updated) == ("Failed", "boom", end, 2001, end)


def test_finishing_an_activity_run_sets_end_duration_output_and_error() -> None:
    run = ActivityRunRecord(activity_run_id="a", activity_name="S", activity_type="Script", pipeline_run_id="r",
                            pipeline_name="P", status="InProgress", activity_run_start=T0)
    run.finish("Succeeded", output={"rows": 1}, at=T0 + timedelta(milliseconds=250))
    assert (run.status, run.output, run.error, run.duration_in_ms) == ("Succeeded", {"rows": 1}, None, 250)
    assert run.activity_run_end == T0 + timedelta(milliseconds=250)
