"""No secret in clear text anywhere, after a full run through the API.

A linked service with a SecureString password (a real role on the test PostgreSQL), a pipeline with
a SecureString parameter that its Script selects, a SetVariable copies and a failing Script echoes
in PostgreSQL's error, run through createRun, rerun with the referenced run's parameters, queried
and tested. Then the password and the parameter's value are looked for in every response body of
the session, every log line of pgfactory and uvicorn at DEBUG, and the store: each table and
column through SQL, and every file of the state folder as raw bytes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from pgfactory.service import tokens
from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY_PATH, RunningApi, serve, start_service
from tests.fixtures.postgres import RunningServer

PG = {"referenceName": "Pg", "type": "LinkedServiceReference"}
PIPELINE = {"properties": {
    "parameters": {"token": {"type": "SecureString"}},
    "variables": {"copy": {"type": "String"}},
    "activities": [
        {"name": "Select", "type": "Script", "linkedServiceName": PG, "typeProperties": {"scripts": [
            {"type": "Query", "text": "SELECT '@{pipeline().parameters.token}' AS echoed"}]}},
        {"name": "Keep", "type": "SetVariable", "dependsOn": [{"activity": "Select", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"variableName": "copy", "value": "@pipeline().parameters.token"}},
        # PostgreSQL's error quotes the value: invalid input syntax for type integer: "<token>"
        {"name": "Fail", "type": "Script", "linkedServiceName": PG,
         "dependsOn": [{"activity": "Keep", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"scripts": [{"type": "Query", "text": "SELECT '@{variables('copy')}'::int"}]}},
    ]}}


@contextlib.contextmanager
def captured(text: io.StringIO, *names: str) -> Iterator[None]:
    """Every record of the loggers ``names`` at DEBUG, tracebacks included, written to ``text``."""
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).addHandler(handler)
    try:
        yield
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(levels[name])


def test_no_secret_in_responses_logs_or_the_store(tmp_path: Path, pg_plain: RunningServer) -> None:
    password = f"pw{secrets.token_hex(12)}"
    token = f"tok{secrets.token_hex(12)}"
    pg_plain.create_role("secretive", password)
    state = tmp_path / "state"
    logs = io.StringIO()
    bodies: list[bytes] = []
    with captured(logs, "pgfactory"):
        service = start_service(state)
        keys = {role: tokens.issue(service.store, f"test-{role.value}", role)[1] for role in TokenRole}
        served = serve(service, tmp_path, log_level="debug")
        try:
            url = next(served)
            # uvicorn set up its loggers as it started (their handlers replaced): captured from here on.
            api = RunningApi(url, tmp_path / "ca.pem", service, keys)
            with captured(logs, "uvicorn", "uvicorn.access"), api.client() as client:
                client.event_hooks["response"].append(lambda response: bodies.append(response.read()))
                run_everything(client, pg_plain, password, token)
        finally:
            served.close()
            service.stop()

    assert len(bodies) > 15 and any(b"**********" in body for body in bodies)
    places = {f"response {index}": body for index, body in enumerate(bodies)}
    places["the log"] = logs.getvalue().encode()
    assert b"POST /subscriptions/" in places["the log"]  # the access log was captured
    places.update(store_columns(state / "runs.db"))
    places.update({f"file {path.name}": path.read_bytes() for path in state.iterdir() if path.is_file()})
    leaks = [f"{secret!r} in {place}" for place, content in places.items()
             for secret in (password, token) if secret.encode() in content]
    assert not leaks, leaks


def run_everything(client: httpx.Client, pg: RunningServer, password: str, token: str) -> None:
    assert client.put(FACTORY_PATH, json={"location": "local"}).status_code == 200
    linked_service = {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": pg.host, "port": pg.port, "database": "postgres", "sslMode": 0, "authenticationType": "BasicAuth",
        "username": "secretive", "password": {"type": "SecureString", "value": password}}}}
    assert client.put(f"{FACTORY_PATH}/linkedservices/Pg", json=linked_service).status_code == 200
    assert client.put(f"{FACTORY_PATH}/pipelines/Leaky", json=PIPELINE).status_code == 200
    for path in ("linkedservices", "linkedservices/Pg", "pipelines", "pipelines/Leaky"):
        assert client.get(f"{FACTORY_PATH}/{path}").status_code == 200
    report = client.post(f"{FACTORY_PATH}/testConnection", json={"linkedServiceName": "Pg"}).json()
    assert report["succeeded"], report

    first = client.post(f"{FACTORY_PATH}/pipelines/Leaky/createRun", json={"token": token}).json()["runId"]
    failed = wait_for(client, first)
    assert failed["status"] == "Failed" and "invalid input syntax" in failed["message"], failed
    rerun = client.post(f"{FACTORY_PATH}/pipelines/Leaky/createRun", params={"referencePipelineRunId": first}).json()["runId"]
    assert wait_for(client, rerun)["status"] == "Failed"

    now = datetime.now(UTC)
    window = {"lastUpdatedAfter": (now - timedelta(hours=1)).isoformat(),
              "lastUpdatedBefore": (now + timedelta(hours=1)).isoformat()}
    runs = client.post(f"{FACTORY_PATH}/queryPipelineRuns", json=window).json()["value"]
    assert {run["runId"] for run in runs} == {first, rerun}
    for run_id in (first, rerun):
        activities = client.post(f"{FACTORY_PATH}/pipelineruns/{run_id}/queryActivityruns", json=window).json()["value"]
        by_name = {activity["activityName"]: activity for activity in activities}
        assert set(by_name) == {"Select", "Keep", "Fail"}
        # The value went where the test means it to: through the Script's SQL into its output, and into Fail's error.
        assert by_name["Select"]["output"]["resultSets"][0]["rows"] == [{"echoed": "**********"}]
        assert "invalid input syntax for type integer" in by_name["Fail"]["error"]["message"]


def wait_for(client: httpx.Client, run_id: str) -> Any:
    deadline = time.monotonic() + 30
    while True:
        run = client.get(f"{FACTORY_PATH}/pipelineruns/{run_id}").json()
        if run["status"] in ("Succeeded", "Failed", "Cancelled"):
            return run
        assert time.monotonic() < deadline, f"run {run_id} is still {run['status']}"
        time.sleep(0.05)


def store_columns(database: Path) -> dict[str, bytes]:
    """Each column of each table of the SQLite store, its values joined, read through SQL (read-only)."""
    columns: dict[str, bytes] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"pipeline_runs", "activity_runs", "resources", "run_requests"} <= set(tables)
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            names = [description[0] for description in cursor.description]
            rows = cursor.fetchall()
            for index, name in enumerate(names):
                columns[f"column {table}.{name}"] = b"\n".join(
                    value if isinstance(value, bytes) else str(value).encode() for value in (row[index] for row in rows))
    return columns


@pytest.mark.parametrize(("password", "target"), [
    ({"type": "SecureStrin", "value": "hunter2-secret"}, "properties.typeProperties.password"),
    ({"value": "hunter2-secret"}, "properties.typeProperties.password"),
    (["hunter2-secret"], "properties.typeProperties.password"),
    ({"type": "SecureString", "value": {"text": "hunter2-secret"}}, "properties.typeProperties.password.value"),
])
def test_a_secret_the_store_could_not_seal_is_refused(api: RunningApi, password: Any, target: str) -> None:
    linked_service = {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": "127.0.0.1", "database": "postgres", "username": "someone", "password": password}}}
    with api.client() as client:
        assert client.put(FACTORY_PATH, json={"location": "local"}).status_code == 200
        answer = client.put(f"{FACTORY_PATH}/linkedservices/Pg", json=linked_service)
        assert answer.status_code == 400 and "hunter2-secret" not in answer.text
        assert answer.json()["error"] == {"code": "InvalidResourceDefinition", "target": target,
                                          "message": answer.json()["error"]["message"]}
        assert client.get(f"{FACTORY_PATH}/linkedservices/Pg").status_code == 404
        # A parameter that happens to be called "password" is a declaration, not a secret.
        pipeline = {"properties": {"parameters": {"password": {"type": "String", "defaultValue": "not-a-secret"}},
                                   "activities": []}}
        assert client.put(f"{FACTORY_PATH}/pipelines/Named", json=pipeline).status_code == 200
