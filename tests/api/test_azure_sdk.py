"""The official azure-mgmt-datafactory client (pinned 10.0.0) against ``pgfactory serve`` over HTTPS on loopback.

Every resource kind is created, read, listed and deleted; a run is created with parameters and
polled to Succeeded; runs and activity runs are queried; a long run is cancelled. The client's
retries are off (``retry_total=0``) so that a failure shows at once. Bodies are plain dicts, the
portable way (10.0.0's models drop ``properties.type`` unless it is set explicitly).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.datafactory import DataFactoryManagementClient
from azure.mgmt.datafactory.models import Factory, RunFilterParameters, RunQueryFilter

from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION, RunningApi
from tests.fixtures.postgres import RunningServer


class ApiKey:
    """A credential that hands the SDK a pgfactory API key as its bearer token."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.key, int(time.time()) + 3600)


@pytest.fixture
def client(api: RunningApi) -> Iterator[DataFactoryManagementClient]:
    with DataFactoryManagementClient(ApiKey(api.keys[TokenRole.CONTRIBUTOR]), SUBSCRIPTION, base_url=api.url,
                                     connection_verify=str(api.ca_file), retry_total=0) as sdk:
        yield sdk


def postgres_linked_service(pg: RunningServer) -> dict[str, Any]:
    return {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": pg.host, "port": pg.port, "database": "postgres", "sslMode": 0, "authenticationType": "BasicAuth",
        "username": "postgres", "password": {"type": "SecureString", "value": pg.server.superuser_password}}}}


PIPELINE = {"properties": {
    "parameters": {"label": {"type": "String"}, "count": {"type": "Int", "defaultValue": 3}},
    "activities": [
        {"name": "Prepare", "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
         "typeProperties": {"scripts": [{"type": "NonQuery", "text": "CREATE TABLE IF NOT EXISTS sdk_runs (label text)"},
                                        {"type": "NonQuery",
                                         "text": "INSERT INTO sdk_runs VALUES ('@{pipeline().parameters.label}')"}]}},
        {"name": "Count", "type": "Lookup", "dependsOn": [{"activity": "Prepare", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"source": {"type": "AzurePostgreSqlSource",
                                       "query": "SELECT @{pipeline().parameters.count} AS n"},
                            "dataset": {"referenceName": "Table", "type": "DatasetReference"}}},
    ]}}
SLOW = {"properties": {"activities": [
    {"name": "Sleep", "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
     "typeProperties": {"scripts": [{"type": "NonQuery", "text": "SELECT pg_sleep(60)"}]}}]}}
DATASET = {"properties": {"type": "AzurePostgreSqlTable",
                          "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
                          "typeProperties": {"schema": "public", "table": "sdk_runs"}}}
CREDENTIAL = {"properties": {"type": "ManagedIdentity", "typeProperties": {
    "resourceId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami"}}}
INTEGRATION_RUNTIME = {"properties": {"type": "SelfHosted", "description": "a laptop"}}
TRIGGER = {"properties": {"type": "ScheduleTrigger", "typeProperties": {"recurrence": {
    "frequency": "Hour", "interval": 1, "startTime": "2026-01-01T00:00:00Z"}},
    "pipelines": [{"pipelineReference": {"referenceName": "Load", "type": "PipelineReference"}}]}}


def wait_for(client: DataFactoryManagementClient, run_id: str, statuses: set[str], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        run = client.pipeline_runs.get(GROUP, FACTORY, run_id)
        if run.status in statuses:
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run.status}"
        time.sleep(0.1)


def window() -> RunFilterParameters:
    now = datetime.now(UTC)
    return RunFilterParameters(last_updated_after=now - timedelta(hours=1), last_updated_before=now + timedelta(hours=1))


def test_every_resource_kind_round_trips_through_the_official_client(client: DataFactoryManagementClient,
                                                                      pg_plain: RunningServer) -> None:
    factory = client.factories.create_or_update(GROUP, FACTORY, Factory(location="eastus", tags={"env": "test"}))
    assert factory.name == FACTORY and factory.e_tag and factory.provisioning_state == "Succeeded"
    assert client.factories.get(GROUP, FACTORY).tags == {"env": "test"}
    assert [f.name for f in client.factories.list_by_resource_group(GROUP)] == [FACTORY]

    kinds = [(client.linked_services, "Pg", postgres_linked_service(pg_plain)), (client.datasets, "Table", DATASET),
             (client.pipelines, "Load", PIPELINE), (client.credential_operations, "Uami", CREDENTIAL),
             (client.integration_runtimes, "Laptop", INTEGRATION_RUNTIME), (client.triggers, "Hourly", TRIGGER)]
    for operations, name, body in kinds:
        created = operations.create_or_update(GROUP, FACTORY, name, body)
        assert created.name == name and created.etag
        fetched = operations.get(GROUP, FACTORY, name)
        assert fetched.name == name and fetched.properties["type" if "type" in body["properties"] else "activities"]
        assert name in [item.name for item in operations.list_by_factory(GROUP, FACTORY)]

    secret = client.linked_services.get(GROUP, FACTORY, "Pg").properties["typeProperties"]["password"]
    assert secret == {"type": "SecureString", "value": "**********"}

    for operations, name, _ in reversed(kinds):
        operations.delete(GROUP, FACTORY, name)
        with pytest.raises(ResourceNotFoundError):
            operations.get(GROUP, FACTORY, name)
    client.factories.delete(GROUP, FACTORY)
    with pytest.raises(ResourceNotFoundError):
        client.factories.get(GROUP, FACTORY)
    assert list(client.factories.list_by_resource_group(GROUP)) == []


def test_a_run_with_parameters_succeeds_and_its_runs_can_be_queried(client: DataFactoryManagementClient,
                                                                   pg_plain: RunningServer) -> None:
    client.factories.create_or_update(GROUP, FACTORY, Factory(location="eastus"))
    client.linked_services.create_or_update(GROUP, FACTORY, "Pg", postgres_linked_service(pg_plain))
    client.datasets.create_or_update(GROUP, FACTORY, "Table", DATASET)
    client.pipelines.create_or_update(GROUP, FACTORY, "Load", PIPELINE)

    run_id = client.pipelines.create_run(GROUP, FACTORY, "Load", parameters={"label": "nightly", "count": 7}).run_id
    run = wait_for(client, run_id, {"Succeeded", "Failed"})
    assert run.status == "Succeeded", run.message
    assert run.parameters == {"label": "nightly", "count": "7"}  # ADF answers parameters as strings
    assert pg_plain.execute("SELECT count(*) FROM sdk_runs WHERE label = 'nightly'")[0][0] >= 1

    query = window()
    query.filters = [RunQueryFilter(operand="PipelineName", operator="Equals", values_property=["Load"])]
    runs = client.pipeline_runs.query_by_factory(GROUP, FACTORY, query)
    assert [r.run_id for r in runs.value] == [run_id] and runs.continuation_token is None

    activities = client.activity_runs.query_by_pipeline_run(GROUP, FACTORY, run_id, window()).value
    by_name = {activity.activity_name: activity for activity in activities}
    assert set(by_name) == {"Prepare", "Count"}
    assert by_name["Count"].output["firstRow"] == {"n": 7}
    assert all(activity.status == "Succeeded" for activity in activities)


def test_a_long_run_is_cancelled(client: DataFactoryManagementClient, pg_plain: RunningServer) -> None:
    client.factories.create_or_update(GROUP, FACTORY, Factory(location="eastus"))
    client.linked_services.create_or_update(GROUP, FACTORY, "Pg", postgres_linked_service(pg_plain))
    client.pipelines.create_or_update(GROUP, FACTORY, "Slow", SLOW)
    run_id = client.pipelines.create_run(GROUP, FACTORY, "Slow").run_id
    wait_for(client, run_id, {"InProgress"})
    started = time.monotonic()
    client.pipeline_runs.cancel(GROUP, FACTORY, run_id, is_recursive=True)
    assert wait_for(client, run_id, {"Cancelled", "Failed", "Succeeded"}, seconds=20).status == "Cancelled"
    assert time.monotonic() - started < 10
    assert pg_plain.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'")[0][0] == 0


def test_errors_come_back_as_arm_errors(client: DataFactoryManagementClient) -> None:
    client.factories.create_or_update(GROUP, FACTORY, Factory(location="eastus"))
    with pytest.raises(HttpResponseError) as caught:
        client.linked_services.create_or_update(GROUP, FACTORY, "NoType", {"properties": {"typeProperties": {}}})
    assert caught.value.status_code == 400 and caught.value.error.code == "InvalidResourceDefinition"
    assert caught.value.error.target == "properties.type"
    with pytest.raises(ResourceNotFoundError):
        client.pipeline_runs.get(GROUP, FACTORY, "no-such-run")
