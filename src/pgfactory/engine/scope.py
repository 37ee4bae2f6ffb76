"""A list of activities run as ADF runs them: each starts once its dependency conditions hold.

Conditions on one upstream are alternatives (``["Failed", "Skipped"]`` holds if either does);
dependencies on several upstreams must all hold. An activity whose conditions cannot hold is
Skipped, which its own dependents then see. Independent activities run at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

from pgfactory.engine.activity_runner import record_skipped, run_activity
from pgfactory.engine.frames import Frame
from pgfactory.engine.outcome import FAILED, SKIPPED, SUCCEEDED, failed_nodes
from pgfactory.expressions import ActivityState

Result = TypeVar("Result")

# Conditions are matched case-insensitively, as ADF's own SDKs parse them.
_HOLDS_FOR = {
    "succeeded": {SUCCEEDED},
    "failed": {FAILED},
    "skipped": {SKIPPED},
    "completed": {SUCCEEDED, FAILED},
}

# Activities wait here on their children or on the executor: threads, not CPU. The pool only
# bounds how many control-flow activities can be waiting at once, far above ADF's own limits.
_ORCHESTRATION = ThreadPoolExecutor(max_workers=2048, thread_name_prefix="pgfactory-engine")


def submit_orchestration(function: Callable[..., Result], *args: Any) -> Future[Result]:
    """Run ``function`` on an engine thread (one that may block waiting on others)."""
    return _ORCHESTRATION.submit(function, *args)


@dataclass(frozen=True)
class ScopeResult:
    activities: list[dict[str, Any]]
    states: dict[str, ActivityState]

    @property
    def failed(self) -> list[str]:
        """The nodes ADF's outcome rule evaluates that did not succeed."""
        return failed_nodes(self.activities, {name: state.status for name, state in self.states.items()})

    @property
    def succeeded(self) -> bool:
        return not self.failed

    def first_failure(self) -> tuple[str, dict[str, Any]] | None:
        """The first failed node and its error (an inactive activity marked Failed has none)."""
        for name in self.failed:
            return name, dict(self.states[name].error or {"message": f"activity {name!r} was marked Failed"})
        return None


def conditions_hold(activity: dict[str, Any], states: dict[str, ActivityState]) -> bool:
    for dependency in activity.get("dependsOn") or []:
        conditions = dependency.get("dependencyConditions") or ["Succeeded"]
        upstream = states[dependency["activity"]].status
        if not any(upstream in _HOLDS_FOR.get(str(condition).lower(), ()) for condition in conditions):
            return False
    return True


def _is_ready(activity: dict[str, Any], states: dict[str, ActivityState]) -> bool:
    return all(dependency["activity"] in states for dependency in activity.get("dependsOn") or [])


def run_scope(activities: list[dict[str, Any]], frame: Frame,
              restored: Mapping[str, ActivityState] | None = None) -> ScopeResult:
    """Run ``activities`` (validated: unique names, dependencies inside the list, no cycles).

    ``restored`` activities are not run: they count as ended with the states given (a rerun's, see
    :mod:`.recovery`).
    """
    states: dict[str, ActivityState] = dict(restored or {})
    frame.activities.update(states)
    pending = [activity for activity in activities if str(activity["name"]) not in states]
    running: dict[Future[ActivityState], str] = {}
    while pending or running:
        ready = [activity for activity in pending if _is_ready(activity, states)]
        pending = [activity for activity in pending if activity not in ready]
        if frame.run.cancellation.cancelled:
            ready, pending = [], []  # nothing new starts; what runs is being cancelled and reports so
        for activity in ready:
            name = str(activity["name"])
            if not conditions_hold(activity, states):
                states[name] = frame.activities[name] = record_skipped(activity, frame)
            elif len(ready) == 1 and not running:
                # The only thing to do: run it on this thread and save two thread hops.
                states[name] = frame.activities[name] = run_activity(activity, frame)
            else:
                running[_ORCHESTRATION.submit(run_activity, activity, frame)] = name
        if any(_is_ready(activity, states) for activity in pending):
            continue  # a skip or an inline run may have unblocked more
        if not running:
            if pending:
                raise RuntimeError(f"activities wait on each other: {[a['name'] for a in pending]}")
            break
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            name = running.pop(future)
            states[name] = frame.activities[name] = future.result()
    return ScopeResult(activities, states)
