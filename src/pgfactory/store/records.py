"""Pipeline runs and activity runs as the engine records them and ADF reports them.

Field names are ADF's in snake_case; :meth:`to_adf` writes ADF's JSON (``PipelineRun`` of
``GET pipelineruns/{runId}``, ``ActivityRun`` of ``queryActivityruns``). Times are timezone-aware
UTC datetimes; ADF prints them with seven fractional digits and ``Z``. Inputs, outputs and errors
arrive here already masked: the store keeps what it is given.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """Statuses of pipeline runs and activity runs (spec 6.4); ADF spells ``Cancelled`` with two l's."""

    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELING = "Canceling"
    CANCELLED = "Cancelled"
    SKIPPED = "Skipped"


def utc_now() -> datetime:
    return datetime.now(UTC)


def adf_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC as ADF writes it: ``2018-06-16T00:37:44.6257014Z`` (Python keeps microseconds, so the 7th digit is 0)."""
    if moment.tzinfo is None:
        raise ValueError(f"run times must be timezone-aware, got naive {moment.isoformat()}")
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond:06d}0Z"


def _optional_timestamp(moment: datetime | None) -> str | None:
    return adf_timestamp(moment) if moment is not None else None


def _milliseconds_between(start: datetime, end: datetime) -> int:
    return (end - start) // timedelta(milliseconds=1)  # whole milliseconds, in integer arithmetic


@dataclass(slots=True)
class InvokedBy:
    """Who started a pipeline run: ``Manual``, a trigger, or a parent pipeline (``PipelineActivity``)."""

    name: str = "Manual"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    invoked_by_type: str = "Manual"
    pipeline_name: str | None = None
    pipeline_run_id: str | None = None

    def to_adf(self) -> dict[str, Any]:
        shape: dict[str, Any] = {"name": self.name, "id": self.id, "invokedByType": self.invoked_by_type}
        # ADF sends the parent pipeline's name and run id only when a pipeline invoked this one.
        if self.pipeline_name is not None:
            shape["pipelineName"] = self.pipeline_name
        if self.pipeline_run_id is not None:
            shape["pipelineRunId"] = self.pipeline_run_id
        return shape


@dataclass(slots=True)
class PipelineRunRecord:
    """One pipeline run. ``run_group_id`` defaults to ``run_id`` (a run that is not a rerun starts its own group).

    ``parameters`` keeps the typed values; ADF's JSON shows each as a string (arrays and objects
    serialized), which :meth:`to_adf` does. ``last_updated`` must move with every change that is
    written: :meth:`finish` does that for the final one.
    """

    run_id: str
    pipeline_name: str
    status: str
    run_start: datetime
    run_group_id: str = ""
    is_latest: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)
    run_dimension: dict[str, str] = field(default_factory=dict)
    annotations: list[Any] = field(default_factory=list)
    invoked_by: InvokedBy = field(default_factory=InvokedBy)
    last_updated: datetime = field(default_factory=utc_now)
    run_end: datetime | None = None
    duration_in_ms: int | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if not self.run_group_id:
            self.run_group_id = self.run_id

    def finish(self, status: str, *, message: str = "", at: datetime | None = None) -> None:
        """Mark the run ended with ``status`` at ``at`` (now by default): end, duration and last update follow."""
        self.run_end = at or utc_now()
        self.duration_in_ms = _milliseconds_between(self.run_start, self.run_end)
        self.last_updated = self.run_end
        self.status = status
        self.message = message

    def to_adf(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "runGroupId": self.run_group_id,
            "isLatest": self.is_latest,
            "pipelineName": self.pipeline_name,
            "parameters": {name: _parameter_text(value) for name, value in self.parameters.items()},
            "runDimension": dict(self.run_dimension),
            "invokedBy": self.invoked_by.to_adf(),
            "lastUpdated": adf_timestamp(self.last_updated),
            "runStart": adf_timestamp(self.run_start),
            "runEnd": _optional_timestamp(self.run_end),
            "durationInMs": self.duration_in_ms,
            "status": self.status,
            "message": self.message,
            "annotations": list(self.annotations),
        }


def _parameter_text(value: Any) -> str:
    # ADF's PipelineRun.parameters is a map of strings: strings as they are, everything else as JSON.
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(slots=True)
class ActivityRunRecord:
    """One activity run (one attempt; retries are separate runs with ``retry_attempt``).

    ``parent_activity_run_id`` is pgfactory's own: the ForEach/IfCondition/Until/Switch activity
    run that started this one, None at the pipeline's top level, so that a viewer can draw the tree.
    """

    activity_run_id: str
    activity_name: str
    activity_type: str
    pipeline_run_id: str
    pipeline_name: str
    status: str
    activity_run_start: datetime
    activity_run_end: datetime | None = None
    duration_in_ms: int | None = None
    input: Any = None
    output: Any = None
    error: dict[str, Any] | None = None
    linked_service_name: str = ""
    user_properties: dict[str, Any] = field(default_factory=dict)
    retry_attempt: int | None = None
    iteration_hash: str = ""
    parent_activity_run_id: str | None = None

    def finish(self, status: str, *, output: Any = None, error: dict[str, Any] | None = None,
               at: datetime | None = None) -> None:
        """Mark the run ended with ``status`` at ``at`` (now by default), with its output and error."""
        self.activity_run_end = at or utc_now()
        self.duration_in_ms = _milliseconds_between(self.activity_run_start, self.activity_run_end)
        self.status = status
        self.output = output
        self.error = error

    def to_adf(self) -> dict[str, Any]:
        return {
            "activityName": self.activity_name,
            "activityType": self.activity_type,
            "activityRunId": self.activity_run_id,
            "pipelineName": self.pipeline_name,
            "pipelineRunId": self.pipeline_run_id,
            "status": self.status,
            "activityRunStart": adf_timestamp(self.activity_run_start),
            "activityRunEnd": _optional_timestamp(self.activity_run_end),
            "durationInMs": self.duration_in_ms,
            "input": self.input,
            "output": self.output,
            # ADF reports an error object with empty fields on runs that did not fail.
            "error": self.error if self.error is not None else
            {"errorCode": "", "message": "", "failureType": "", "target": self.activity_name},
            "linkedServiceName": self.linked_service_name,
            "userProperties": dict(self.user_properties),
            "retryAttempt": self.retry_attempt,
            "iterationHash": self.iteration_hash,
            "parentActivityRunId": self.parent_activity_run_id,
        }
