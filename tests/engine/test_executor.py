"""The executor seam: another executor runs the same activities, from invocations that cross a process boundary."""

from __future__ import annotations

import pickle
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pgfactory.activities import ActivityInvocation, Cancellation
from pgfactory.engine import Engine
from pgfactory.engine.executor import run_invocation
from tests.engine.pipelines import factory_with, script
from tests.fixtures.postgres import RunningServer


class PicklingExecutor:
    """Ships each invocation as bytes, as a distributed runtime would, and runs what arrives."""

    def __init__(self) -> None:
        self.shipped: list[bytes] = []
        self._pool = ThreadPoolExecutor(max_workers=4)

    def submit(self, invocation: ActivityInvocation, cancellation: Cancellation) -> Future[dict[str, Any]]:
        payload = pickle.dumps(invocation)
        self.shipped.append(payload)
        return self._pool.submit(run_invocation, pickle.loads(payload), cancellation)

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
