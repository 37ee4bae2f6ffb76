"""Loops, branches and the small control activities: Filter, Wait, Fail.

Each handler gets the :class:`ActivityRun` being recorded, returns the activity's output in
ADF's shape, or raises :class:`ActivityError` with ADF's message.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pgfactory.deadlines import DEADLINES
from pgfactory.engine.activity_runner import ActivityRun
from pgfactory.engine.scope import ScopeResult, run_scope
from pgfactory.errors import ActivityError
from pgfactory.expressions import NO_ITEM
from pgfactory.models.timespan import parse_timespan
from pgfactory.models.values import as_flag

DEFAULT_BATCH_COUNT = 20
MAX_BATCH_COUNT = 50
DEFAULT_UNTIL_TIMEOUT = "7.00:00:00"


def _run_children(run: ActivityRun, activities: list[dict[str, Any]] | None, item: Any = NO_ITEM,
                  iteration: int | None = None) -> ScopeResult:
    return run_scope(list(activities or []), run.frame.child(run.activity_run_id, item, iteration))


def _inner_failure(result: ScopeResult) -> ActivityError | None:
    failure = result.first_failure()
    if failure is None:
        return None
    name, error = failure
    return ActivityError(
        f"Activity failed because an inner activity failed; Inner activity name: {name}, Error: {error.get('message', '')}",
        code="ActionFailed", failure_type=str(error.get("failureType") or "UserError"),
    )


def for_each(run: ActivityRun) -> dict[str, Any]:
    properties = run.type_properties
    items = run.evaluate_property("items")
    if not isinstance(items, list):
        raise ActivityError(f"The ForEach items must be an array; typeProperties.items evaluated to a {type(items).__name__}",
                            code="InvalidForEachItems")
    sequential = as_flag(run.evaluate_property("isSequential"), False)
    batch_text = run.evaluate_property("batchCount") or DEFAULT_BATCH_COUNT
    try:
        batch_count = int(batch_text)
    except (TypeError, ValueError):
        raise ActivityError(f"batchCount must be a whole number, got {batch_text!r}", code="InvalidBatchCount") from None
    if not 1 <= batch_count <= MAX_BATCH_COUNT:
        raise ActivityError(f"batchCount must be between 1 and {MAX_BATCH_COUNT}, got {batch_count}", code="InvalidBatchCount")
    run.set_input({"items": items, "isSequential": sequential, "batchCount": batch_count})
    activities = properties.get("activities")
    cancellation = run.frame.run.cancellation

    def iteration(index: int, item: Any) -> ScopeResult | None:
        return None if cancellation.cancelled else _run_children(run, activities, item, index)

    if sequential or batch_count == 1:
        results = [iteration(index, item) for index, item in enumerate(items)]
    else:
        with ThreadPoolExecutor(max_workers=min(batch_count, max(len(items), 1)),
                                thread_name_prefix="pgfactory-foreach") as pool:
            results = list(pool.map(iteration, range(len(items)), items))
    for result in results:
        failure = _inner_failure(result) if result is not None else None
        if failure is not None:
            raise failure
    return {}


def if_condition(run: ActivityRun) -> dict[str, Any]:
    value = run.evaluate_property("expression")
    if not isinstance(value, bool):
        raise ActivityError(f"The IfCondition expression must evaluate to a boolean, got {type(value).__name__}",
                            code="InvalidIfConditionExpression")
    run.set_input({"expression": value})
    branch = "ifTrueActivities" if value else "ifFalseActivities"
    failure = _inner_failure(_run_children(run, run.type_properties.get(branch)))
    if failure is not None:
        raise failure
    return {}


def switch(run: ActivityRun) -> dict[str, Any]:
    # ADF writes the expression as "on" (REST spec, SDKs, what Studio saves); its doc page says "expression".
    value = run.evaluate_property("on" if "on" in run.type_properties else "expression")
    if not isinstance(value, str):
        raise ActivityError(f"The Switch expression must evaluate to a string, got {type(value).__name__}",
                            code="InvalidSwitchExpression")
    run.set_input({"expression": value})
    properties = run.type_properties
    chosen = properties.get("defaultActivities")
    for case in properties.get("cases") or []:
        if isinstance(case, dict) and str(case.get("value")) == value:
            chosen = case.get("activities")
            break
    failure = _inner_failure(_run_children(run, chosen))
    if failure is not None:
        raise failure
    return {}


def until(run: ActivityRun) -> dict[str, Any]:
    properties = run.type_properties
    timeout_text = str(run.evaluate_property("timeout") or DEFAULT_UNTIL_TIMEOUT)
    try:
        timeout = parse_timespan(timeout_text).total_seconds()
    except ValueError as error:
        raise ActivityError(f"typeProperties.timeout: {error}", code="InvalidUntilTimeout") from None
    run.set_input({"timeout": timeout_text})
    expired = threading.Event()
    stop_clock = DEADLINES.schedule(timeout, expired.set)
    try:
        # Do-until: the activities run first, then the condition is checked. An inner failure
        # does not stop the loop, as in ADF; the last iteration's outcome is the Until's.
        iterations = itertools.count()
        while True:
            # The condition sees this iteration's activities, so it is evaluated in their frame.
            frame = run.frame.child(run.activity_run_id, iteration=next(iterations))
            result = run_scope(list(properties.get("activities") or []), frame)
            if run.frame.run.cancellation.cancelled:
                raise ActivityError("The activity was cancelled with its pipeline run.", code="Cancelled")
            if frame.evaluate(properties.get("expression"), run.name, "typeProperties.expression") is True:
                failure = _inner_failure(result)
                if failure is not None:
                    raise failure
                return {}
            if expired.is_set():
                raise ActivityError(f"The Until activity timed out after {timeout_text} before its expression became true.",
                                    code="UntilTimedOut")
    finally:
        stop_clock()


def filter_items(run: ActivityRun) -> dict[str, Any]:
    items = run.evaluate_property("items")
    if not isinstance(items, list):
        raise ActivityError(f"The Filter items must be an array; typeProperties.items evaluated to a {type(items).__name__}",
                            code="InvalidFilterItems")
    condition = run.type_properties.get("condition")
    run.set_input({"items": items})
    kept = []
    for item in items:
        verdict = run.frame.child(run.activity_run_id, item).evaluate(condition, run.name, "typeProperties.condition")
        if not isinstance(verdict, bool):
            raise ActivityError(f"The Filter condition must evaluate to a boolean, got {type(verdict).__name__}",
                                code="InvalidFilterCondition")
        if verdict:
            kept.append(item)
    return {"ItemsCount": len(items), "FilteredItemsCount": len(kept), "Value": kept}


def wait(run: ActivityRun) -> dict[str, Any]:
    seconds = run.evaluate_property("waitTimeInSeconds")
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        raise ActivityError(f"waitTimeInSeconds must be a number, got {seconds!r}", code="InvalidWaitTime") from None
    run.set_input({"waitTimeInSeconds": seconds})
    if run.frame.run.cancellation.wait(seconds):
        raise ActivityError("The activity was cancelled with its pipeline run.", code="Cancelled")
    return {}


def fail(run: ActivityRun) -> dict[str, Any]:
    """ADF's Fail activity, including its documented answers to uninterpretable values."""
    properties = run.type_properties
    message = run.evaluate_property("message") if "message" in properties else None
    code = run.evaluate_property("errorCode") if "errorCode" in properties else None
    run.set_input({"message": message, "errorCode": code})
    code_ok = isinstance(code, str) and code.strip() != ""
    message_ok = isinstance(message, str) and message.strip() != ""
    final_code = code if code_ok else "ErrorCodeNotString"
    if "message" not in properties:
        text = "Fail message wasn't provided"
    elif message is not None and not isinstance(message, str) and code_ok:
        text = f"{run.name} fail message parameter couldn't be interpreted as a string"
    elif not message_ok:
        text = f"Failed to interpret {run.name} fail message or error code"
    else:
        text = str(message)
    raise ActivityError(text, code=str(final_code))


