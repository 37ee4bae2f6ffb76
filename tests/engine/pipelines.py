"""Build factories and pipelines for engine tests, and run them against a store in a temp folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pgfactory.engine import Engine, RunResult
from pgfactory.models.factory import Factory, ResourceKind, parse_resource
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.store.records import ActivityRunRecord
from pgfactory.store.run_store import RunStore
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer


def pipeline_json(name: str, activities: list[dict[str, Any]], **properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": {"activities": activities, **properties}}


def _add(factory: Factory, kind: ResourceKind, data: dict[str, Any]) -> None:
    file = Path(f"{kind.folder}/{data['name']}.json")
    model, problems = parse_resource(kind, data, file=str(file))
    assert model is not None, problems
    factory.add(kind, model, file)


def make_factory(*pipelines: dict[str, Any], linked_services: Sequence[LinkedServiceResource] = (),
                 datasets: Sequence[dict[str, Any]] = (), factory: dict[str, Any] | None = None) -> Factory:
    result = Factory()
    for pipeline in pipelines:
        _add(result, ResourceKind.PIPELINE, pipeline)
    for linked_service in linked_services:
        result.add(ResourceKind.LINKED_SERVICE, linked_service)
    for dataset in datasets:
        _add(result, ResourceKind.DATASET, dataset)
    if factory is not None:
        _add(result, ResourceKind.FACTORY, factory)
    return result


ROLE = "engine_user"
PASSWORD = "engine-password-1"


def script(name: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
            "typeProperties": {"scripts": [{"type": "Query", "text": text}]}, **extra}


def factory_with(server: RunningServer, *activities: dict[str, Any]) -> Factory:
    """Pipeline ``P`` of ``activities``, with linked service ``Pg`` logging in to ``server`` as ``ROLE``."""
    linked_service = basic_auth(server.host, server.port, ROLE, PASSWORD, ssl_mode=0).model_copy(update={"name": "Pg"})
    return make_factory(pipeline_json("P", list(activities)), linked_services=[linked_service])


def wait(name: str, seconds: Any = 0, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "Wait", "typeProperties": {"waitTimeInSeconds": seconds}, **extra}


def fail(name: str, message: Any = "boom", code: Any = "E1", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "Fail", "typeProperties": {"message": message, "errorCode": code}, **extra}


def after(*upstreams: str, conditions: tuple[str, ...] = ("Succeeded",)) -> dict[str, Any]:
    return {"dependsOn": [{"activity": upstream, "dependencyConditions": list(conditions)} for upstream in upstreams]}


def run(factory: Factory, pipeline: str, store: RunStore | None = None, **parameters: Any) -> RunResult:
    with Engine(factory, store=store) as engine:
        return engine.run(pipeline, parameters)


def activity_runs(store: RunStore, result: RunResult) -> dict[str, list[ActivityRunRecord]]:
    runs: dict[str, list[ActivityRunRecord]] = {}
    for record in store.activity_runs(result.run.run_id):
        runs.setdefault(record.activity_name, []).append(record)
    return runs


def wait_for(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)
