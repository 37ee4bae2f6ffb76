"""The executor seam: another executor runs the same activities, from invocations that cross a process boundary."""

from __future__ import annotations

import pickle
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from pgfactory.activities import EXECUTION_ACTIVITIES, ActivityControl, ActivityInvocation
from pgfactory.engine import Engine
from pgfactory.engine.executor import run_invocation
from pgfactory.store.run_store import RunStore
from tests.engine.pipelines import factory_with, make_factory, pipeline_json, script
from tests.fixtures.postgres import RunningServer


class PicklingExecutor:
    """Ships each invocation as bytes, as a distributed runtime would, and runs what arrives."""

    def __init__(self) -> None:
        self.shipped: list[bytes] = []
        self._pool = ThreadPoolExecutor(max_workers=4)

    def submit(self, invocation: ActivityInvocation, control: ActivityControl) -> Future[dict[str, Any]]:
        payload = pickle.dumps(invocation)
        self.shipped.append(payload)
        return self._pool.submit(run_invocation, pickle.loads(payload), control)

    def shutdown(self) -> None:
        self._pool.shutdown()


def test_a_pluggable_executor_runs_the_activities(server: RunningServer) -> None:
    factory = factory_with(server, script("One", "SELECT 1 AS one"), script("Two", "SELECT 2 AS two"))
    executor = PicklingExecutor()
    with Engine(factory, executor=executor) as engine:
        result = engine.run("P")
    executor.shutdown()
    assert result.succeeded, result.run.message
    assert result.activities["Two"].output["resultSets"][0]["rows"] == [{"two": 2}]
    assert len(executor.shipped) == 2
    shipped = pickle.loads(executor.shipped[0])
    assert shipped.pipeline_run_id == result.run.run_id and shipped.activity["type"] == "Script"


class ProgressWatcher:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def pipeline_run_changed(self, run: Any) -> None:
        pass

    def activity_run_changed(self, run: Any) -> None:
        pass

    def activity_progress(self, activity_run_id: str, progress: dict[str, Any]) -> None:
        self.seen.append((activity_run_id, progress))


def test_progress_an_activity_reports_reaches_observers(monkeypatch: pytest.MonkeyPatch, store: RunStore) -> None:
    def counting(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
        for rows in (10, 20, 30):
            control.report_progress({"rowsCopied": rows})
        return {"rowsCopied": 30}

    monkeypatch.setitem(EXECUTION_ACTIVITIES, "Counting", counting)
    watcher = ProgressWatcher()
    factory = make_factory(pipeline_json("P", [{"name": "C", "type": "Counting"}]))
    with Engine(factory, store=store, observers=[watcher]) as engine:
        result = engine.run("P")
    [record] = store.activity_runs(result.run.run_id)
    assert watcher.seen == [(record.activity_run_id, {"rowsCopied": rows}) for rows in (10, 20, 30)]
    assert record.output is not None and record.output["rowsCopied"] == 30
