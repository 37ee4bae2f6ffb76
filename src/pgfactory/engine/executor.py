"""Where execution activities run: one interface, a local thread pool behind it today.

The engine only ever calls :meth:`Executor.submit`; a distributed integration runtime plugs in
by implementing the same two methods, and no activity code changes.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from pgfactory.activities import EXECUTION_ACTIVITIES, ActivityControl, ActivityInvocation
from pgfactory.errors import ActivityError

DEFAULT_WORKERS = 64
"""Enough for a ForEach at ADF's maximum batchCount (50) beside a few other branches."""


class Executor(Protocol):
    def submit(self, invocation: ActivityInvocation, control: ActivityControl) -> Future[dict[str, Any]]:
        """Start one attempt; the future holds the activity's output or its ActivityError."""
        ...

    def shutdown(self) -> None: ...


def run_invocation(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
    """Run one attempt in this process: what every executor ends up calling."""
    activity_type = str(invocation.activity.get("type", ""))
    activity = EXECUTION_ACTIVITIES.get(activity_type)
    if activity is None:
        raise ActivityError(f"activity type {activity_type!r} cannot run here; known: {', '.join(sorted(EXECUTION_ACTIVITIES))}",
                            code="UnsupportedActivityType")
    return activity(invocation, control)


class LocalExecutor:
    """Runs activities on a thread pool in this process (they wait on the network, not the CPU)."""

    def __init__(self, max_workers: int = DEFAULT_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pgfactory-activity")

    def submit(self, invocation: ActivityInvocation, control: ActivityControl) -> Future[dict[str, Any]]:
        return self._pool.submit(run_invocation, invocation, control)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
