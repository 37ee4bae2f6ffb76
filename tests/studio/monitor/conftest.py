"""A factory in the studio's service with pipelines and runs made through the service layer, and signed-in clients."""

from __future__ import annotations

import contextlib
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.store import PipelineRunRecord, RunOptions, TokenRole
from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION
from tests.api.test_faults import linked_service
from tests.fixtures.postgres import RunningServer
from tests.studio.conftest import Studio

FINISHED = {"Succeeded", "Failed", "Cancelled"}
PG = {"referenceName": "Pg", "type": "LinkedServiceReference"}


def wait_activity(seconds: float, name: str = "Wait") -> dict[str, Any]:
    return {"name": name, "type": "Wait", "typeProperties": {"waitTimeInSeconds": seconds}}


def script(name: str, sql: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "Script", "linkedServiceName": PG,
            "typeProperties": {"scripts": [{"type": "Query", "text": sql}]}, **extra}


@dataclass
class Monitor:
    studio: Studio
    scope: FactoryScope = field(default_factory=lambda: FactoryScope(SUBSCRIPTION, GROUP, FACTORY))
    path: str = f"/f/{SUBSCRIPTION}/{GROUP}/{FACTORY}/monitor/runs"  # under the studio's URL

    @property
    def runs_url(self) -> str:
        return self.studio.url + self.path

    def put(self, collection: str, name: str, properties: dict[str, Any]) -> None:
        self.studio.api.service.resources.put(self.scope, COLLECTIONS[collection], name, {"properties": properties},
                                              if_match=None)

    def pipeline(self, name: str, *activities: dict[str, Any], **properties: Any) -> None:
        self.put("pipelines", name, {"activities": list(activities), **properties})

    def postgres(self, server: RunningServer) -> None:
        """Linked service ``Pg``: the test server's superuser, without TLS."""
        self.put("linkedservices", "Pg", linked_service(server.host, server.port, server.server.superuser_password)["properties"])

    def run(self, pipeline: str, parameters: dict[str, Any] | None = None, options: RunOptions | None = None) -> str:
        return self.studio.api.service.runs.create_run(self.scope, pipeline, parameters, options or RunOptions())

    def get(self, run_id: str) -> PipelineRunRecord:
        return self.studio.api.service.runs.get_run(self.scope, run_id)

    def wait(self, run_id: str, statuses: set[str] = FINISHED, seconds: float = 60) -> PipelineRunRecord:
        deadline = time.monotonic() + seconds
        while (run := self.get(run_id)).status not in statuses:
            assert time.monotonic() < deadline, f"run {run_id} is still {run.status}"
            time.sleep(0.05)
        return run

    @contextlib.contextmanager
    def client(self, role: TokenRole = TokenRole.CONTRIBUTOR) -> Iterator[httpx.Client]:
        """An HTTPS client signed in to the studio with ``role``'s key (it keeps the session and CSRF cookies)."""
        with httpx.Client(base_url=self.studio.url, verify=ssl.create_default_context(cafile=self.studio.api.ca_file),
                          timeout=30) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token is not None
            signed_in = client.post("/login", data={"api_key": self.studio.api.keys[role], "csrf_token": token[1],
                                                    "next": "/studio/"})
            assert signed_in.status_code == 303, signed_in.text
            yield client

    def csrf(self, client: httpx.Client) -> dict[str, str]:
        return {"csrf_token": client.cookies["pgfactory_csrf"]}


@pytest.fixture
def monitor(studio: Studio) -> Iterator[Monitor]:
    made = Monitor(studio)
    studio.api.service.resources.put_factory(made.scope, {"properties": {}}, if_match=None)
    yield made
