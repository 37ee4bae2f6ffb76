"""Build factories and activity invocations for the activity tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any

from pgfactory.activities import ActivityInvocation, Cancellation
from pgfactory.models.base import AdfResource
from pgfactory.models.factory import Factory, ResourceKind, parse_resource
from pgfactory.models.linked_service import LinkedServiceResource
from tests.activities.conftest import PASSWORD, ROLE
from tests.fixtures.linked_services import basic_auth
from tests.fixtures.postgres import RunningServer

LINKED_SERVICE = "Pg"


def linked_service(server: RunningServer, *, name: str = LINKED_SERVICE, password: str = PASSWORD,
                   **extra: Any) -> LinkedServiceResource:
    return basic_auth("localhost", server.port, ROLE, password, ssl_mode=3, **extra).model_copy(update={"name": name})


def resource(kind: ResourceKind, data: dict[str, Any]) -> AdfResource:
    model, problems = parse_resource(kind, data, file=f"{kind.folder}/{data['name']}.json")
    assert model is not None, problems
    return model


def make_factory(server: RunningServer, *, linked_services: Sequence[LinkedServiceResource] = (),
                 datasets: Sequence[dict[str, Any]] = (), **extra: Any) -> Factory:
    factory = Factory()
    factory.add(ResourceKind.LINKED_SERVICE, linked_service(server, **extra))
    for other in linked_services:
        factory.add(ResourceKind.LINKED_SERVICE, other)
    for dataset in datasets:
        factory.add(ResourceKind.DATASET, resource(ResourceKind.DATASET, dataset))
    return factory


def invocation(factory: Factory, activity: dict[str, Any]) -> ActivityInvocation:
    return ActivityInvocation(activity, factory, "TestPipeline", str(uuid.uuid4()), str(uuid.uuid4()))


def cancel_after(cancellation: Cancellation, seconds: float, reason: str = "cancelled") -> threading.Timer:
    timer = threading.Timer(seconds, cancellation.cancel, args=(reason,))
    timer.start()
    return timer


def running_statements(server: RunningServer, fragment: str) -> int:
    """How many backends are still running a statement that contains ``fragment``."""
    rows = server.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
        "AND query LIKE %s", (f"%{fragment}%",))
    return int(rows[0][0])
