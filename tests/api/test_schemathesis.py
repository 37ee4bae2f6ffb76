"""schemathesis against the published OpenAPI document: no 5xx, and every answer as the document says.

Each operation gets generated requests, valid ones (positive) and ones that break the document
(negative), sent over HTTPS with a contributor's key to a service whose factory, pipeline and run
exist, so that requests get past the factory's path to what lies behind it. Every answer must not
be a 5xx, must carry a status code, content type and body the document declares (every error in
ARM's envelope).

The cases come from schemathesis's strategies (``operation.as_strategy()`` under Hypothesis'
``@given``), the documented way outside its own decorator: ``schemathesis.pytest.from_fixture``,
which a schema served by a fixture would need, fails under pytest 9.2 (it rewrites the test node's
``_nodeid``, which pytest 9 no longer has).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY, FACTORY_PATH, GROUP, SUBSCRIPTION, RunningApi

PIPELINE = {"properties": {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}}]}}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25  # per operation and mode: about 10 s for both modes


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_generated_request_gets_an_answer_the_document_declares(api: RunningApi, mode: GenerationMode) -> None:
    with api.client() as client:
        assert client.put(FACTORY_PATH, json={"location": "local"}).status_code == 200
        assert client.put(f"{FACTORY_PATH}/pipelines/P", json=PIPELINE).status_code == 200
        run_id = client.post(f"{FACTORY_PATH}/pipelines/P/createRun").json()["runId"]
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json", verify=str(api.ca_file))
    schema.config.update(base_url=api.url, tls_verify=str(api.ca_file))
    pinned = {"subscription_id": SUBSCRIPTION, "resource_group": GROUP, "factory_name": FACTORY, "pipeline_name": "P",
              "run_id": run_id}
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.keys[TokenRole.CONTRIBUTOR]}"
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16, [operation.label for operation in operations]
    # Deletions last, the factory's very last: what runs after them would find nothing to reach.
    operations.sort(key=lambda operation: (operation.method.upper() == "DELETE", operation.path.endswith("{factory_name}")))
    failures = []
    for operation in operations:

        @given(operation.as_strategy(generation_mode=mode, path_parameters=pinned))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(session=session, checks=CHECKS)

        try:
            answers_as_documented()
        except Unsatisfiable:  # nothing of the operation left to break once its path is pinned (negative mode)
            continue
        except (Exception, BaseExceptionGroup) as error:  # schemathesis groups the distinct failures it found
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
