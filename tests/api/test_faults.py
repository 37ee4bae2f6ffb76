"""Faults the service must survive without losing a run or leaving one in a wrong state.

A service killed mid-run and started again; PostgreSQL stopped under a running copy; a queue
filled past its limit; fifty createRun calls at once. Each test asserts where every run ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from pgfactory.embedded.server import EmbeddedPostgres
from tests.api.conftest import FACTORY_PATH, VERSION, RunningApi, running_api
from tests.fixtures.postgres import RunningServer

FINAL = {"Succeeded", "Failed", "Cancelled"}
LONG_QUERY = "SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 100000000) AS g"


def linked_service(host: str, port: int, password: str) -> dict[str, Any]:
    return {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": host, "port": port, "database": "postgres", "sslMode": 0, "authenticationType": "BasicAuth",
        "username": "postgres", "password": {"type": "SecureString", "value": password}}}}


def script_pipeline(sql: str) -> dict[str, Any]:
    return {"properties": {"activities": [{
        "name": "Work", "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
        "typeProperties": {"scripts": [{"type": "NonQuery", "text": sql}]}}]}}


QUICK = {"properties": {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}}]}}


def wait_for(client: httpx.Client, run_id: str, statuses: set[str], seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get(f"{FACTORY_PATH}/pipelineruns/{run_id}")
        if answer.status_code == 200 and answer.json()["status"] in statuses:
            return answer.json()  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"run {run_id}: {answer.text}"
        time.sleep(0.1)


def activity_statuses(client: httpx.Client, run_id: str) -> dict[str, str]:
    window = {"lastUpdatedAfter": "2000-01-01T00:00:00Z", "lastUpdatedBefore": "2100-01-01T00:00:00Z"}
    answer = client.post(f"{FACTORY_PATH}/pipelineruns/{run_id}/queryActivityruns", json=window)
    return {item["activityName"]: item["status"] for item in answer.json()["value"]}


@pytest.fixture
def small_queue(tmp_path: Path) -> Iterator[RunningApi]:
    yield from running_api(tmp_path, max_running=1, max_queued=2)


def test_a_full_queue_refuses_runs_and_cancelling_empties_it(small_queue: RunningApi, pg_plain: RunningServer) -> None:
    with small_queue.client() as client:
        client.put(FACTORY_PATH, json={"location": "local"})
        client.put(f"{FACTORY_PATH}/linkedservices/Pg",
                   json=linked_service(pg_plain.host, pg_plain.port, pg_plain.server.superuser_password))
        client.put(f"{FACTORY_PATH}/pipelines/Slow", json=script_pipeline("SELECT pg_sleep(30)"))
        running = client.post(f"{FACTORY_PATH}/pipelines/Slow/createRun").json()["runId"]
        wait_for(client, running, {"InProgress"})
        queued = [client.post(f"{FACTORY_PATH}/pipelines/Slow/createRun").json()["runId"] for _ in range(2)]
        refused = client.post(f"{FACTORY_PATH}/pipelines/Slow/createRun")
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "TooManyRequests"
        assert int(refused.headers["Retry-After"]) > 0
        assert [wait_for(client, run_id, {"Queued"})["status"] for run_id in queued] == ["Queued", "Queued"]
        for run_id in [*queued, running]:
            assert client.post(f"{FACTORY_PATH}/pipelineruns/{run_id}/cancel").status_code == 200
        assert [wait_for(client, run_id, FINAL)["status"] for run_id in [*queued, running]] == ["Cancelled"] * 3
    assert small_queue.service.store.queue.count_queued() == 0


def test_fifty_concurrent_create_runs_are_all_run_once(api: RunningApi) -> None:
    with api.client() as client:
        client.put(FACTORY_PATH, json={"location": "local"})
        client.put(f"{FACTORY_PATH}/pipelines/Quick", json=QUICK)

    def create(_: int) -> str:
        with api.client() as own:
            answer = own.post(f"{FACTORY_PATH}/pipelines/Quick/createRun")
            assert answer.status_code == 200, answer.text
            return str(answer.json()["runId"])

    with ThreadPoolExecutor(max_workers=50) as pool:
        run_ids = list(pool.map(create, range(50)))
    assert len(set(run_ids)) == 50
    with api.client() as client:
        assert {wait_for(client, run_id, FINAL)["status"] for run_id in run_ids} == {"Succeeded"}
        window = {"lastUpdatedAfter": "2000-01-01T00:00:00Z", "lastUpdatedBefore": "2100-01-01T00:00:00Z"}
        listed = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json=window).json()
    assert sorted(run["runId"] for run in listed["value"]) == sorted(run_ids)
    assert all(len(activity_statuses_for(api, run_id)) == 1 for run_id in run_ids[:5])


def activity_statuses_for(api: RunningApi, run_id: str) -> dict[str, str]:
    with api.client() as client:
        return activity_statuses(client, run_id)


def test_stopping_postgresql_under_a_running_copy_fails_the_run_cleanly(api: RunningApi, tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "doomed", superuser_password="doomed-password") as doomed, api.client() as client:
        client.put(FACTORY_PATH, json={"location": "local"})
        client.put(f"{FACTORY_PATH}/linkedservices/Pg", json=linked_service(doomed.host, doomed.port, "doomed-password"))
        for name, table in (("Source", None), ("Target", "target")):
            client.put(f"{FACTORY_PATH}/datasets/{name}", json={"properties": {
                "type": "AzurePostgreSqlTable", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
                "typeProperties": {"schema": "public", "table": table or "unused"}}})
        with psycopg.connect(doomed.conninfo, autocommit=True) as admin:
            admin.execute("CREATE TABLE target (id bigint, pad text)")
        client.put(f"{FACTORY_PATH}/pipelines/Copy", json={"properties": {"activities": [{
            "name": "Copy", "type": "Copy", "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
            "outputs": [{"referenceName": "Target", "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", "query": LONG_QUERY},
                               "sink": {"type": "AzurePostgreSqlSink"}}}]}})
        run_id = client.post(f"{FACTORY_PATH}/pipelines/Copy/createRun").json()["runId"]
        wait_for(client, run_id, {"InProgress"})
        time.sleep(1.0)
        doomed.stop()
        run = wait_for(client, run_id, FINAL, seconds=60)
        assert run["status"] == "Failed"
        assert "Copy" in run["message"]
        assert set(activity_statuses(client, run_id).values()) == {"Failed"}
    assert api.service.store.queue.get(run_id).state.value == "finished"  # type: ignore[union-attr]


def test_a_killed_service_finds_its_interrupted_run_when_it_starts_again(tmp_path: Path, pg_plain: RunningServer) -> None:
    pgfactory = str(Path(sys.executable).with_name("pgfactory"))
    state = tmp_path / "state"
    key = subprocess.run([pgfactory, "token", "create", "--name", "ops", "--role", "contributor", "--state-dir", str(state)],
                         capture_output=True, text=True, check=True).stdout.strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [pgfactory, "serve", "--insecure-http", "--port", str(port), "--state-dir", str(state), "--stale-after", "2"]
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                          params=VERSION, timeout=30)

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/health").status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "pgfactory serve did not start"
            time.sleep(0.1)

    service = start()
    try:
        client.put(FACTORY_PATH, json={"location": "local"})
        client.put(f"{FACTORY_PATH}/linkedservices/Pg",
                   json=linked_service(pg_plain.host, pg_plain.port, pg_plain.server.superuser_password))
        client.put(f"{FACTORY_PATH}/pipelines/Slow", json=script_pipeline("SELECT pg_sleep(20)"))
        run_id = client.post(f"{FACTORY_PATH}/pipelines/Slow/createRun").json()["runId"]
        wait_for(client, run_id, {"InProgress"})
        # the run turns InProgress a moment before its activity run is written: kill it once the activity runs
        deadline = time.monotonic() + 30
        while activity_statuses(client, run_id) != {"Work": "InProgress"}:
            assert time.monotonic() < deadline, "the activity never started"
            time.sleep(0.05)
        os.kill(service.pid, signal.SIGKILL)
        service.wait()
        service = start()
        run = wait_for(client, run_id, FINAL, seconds=30)
        assert run["status"] == "Failed" and "interrupted" in run["message"]
        assert activity_statuses(client, run_id) == {"Work": "Failed"}
        # The service still runs pipelines after the recovery.
        client.put(f"{FACTORY_PATH}/pipelines/Quick", json=QUICK)
        quick = client.post(f"{FACTORY_PATH}/pipelines/Quick/createRun").json()["runId"]
        assert wait_for(client, quick, FINAL)["status"] == "Succeeded"
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)
        client.close()
