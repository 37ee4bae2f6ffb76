"""One activity of a run, from its dependencies being met to its final status.

Execution activities (Script, Lookup, ...) go to the executor, attempt after attempt as their
policy allows, each attempt with its own timeout and its own activity run record (as ADF shows
retries). Control-flow activities run here, in the engine. Every outcome, including an
expression that cannot be evaluated, becomes an activity run with ADF's status and error shape.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from pgfactory.activities import EXECUTION_ACTIVITIES, ActivityControl, ActivityInvocation, Cancellation
from pgfactory.deadlines import DEADLINES
from pgfactory.engine.frames import Frame
from pgfactory.engine.outcome import CANCELLED, FAILED, SKIPPED, SUCCEEDED
from pgfactory.engine.policy import ActivityPolicy
from pgfactory.errors import ActivityError, PgFactoryError
from pgfactory.expressions import ActivityState
from pgfactory.models.secrets import MASK
from pgfactory.store.records import ActivityRunRecord, utc_now

# After cancelling an activity, how long to wait for it to notice before giving up on it.
CANCEL_GRACE_SECONDS = 10.0
RUN_CANCELLED = "cancelled"
TIMED_OUT = "timeout"
LOCAL_RUNTIME = "AutoResolveIntegrationRuntime (local)"


@dataclass
class ActivityRun:
    """The record being written for one activity (one attempt), and the state downstream sees."""

    frame: Frame
    activity: dict[str, Any]
    record: ActivityRunRecord
    secure_input: bool = False
    secure_output: bool = False
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def begin(cls, frame: Frame, activity: dict[str, Any], *, retry_attempt: int | None = None,
              status: str = "InProgress") -> ActivityRun:
        linked_service = activity.get("linkedServiceName")
        record = ActivityRunRecord(
            activity_run_id=str(uuid.uuid4()),
            pipeline_run_id=frame.run.run_id,
            pipeline_name=frame.run.pipeline_name,
            activity_name=str(activity["name"]),
            activity_type=str(activity.get("type", "")),
            status=status,
            activity_run_start=utc_now(),
            input={},
            linked_service_name=str(linked_service.get("referenceName", "")) if isinstance(linked_service, dict) else "",
            user_properties={str(p.get("name")): p.get("value") for p in activity.get("userProperties") or []
                             if isinstance(p, dict)},
            retry_attempt=retry_attempt,
            iteration_hash=frame.iteration,
            parent_activity_run_id=frame.parent_activity_run_id,
        )
        return cls(frame, activity, record)

    @property
    def name(self) -> str:
        return self.record.activity_name

    @property
    def activity_run_id(self) -> str:
        return self.record.activity_run_id

    @property
    def type_properties(self) -> dict[str, Any]:
        properties = self.activity.get("typeProperties")
        return properties if isinstance(properties, dict) else {}

    def evaluate_property(self, name: str) -> Any:
        """``typeProperties.<name>`` evaluated in this activity's scope (None when absent)."""
        return self.frame.evaluate(self.type_properties.get(name), self.name, f"typeProperties.{name}")

    def set_input(self, value: dict[str, Any]) -> None:
        self.record.input = {"secureInput": MASK} if self.secure_input else value

    def save(self) -> None:
        self.frame.run.history.activity_run_changed(self.record)

    def finish(self, status: str, output: Any = None, error: PgFactoryError | None = None) -> ActivityState:
        error_json = _error_json(error, self.name) if error is not None else None
        shown = {"secureOutput": MASK} if self.secure_output and output is not None else output
        self.record.finish(status, output=shown, error=error_json)
        self.save()
        return ActivityState(output=output, status=status, error=error_json)


def _error_json(error: PgFactoryError, target: str) -> dict[str, Any]:
    if isinstance(error, ActivityError):
        return {**error.to_dict(), "target": target}
    return {"errorCode": error.code, "message": error.message, "failureType": "UserError", "target": target,
            "details": []}


def run_activity(activity: dict[str, Any], frame: Frame) -> ActivityState:
    """Run ``activity`` in ``frame`` (its dependencies hold) and return its final state."""
    from pgfactory.engine.control_activities import CONTROL_FLOW  # they run scopes, which run activities

    if str(activity.get("state", "Active")).lower() == "inactive":
        marked = str(activity.get("onInactiveMarkAs") or SUCCEEDED)
        run = ActivityRun.begin(frame, activity, status=marked)
        return run.finish(marked)
    activity_type = str(activity.get("type", ""))
    handler = CONTROL_FLOW.get(activity_type)
    if handler is not None:
        run = ActivityRun.begin(frame, activity)
        run.save()
        try:
            output = handler(run)
        except Exception as error:  # whatever happens, the record must not stay InProgress
            return run.finish(CANCELLED if frame.run.cancellation.cancelled else FAILED, error=_as_activity_error(error))
        return run.finish(SUCCEEDED, output)
    if activity_type in EXECUTION_ACTIVITIES:
        return _run_execution_activity(activity, frame)
    run = ActivityRun.begin(frame, activity)
    run.save()
    return run.finish(FAILED, error=ActivityError(f"activity type {activity_type!r} is not supported",
                                                  code="UnsupportedActivityType"))


def record_skipped(activity: dict[str, Any], frame: Frame) -> ActivityState:
    """An activity whose dependency conditions did not hold: recorded Skipped, as ADF does."""
    return ActivityRun.begin(frame, activity, status=SKIPPED).finish(SKIPPED)


def _run_execution_activity(activity: dict[str, Any], frame: Frame) -> ActivityState:
    name = str(activity["name"])
    first = ActivityRun.begin(frame, activity)
    try:
        policy = ActivityPolicy.from_json(frame.evaluate(activity.get("policy"), name, "policy"))
        resolved = {
            **activity,
            "typeProperties": frame.evaluate(activity.get("typeProperties") or {}, name, "typeProperties"),
        }
        if isinstance(activity.get("linkedServiceName"), dict):
            resolved["linkedServiceName"] = frame.evaluate(activity["linkedServiceName"], name, "linkedServiceName")
    except ActivityError as invalid:
        return first.finish(FAILED, error=invalid)
    attempt = 0
    run = first
    while True:
        run.secure_input, run.secure_output = policy.secure_input, policy.secure_output
        run.set_input(resolved["typeProperties"])
        run.save()
        status, output, error = _attempt(run, resolved, policy)
        if status == SUCCEEDED:
            return run.finish(status, _with_runtime(output, run))
        if status == CANCELLED or attempt >= policy.retry:
            return run.finish(status, error=error)
        run.finish(status, error=error)
        if frame.run.cancellation.wait(policy.retry_interval_seconds):
            return ActivityState(status=CANCELLED, error=run.record.error)
        attempt += 1
        run = ActivityRun.begin(frame, activity, retry_attempt=attempt)


def _attempt(run: ActivityRun, resolved: dict[str, Any], policy: ActivityPolicy) -> tuple[str, Any, ActivityError | None]:
    frame = run.frame
    invocation = ActivityInvocation(resolved, frame.run.factory, frame.run.pipeline_name, frame.run.run_id,
                                    run.activity_run_id)
    cancellation = Cancellation()
    control = ActivityControl(cancellation, lambda progress: frame.run.history.activity_progress(run.activity_run_id, progress))
    settled = threading.Event()
    unlink = frame.run.cancellation.on_cancel(lambda: cancellation.cancel(RUN_CANCELLED))
    stop_clock = DEADLINES.schedule(policy.timeout.total_seconds(), lambda: cancellation.cancel(TIMED_OUT))
    try:
        future = frame.run.engine.executor.submit(invocation, control)
        future.add_done_callback(lambda _: settled.set())
        cancellation.on_cancel(settled.set)
        settled.wait()
        try:
            output, error = future.result(timeout=CANCEL_GRACE_SECONDS), None
        except FutureTimeout:
            output, error = None, None  # it ignored the cancellation; the reason below says what happened
        except Exception as failure:  # whatever an activity raises fails the activity, not the engine
            output, error = None, _as_activity_error(failure)
    finally:
        stop_clock()
        unlink()
    if cancellation.reason == RUN_CANCELLED:
        return CANCELLED, None, ActivityError("The activity was cancelled with its pipeline run.", code="Cancelled")
    if cancellation.reason == TIMED_OUT:
        return FAILED, None, ActivityError(
            f"The activity timed out: it ran longer than its policy.timeout of {policy.timeout_text}.",
            code="ActivityTimedOut", transient=True,
        )
    if error is not None:
        return FAILED, None, error
    return SUCCEEDED, output, None


def _as_activity_error(failure: Exception) -> ActivityError:
    if isinstance(failure, ActivityError):
        return failure
    if isinstance(failure, PgFactoryError):
        return ActivityError(failure.message, code=failure.code, transient=failure.transient)
    return ActivityError(f"{type(failure).__name__}: {failure}", code="InternalError", failure_type="SystemError")


def _with_runtime(output: Any, run: ActivityRun) -> Any:
    if not isinstance(output, dict):
        return output
    return {**output, "effectiveIntegrationRuntime": LOCAL_RUNTIME,
            "executionDuration": int(time.monotonic() - run.started)}
