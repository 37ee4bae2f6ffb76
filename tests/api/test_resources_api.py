"""The REST API's rules over plain HTTP calls: authentication and roles, ARM's errors, etags, secrets, paging, names."""

from __future__ import annotations

from typing import Any

import pytest

from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY_PATH, RunningApi

LINKED_SERVICE = {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
    "server": "127.0.0.1", "port": 5432, "database": "postgres", "sslMode": 0, "authenticationType": "BasicAuth",
    "username": "someone", "password": {"type": "SecureString", "value": "first-secret"}}}}
PIPELINE: dict[str, Any] = {"properties": {"activities": [{"name": "Wait", "type": "Wait",
                                                           "typeProperties": {"waitTimeInSeconds": 0}}]}}


@pytest.fixture
def factory(api: RunningApi) -> RunningApi:
    with api.client() as client:
        assert client.put(FACTORY_PATH, json={"location": "local"}).status_code == 200
    return api


def test_every_call_but_health_needs_a_valid_api_key(factory: RunningApi) -> None:
    with factory.client(role=None) as anonymous:
        assert anonymous.get("/health").status_code == 200
        answer = anonymous.get(FACTORY_PATH)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "AuthenticationFailed"
        answer = anonymous.get(FACTORY_PATH, headers={"Authorization": "Bearer pgf_nope_" + "x" * 40})
        assert answer.status_code == 401


@pytest.mark.parametrize(("role", "method", "path", "allowed"), [
    (TokenRole.READER, "GET", "", True),
    (TokenRole.READER, "PUT", "/pipelines/P", False),
    (TokenRole.READER, "POST", "/pipelines/P/createRun", False),
    (TokenRole.OPERATOR, "POST", "/pipelines/P/createRun", True),
    (TokenRole.OPERATOR, "PUT", "/pipelines/Q", False),
    (TokenRole.CONTRIBUTOR, "PUT", "/pipelines/Q", True),
])
def test_roles_nest_reader_operator_contributor(factory: RunningApi, role: TokenRole, method: str, path: str,
                                                allowed: bool) -> None:
    with factory.client() as owner:
        owner.put(f"{FACTORY_PATH}/pipelines/P", json=PIPELINE)
    with factory.client(role) as client:
        answer = client.request(method, FACTORY_PATH + path, json=PIPELINE if method == "PUT" else None)
    if allowed:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "AuthorizationFailed"


def test_secrets_are_masked_and_a_masked_put_keeps_the_stored_one(factory: RunningApi) -> None:
    path = f"{FACTORY_PATH}/linkedservices/Pg"
    with factory.client() as client:
        created = client.put(path, json=LINKED_SERVICE).json()
        assert created["properties"]["typeProperties"]["password"] == {"type": "SecureString", "value": "**********"}
        fetched = client.get(path).json()
        fetched["properties"]["typeProperties"]["port"] = 6543
        assert client.put(path, json={"properties": fetched["properties"]}).status_code == 200
        listed = client.get(f"{FACTORY_PATH}/linkedservices").json()["value"]
    assert "first-secret" not in str(created) + str(fetched) + str(listed)
    kept = factory.service.resources.runnable_factory(factory.service.resources.factory(_scope()))
    kept_properties = kept.linked_services["Pg"].properties.type_properties
    assert kept_properties["password"]["value"] == "first-secret" and kept_properties["port"] == 6543


def test_etags_guard_writes_and_spare_reads(factory: RunningApi) -> None:
    path = f"{FACTORY_PATH}/pipelines/P"
    with factory.client() as client:
        first = client.put(path, json=PIPELINE)
        etag = first.json()["etag"]
        assert first.headers["etag"] == etag and etag.startswith('"')
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.put(path, json=PIPELINE, headers={"If-Match": etag}).status_code == 200
        stale = client.put(path, json=PIPELINE, headers={"If-Match": etag})
        assert stale.status_code == 412 and stale.json()["error"]["code"] == "PreconditionFailed"
        missing = client.put(f"{FACTORY_PATH}/pipelines/New", json=PIPELINE, headers={"If-Match": "*"})
        assert missing.status_code == 412


def test_bad_input_gets_arms_error_shape_and_code(factory: RunningApi) -> None:
    with factory.client() as client:
        cases = [
            (client.put(f"{FACTORY_PATH}/linkedservices/X", json={"properties": {"typeProperties": {}}}), 400,
             "InvalidResourceDefinition", "properties.type"),
            (client.put(f"{FACTORY_PATH}/pipelines/X", json={"properties": {"activities": [{"name": "If", "type": "IfCondition",
                "typeProperties": {"expression": {"value": "@true", "type": "Expression"},
                                   "ifTrueActivities": [{"name": "S", "type": "Execution"}]}}]}}), 400,
             "InvalidResourceDefinition", "properties.activities[0].typeProperties.ifTrueActivities[0].type"),
            (client.put(f"{FACTORY_PATH}/pipelines/X", content=b"{not json", headers={"Content-Type": "application/json"}),
             400, "InvalidRequestContent", None),
            (client.put(f"{FACTORY_PATH}/pipelines/{'a' * 261}", json=PIPELINE), 400, "InvalidResourceName", "name"),
            # A slash, even encoded, never reaches a name; dots are refused in names.
            (client.put(f"{FACTORY_PATH}/pipelines/..%2F..%2Fetc", json=PIPELINE), 404, "NotFound", None),
            (client.put(f"{FACTORY_PATH}/pipelines/%2E%2E", json=PIPELINE), 400, "InvalidResourceName", "name"),
            (client.put(f"{FACTORY_PATH}/pipelines/a.b", json=PIPELINE), 400, "InvalidResourceName", "name"),
            (client.put(f"{FACTORY_PATH}/widgets/X", json=PIPELINE), 404, "NotFound", None),
            (client.get(f"{FACTORY_PATH}/pipelines/Missing"), 404, "NotFound", None),
            (client.get(f"{FACTORY_PATH}/pipelines", params={"api-version": "2017-09-01-preview"}), 400,
             "InvalidApiVersionParameter", None),
            (client.post(f"{FACTORY_PATH}/queryPipelineRuns", json={"lastUpdatedAfter": "yesterday",
                                                                    "lastUpdatedBefore": "2030-01-01T00:00:00Z"}),
             400, "InvalidRequestContent", "lastUpdatedAfter"),
            (client.post(f"{FACTORY_PATH}/queryPipelineRuns", json={
                "lastUpdatedAfter": "2020-01-01T00:00:00Z", "lastUpdatedBefore": "2030-01-01T00:00:00Z",
                "filters": [{"operand": "Colour", "operator": "Equals", "values": ["red"]}]}), 400, "InvalidRequestContent",
             "filters[0].operand"),
            (client.post(f"{FACTORY_PATH}/queryPipelineRuns", json={
                "lastUpdatedAfter": "2020-01-01T00:00:00Z", "lastUpdatedBefore": "2030-01-01T00:00:00Z",
                "orderBy": [{"orderBy": "RunStart", "order": "UP"}]}), 400, "InvalidRequestContent", "orderBy[0].order"),
        ]
    for answer, status, code, target in cases:
        assert answer.status_code == status, answer.text
        error = answer.json()["error"]
        assert error["code"] == code and error["message"]
        if target is not None:
            assert error["target"] == target


def test_paths_match_without_case_and_lists_page_with_next_links(factory: RunningApi) -> None:
    with factory.client() as client:
        for index in range(105):
            assert client.put(f"{FACTORY_PATH}/pipelines/p{index:03d}", json=PIPELINE).status_code == 200
        first = client.get(FACTORY_PATH.lower().replace("microsoft.datafactory", "MICROSOFT.DATAFACTORY") + "/PIPELINES")
        assert first.status_code == 200
        page = first.json()
        names = [item["name"] for item in page["value"]]
    with factory.client(versioned=False) as client:  # nextLink carries its query, api-version included
        second = client.get(page["nextLink"]).json()
    names += [item["name"] for item in second["value"]]
    assert names == [f"p{index:03d}" for index in range(105)] and "nextLink" not in second


def test_the_openapi_document_is_published(api: RunningApi) -> None:
    with api.client(role=None) as client:
        document = client.get("/openapi.json").json()
    assert "/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.DataFactory/factories/"\
           "{factory_name}/pipelines/{pipeline_name}/createRun" in document["paths"]


def _scope() -> Any:
    from pgfactory.service.scope import FactoryScope
    from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION

    return FactoryScope(SUBSCRIPTION, GROUP, FACTORY)
