"""The contract between the engine and execution activities (Script, Lookup, later Copy).

The engine evaluates an activity's expressions in pipeline scope, then hands the result to an
executor as an :class:`ActivityInvocation`: plain, picklable data, so that the same call can run
in this process or on another machine. Beside it goes an :class:`ActivityControl`, the live
channel between the two: cancellation in, progress out. The activity returns its output in
ADF's shape, or raises :class:`~pgfactory.errors.ActivityError`. Retry, timeout, masking and
history belong to the engine; an activity only has to stop promptly when its cancellation fires.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pgfactory.models.factory import Factory


@dataclass(frozen=True)
class ActivityInvocation:
    """One attempt at one activity run.

    ``activity`` is the activity's JSON with every expression in ``typeProperties`` and in
    ``linkedServiceName.parameters`` already evaluated. Datasets and linked services are looked
    up in ``factory``; their own ``@dataset()`` / ``@linkedService()`` expressions are the
    activity's to evaluate, with the parameters the reference passes.
    """

    activity: dict[str, Any]
    factory: Factory
    pipeline_name: str
    pipeline_run_id: str
    activity_run_id: str

    @property
    def name(self) -> str:
        return str(self.activity.get("name", ""))

    @property
    def type_properties(self) -> dict[str, Any]:
        properties = self.activity.get("typeProperties")
        return properties if isinstance(properties, dict) else {}


class Cancellation:
    """Fires once when an activity must stop: its policy timeout passed or its run was cancelled.

    Activities register what stops their work (``connection.cancel_safe``) with
    :meth:`on_cancel`; a callback registered after the fact runs at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self.reason: str | None = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when cancelled meanwhile."""
        return self._event.wait(seconds)

    def cancel(self, reason: str) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when cancelled; returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._unregister(callback)
        callback()
        return lambda: None

    def _unregister(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


Progress = dict[str, Any]
"""Counters an activity reports while it runs, e.g. ``{"rowsCopied": 1000, "dataRead": 65536}``."""


class ActivityControl:
    """The engine's side of a running attempt: its cancellation, and where progress goes.

    Progress is for watching (the CLI's live view); the activity's output stays the record.
    """

    def __init__(self, cancellation: Cancellation | None = None,
                 on_progress: Callable[[Progress], None] | None = None) -> None:
        self.cancellation = cancellation or Cancellation()
        self._on_progress = on_progress

    def report_progress(self, progress: Progress) -> None:
        if self._on_progress is not None:
            self._on_progress(progress)


class ExecutionActivity(Protocol):
    def __call__(self, invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
        """Run one attempt and return the activity's output in ADF's shape."""
        ...
