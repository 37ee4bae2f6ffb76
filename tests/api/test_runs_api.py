"""Runs through the API beyond the official client's calls: recursive cancel, query filters and pages, testConnection."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY_PATH, RunningApi
from tests.api.test_faults import FINAL, linked_service, script_pipeline, wait_for
from tests.fixtures.postgres import RunningServer

WINDOW = {"lastUpdatedAfter": "2000-01-01T00:00:00Z", "lastUpdatedBefore": "2100-01-01T00:00:00Z"}


def setup(client: httpx.Client, pg: RunningServer) -> None:
    client.put(FACTORY_PATH, json={"location": "local"})
    client.put(f"{FACTORY_PATH}/linkedservices/Pg", json=linked_service(pg.host, pg.port, pg.server.superuser_password))


@pytest.mark.parametrize("cancel", ["parent, recursively", "the child itself"])
def test_cancel_reaches_child_runs(api: RunningApi, pg_plain: RunningServer, cancel: str) -> None:
    with api.client() as client:
        setup(client, pg_plain)
        client.put(f"{FACTORY_PATH}/pipelines/Child", json=script_pipeline("SELECT pg_sleep(30)"))
        client.put(f"{FACTORY_PATH}/pipelines/Parent", json={"properties": {"activities": [{
            "name": "RunChild", "type": "ExecutePipeline",
            "typeProperties": {"pipeline": {"referenceName": "Child", "type": "PipelineReference"},
                               "waitOnCompletion": True}}]}})
        parent = client.post(f"{FACTORY_PATH}/pipelines/Parent/createRun").json()["runId"]
        deadline = time.monotonic() + 30
        while True:
            runs = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json={**WINDOW, "filters": [
                {"operand": "PipelineName", "operator": "Equals", "values": ["Child"]}]}).json()["value"]
            if runs and runs[0]["status"] == "InProgress":
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        child = runs[0]
        assert child["invokedBy"]["pipelineRunId"] == parent and child["invokedBy"]["invokedByType"] == "PipelineActivity"
        if cancel == "the child itself":
            assert client.post(f"{FACTORY_PATH}/pipelineruns/{child['runId']}/cancel").status_code == 200
            assert wait_for(client, child["runId"], FINAL)["status"] == "Cancelled"
            assert wait_for(client, parent, FINAL)["status"] == "Failed"  # its ExecutePipeline activity failed
            return
        assert client.post(f"{FACTORY_PATH}/pipelineruns/{parent}/cancel", params={"isRecursive": "true"}).status_code == 200
        assert wait_for(client, parent, FINAL)["status"] == "Cancelled"
        assert wait_for(client, child["runId"], FINAL)["status"] == "Cancelled"


def test_query_filters_orders_and_pages_runs(api: RunningApi) -> None:
    quick: dict[str, Any] = {"properties": {"activities": [{"name": "Wait", "type": "Wait",
                                                            "typeProperties": {"waitTimeInSeconds": 0}}]}}
    with api.client() as client:
        client.put(FACTORY_PATH, json={"location": "local"})
        client.put(f"{FACTORY_PATH}/pipelines/A", json=quick)
        client.put(f"{FACTORY_PATH}/pipelines/B", json=quick)
        created = [client.post(f"{FACTORY_PATH}/pipelines/{name}/createRun").json()["runId"] for name in "AB" * 60]
        for run_id in created:
            wait_for(client, run_id, FINAL)
        only_b = {**WINDOW, "filters": [{"operand": "PipelineName", "operator": "In", "values": ["B"]},
                                        {"operand": "Status", "operator": "Equals", "values": ["Succeeded"]}],
                  "orderBy": [{"orderBy": "RunStart", "order": "ASC"}]}
        first = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json=only_b).json()
        assert len(first["value"]) == 60 and first["continuationToken"] is None
        starts = [run["runStart"] for run in first["value"]]
        assert starts == sorted(starts) and {run["pipelineName"] for run in first["value"]} == {"B"}
        everything = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json=WINDOW).json()
        assert len(everything["value"]) == 100 and everything["continuationToken"]
        rest = client.post(f"{FACTORY_PATH}/queryPipelineRuns",
                           json={**WINDOW, "continuationToken": everything["continuationToken"]}).json()
        assert len(rest["value"]) == 20 and rest["continuationToken"] is None
        assert sorted(run["runId"] for run in everything["value"] + rest["value"]) == sorted(created)
        empty = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json={
            "lastUpdatedAfter": "2001-01-01T00:00:00.1234567Z", "lastUpdatedBefore": "2001-01-02T00:00:00Z"}).json()
        assert empty["value"] == []


def test_test_connection_reports_the_stage_that_failed(api: RunningApi, pg_plain: RunningServer) -> None:
    with api.client() as client:
        setup(client, pg_plain)
        passed = client.post(f"{FACTORY_PATH}/testConnection", json={"linkedServiceName": "Pg"}).json()
        assert passed["succeeded"] is True
        stored = client.get(f"{FACTORY_PATH}/linkedservices/Pg").json()["properties"]
        # An unsaved edit: the masked password keeps the stored one, the wrong database fails its stage.
        edited = {**stored, "typeProperties": {**stored["typeProperties"], "database": "no_such_database"}}
        failed = client.post(f"{FACTORY_PATH}/testConnection", json={"linkedService": {"name": "Pg",
                                                                                        "properties": edited}}).json()
        assert failed["succeeded"] is False and failed["failedStage"] == "database"
        wrong = {**stored, "typeProperties": {**stored["typeProperties"],
                                              "password": {"type": "SecureString", "value": "wrong-password"}}}
        refused = client.post(f"{FACTORY_PATH}/testConnection", json={"linkedService": {"properties": wrong}}).json()
        assert refused["succeeded"] is False and refused["failedStage"] == "authentication"
        assert "wrong-password" not in str(refused)
        missing = client.post(f"{FACTORY_PATH}/testConnection", json={"linkedServiceName": "Nope"})
        assert missing.status_code == 404


def test_an_operator_may_not_send_the_stored_password_to_another_server(api: RunningApi, pg_plain: RunningServer) -> None:
    with api.client() as client:
        setup(client, pg_plain)
        stored = client.get(f"{FACTORY_PATH}/linkedservices/Pg").json()["properties"]
    elsewhere = {**stored, "typeProperties": {**stored["typeProperties"], "server": "127.0.0.2"}}
    with api.client(TokenRole.OPERATOR) as operator:
        refused = operator.post(f"{FACTORY_PATH}/testConnection", json={"linkedService": {"name": "Pg", "properties": elsewhere}})
        assert refused.status_code == 403 and "contributor" in refused.json()["error"]["message"]
        # the stored definition as it is (its masks included) is what testing by name does: allowed
        same = operator.post(f"{FACTORY_PATH}/testConnection", json={"linkedService": {"name": "Pg", "properties": stored}})
        assert same.status_code == 200 and same.json()["succeeded"] is True
    with api.client(TokenRole.CONTRIBUTOR) as contributor:  # who may point the linked service elsewhere anyway
        changed = contributor.post(f"{FACTORY_PATH}/testConnection",
                                   json={"linkedService": {"name": "Pg", "properties": elsewhere}})
        assert changed.status_code == 200 and changed.json()["failedStage"] in {"tcp", "authentication"}


def test_a_securestring_default_reaches_the_run_in_clear_and_nowhere_else(api: RunningApi, pg_plain: RunningServer) -> None:
    pg_plain.execute("CREATE TABLE IF NOT EXISTS default_secrets (value text)")
    with api.client() as client:
        setup(client, pg_plain)
        pipeline = script_pipeline("INSERT INTO default_secrets VALUES ('@{pipeline().parameters.token}')")
        pipeline["properties"]["parameters"] = {"token": {"type": "SecureString", "defaultValue": "default-secret-1"}}
        stored = client.put(f"{FACTORY_PATH}/pipelines/Defaults", json=pipeline).json()
        assert stored["properties"]["parameters"]["token"]["defaultValue"] == "**********"
        run_id = client.post(f"{FACTORY_PATH}/pipelines/Defaults/createRun").json()["runId"]
        run = wait_for(client, run_id, FINAL)
    assert run["status"] == "Succeeded", run["message"]
    assert run["parameters"]["token"] == "**********"
    assert pg_plain.execute("SELECT count(*) FROM default_secrets WHERE value = 'default-secret-1'")[0][0] == 1


def lookup(name: str, query: str, depends_on: str | None = None) -> dict[str, Any]:
    return {"name": name, "type": "Lookup",
            "dependsOn": [{"activity": depends_on, "dependencyConditions": ["Succeeded"]}] if depends_on else [],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", "query": query},
                               "dataset": {"referenceName": "Any", "type": "DatasetReference"}}}


def test_reruns_start_from_the_failed_or_a_chosen_activity(api: RunningApi, pg_plain: RunningServer) -> None:
    pg_plain.execute("DROP TABLE IF EXISTS rerun_gate; CREATE TABLE rerun_gate (open int)")
    with api.client() as client:
        setup(client, pg_plain)
        client.put(f"{FACTORY_PATH}/datasets/Any", json={"properties": {
            "type": "AzurePostgreSqlTable", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
            "typeProperties": {"schema": "public", "table": "rerun_gate"}}})
        client.put(f"{FACTORY_PATH}/pipelines/Steps", json={"properties": {"activities": [
            lookup("First", "SELECT 41 AS n"),
            lookup("Gate", "SELECT 1 / (SELECT count(*) FROM rerun_gate) AS open", "First"),  # fails while empty
            lookup("Last", "SELECT @{activity('First').output.firstRow.n} + 1 AS n", "Gate"),
        ]}})
        failed = client.post(f"{FACTORY_PATH}/pipelines/Steps/createRun").json()["runId"]
        assert wait_for(client, failed, FINAL)["status"] == "Failed"
        pg_plain.execute("INSERT INTO rerun_gate VALUES (1)")

        rerun = client.post(f"{FACTORY_PATH}/pipelines/Steps/createRun", params={
            "referencePipelineRunId": failed, "startFromFailure": "true", "isRecovery": "true"}).json()["runId"]
        run = wait_for(client, rerun, FINAL)
        assert run["status"] == "Succeeded", run["message"]
        assert run["runGroupId"] == failed  # a recovery joins the referenced run's group
        window = {"lastUpdatedAfter": "2000-01-01T00:00:00Z", "lastUpdatedBefore": "2100-01-01T00:00:00Z"}
        activities = client.post(f"{FACTORY_PATH}/pipelineruns/{rerun}/queryActivityruns", json=window).json()["value"]
        assert sorted(a["activityName"] for a in activities) == ["Gate", "Last"]  # First was not run again
        assert next(a for a in activities if a["activityName"] == "Last")["output"]["firstRow"] == {"n": 42}

        from_last = client.post(f"{FACTORY_PATH}/pipelines/Steps/createRun", params={
            "referencePipelineRunId": rerun, "startActivityName": "Last"}).json()["runId"]
        ended = wait_for(client, from_last, FINAL)
        assert ended["status"] == "Succeeded", ended["message"]
        activities = client.post(f"{FACTORY_PATH}/pipelineruns/{from_last}/queryActivityruns", json=window).json()["value"]
        assert [a["activityName"] for a in activities] == ["Last"]

        for params, target in (({"startFromFailure": "true"}, "startFromFailure"),
                               ({"referencePipelineRunId": failed, "startActivityName": "Nope"}, "startActivityName")):
            refused = client.post(f"{FACTORY_PATH}/pipelines/Steps/createRun", params=params)
            assert refused.status_code == 400 and refused.json()["error"]["target"] == target
