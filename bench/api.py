#!/usr/bin/env python3
"""REST API latency against a bare FastAPI route of the same call shape, measured in one run.

``pgfactory serve``'s app and a reference app are served by uvicorn in this process, over HTTP on
loopback, and one keep-alive httpx client calls both. The reference routes sit at the same paths,
take the same query and body, and answer the very JSON pgfactory answered (captured once), so
what separates the two is pgfactory's own work: the API key check, the store, the definitions.
Measured: GET a pipeline, list a factory's 100 pipelines, createRun (the service's worker is not
started: the run stays Queued, so the queue is what is measured), and queryPipelineRuns of one
page (100 runs) with ``--runs`` runs stored, inserted straight through the store in bulk; and three
of the studio's pages (signed in by cookie), whose reference routes answer the same HTML. Calls
alternate between the two apps in rounds, so that the machine's drift touches both alike.

    .venv/bin/python -m bench.api [--calls 600] [--runs 100000] [--postgres-store]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import secrets
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import URL, select

from pgfactory.api.app import create_app
from pgfactory.embedded.server import EmbeddedPostgres
from pgfactory.service import tokens
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import Service, ServiceSettings
from pgfactory.store import InvokedBy, PipelineRunRecord, RunStatus, TokenRole
from pgfactory.store.run_queries import PIPELINE_RUNS, RunQuery, apply_query, parse_time
from pgfactory.store.run_store import insert_pipeline_run
from pgfactory.store.schema import pipeline_runs

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
GROUP = "bench"
FACTORY = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.DataFactory/factories/bench"
STUDIO = f"/studio/f/{SUBSCRIPTION}/{GROUP}/bench"
VERSION = {"api-version": "2018-06-01"}
PIPELINES = 100
STATUSES = (RunStatus.SUCCEEDED,) * 8 + (RunStatus.FAILED, RunStatus.CANCELLED)
LINKED_SERVICE = {"properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
    "server": "127.0.0.1", "port": 5432, "database": "postgres", "sslMode": 0, "authenticationType": "BasicAuth",
    "username": "bench", "password": {"type": "SecureString", "value": "not-a-real-password"}}}}
# A pipeline of the size users write: parameters, a Script, a Lookup after it.
PIPELINE = {"properties": {
    "parameters": {"label": {"type": "String"}, "count": {"type": "Int", "defaultValue": 3}},
    "activities": [
        {"name": "Prepare", "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
         "typeProperties": {"scripts": [
             {"type": "NonQuery", "text": "CREATE TABLE IF NOT EXISTS runs (label text)"},
             {"type": "NonQuery", "text": "INSERT INTO runs VALUES ('@{pipeline().parameters.label}')"}]}},
        {"name": "Count", "type": "Lookup", "dependsOn": [{"activity": "Prepare", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"source": {"type": "AzurePostgreSqlSource", "query": "SELECT @{pipeline().parameters.count} AS n"},
                            "dataset": {"referenceName": "Table", "type": "DatasetReference"}}}]}}


@dataclass(frozen=True)
class Call:
    """One call shape: its method, path and JSON body; and the target its p95 must stay under, if any."""

    label: str
    method: str
    path: str
    body: Any = None
    target_ms: float | None = None


def store_runs(service: Service, factory_id: int, count: int) -> None:
    """``count`` finished runs of the factory's pipelines over the last 30 days, in one transaction."""
    now = datetime.now(UTC)
    randomly = random.Random(7)
    with service.store.database.write() as connection:
        for index in range(count):
            start = now - timedelta(seconds=randomly.uniform(0, 30 * 86_400))
            run = PipelineRunRecord(run_id=str(uuid.UUID(int=randomly.getrandbits(128), version=4)),
                                    pipeline_name=f"p{index % PIPELINES:03d}", status=RunStatus.QUEUED, run_start=start,
                                    parameters={"label": f"run {index}", "count": index % 10}, invoked_by=InvokedBy())
            run.finish(STATUSES[index % len(STATUSES)], at=start + timedelta(seconds=randomly.uniform(1, 600)),
                       message="" if run.status != RunStatus.FAILED else "Operation on target Prepare failed")
            insert_pipeline_run(connection, run, factory_id=factory_id)


def reference_app(answers: dict[str, Any]) -> FastAPI:
    """Bare routes of the same shape, sync and answering a JSONResponse like pgfactory's, with what pgfactory answered."""
    app = FastAPI()

    @app.get(FACTORY + "/pipelines/{name}")
    def get_pipeline(name: str) -> JSONResponse:
        return JSONResponse(answers["get"])

    @app.get(FACTORY + "/pipelines")
    def list_pipelines() -> JSONResponse:
        return JSONResponse(answers["list"])

    @app.post(FACTORY + "/pipelines/{name}/createRun")
    def create_run(name: str, body: Annotated[dict[str, Any] | None, Body()] = None) -> JSONResponse:
        return JSONResponse({"runId": str(uuid.uuid4())})

    @app.post(FACTORY + "/queryPipelineRuns")
    def query_pipeline_runs(body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        return JSONResponse(answers["query filtered" if body.get("filters") else "query"])

    @app.get(STUDIO + "/{page:path}")
    def studio_page(page: str) -> HTMLResponse:
        return HTMLResponse(answers[f"{STUDIO}/{page}"])

    return app


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a free loopback port, in a thread of this process, until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY then
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()


def answer_of(client: httpx.Client, call: Call) -> Any:
    """What pgfactory answers ``call``: JSON from the API, HTML from the studio."""
    answer = client.request(call.method, call.path, json=call.body)
    return answer.text if call.path.startswith("/studio/") else answer.json()


def timed(client: httpx.Client, call: Call) -> float:
    started = time.perf_counter()
    answer = client.request(call.method, call.path, json=call.body)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{call.label}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def measure(call: Call, subject: httpx.Client, reference: httpx.Client, calls: int) -> tuple[list[float], list[float]]:
    """Latencies in ms of ``calls`` calls to each, in alternating rounds of a tenth, after a few to warm up."""
    for client in (subject, reference):
        for _ in range(5):
            timed(client, call)
    mine: list[float] = []
    bare: list[float] = []
    rounds = 10
    for _ in range(rounds):
        mine += [timed(subject, call) for _ in range(calls // rounds)]
        bare += [timed(reference, call) for _ in range(calls // rounds)]
    return mine, bare


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(service: Service, runs: int) -> None:
    """The factory: a linked service, 100 pipelines, ``runs`` finished runs."""
    scope = FactoryScope(SUBSCRIPTION, GROUP, "bench")
    record, _ = service.resources.put_factory(scope, {"location": "local"}, if_match=None)
    service.resources.put(scope, COLLECTIONS["linkedservices"], "Pg", LINKED_SERVICE, if_match=None)
    for index in range(PIPELINES):
        service.resources.put(scope, COLLECTIONS["pipelines"], f"p{index:03d}", PIPELINE, if_match=None)
    started = time.perf_counter()
    store_runs(service, record.id, runs)
    print(f"{runs:,} pipeline runs stored in {time.perf_counter() - started:.1f} s")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--calls", type=int, default=600, help="calls of each shape to each app")
    arguments.add_argument("--runs", type=int, default=100_000, help="pipeline runs stored before queryPipelineRuns")
    arguments.add_argument("--postgres-store", action="store_true", help="the store in an embedded PostgreSQL, not SQLite")
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="pgfactory-bench-") as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        store_url = None  # SQLite in the state folder
        if options.postgres_store:
            password = secrets.token_urlsafe(16)
            server = stack.enter_context(EmbeddedPostgres(folder / "data", superuser_password=password))
            store_url = URL.create("postgresql+psycopg", username=server.superuser, password=password, host=server.host,
                                   port=server.port, database="postgres").render_as_string(hide_password=False)
        # The worker is never started: what createRun queues stays queued.
        service = Service(ServiceSettings(state_dir=folder / "state", store_url=store_url, max_queued=10 * options.calls + 100))
        stack.callback(service.store.close)
        seed(service, options.runs)
        key = tokens.issue(service.store, "bench", TokenRole.CONTRIBUTOR)[1]
        now = datetime.now(UTC)
        window = {"lastUpdatedAfter": (now - timedelta(days=31)).isoformat(),
                  "lastUpdatedBefore": (now + timedelta(hours=1)).isoformat()}
        calls = [
            Call("GET a pipeline", "GET", f"{FACTORY}/pipelines/p042"),
            Call("list pipelines (100)", "GET", f"{FACTORY}/pipelines"),
            Call("createRun", "POST", f"{FACTORY}/pipelines/p042/createRun", {"label": "nightly", "count": 7}, 20),
            Call(f"queryPipelineRuns, {options.runs:,} stored", "POST", f"{FACTORY}/queryPipelineRuns", window, 50),
            Call("  same, PipelineName filter", "POST", f"{FACTORY}/queryPipelineRuns", {**window, "filters": [
                {"operand": "PipelineName", "operator": "Equals", "values": ["p042"]}]}, 50),
            # The studio's pages: the first 25 runs of the last 30 days, a pipeline's editor (its JSON checked
            # and its diagram drawn), a linked service's form.
            Call("studio: Monitor runs page", "GET", f"{STUDIO}/monitor/runs?range=30d", target_ms=100),
            Call("studio: pipeline editor", "GET", f"{STUDIO}/author/pipelines/p042", target_ms=100),
            Call("studio: linked service form", "GET", f"{STUDIO}/manage/linked-services/Pg", target_ms=100),
        ]
        headers = {"Authorization": f"Bearer {key}"}
        cookies = {"pgfactory_session": key, "pgfactory_csrf": "bench"}  # the studio's session, as a browser holds it
        subject_url = stack.enter_context(served(create_app(service)))
        subject = stack.enter_context(httpx.Client(base_url=subject_url, params=VERSION, headers=headers, cookies=cookies,
                                                   timeout=60))
        names = ("get", "list", "create", "query", "query filtered")
        answers = {name: answer_of(subject, call) for name, call in zip(names, calls, strict=False)}
        answers |= {call.path.split("?")[0]: answer_of(subject, call) for call in calls[len(names):]}
        assert len(answers["list"]["value"]) == PIPELINES and len(answers["query"]["value"]) == 100
        assert answers[f"{STUDIO}/monitor/runs"].count('data-label="Pipeline"') == 25, "the runs page shows 25 runs"
        reference_url = stack.enter_context(served(reference_app(answers)))
        reference = stack.enter_context(httpx.Client(base_url=reference_url, params=VERSION, headers=headers, timeout=60))

        print(f"{'call':<34} {'pgfactory median / p95':>24} {'bare FastAPI median / p95':>27} {'ratio':>7}  target")
        for call in calls:
            mine, bare = measure(call, subject, reference, options.calls)
            median, bare_median = statistics.median(mine), statistics.median(bare)
            verdict = "" if call.target_ms is None else (
                f"< {call.target_ms:.0f} ms: {'met' if percentile(mine, 0.95) < call.target_ms else 'MISSED'}")
            print(f"{call.label:<34} {median:>9.2f} / {percentile(mine, 0.95):>6.2f} ms {bare_median:>12.2f} / "
                  f"{percentile(bare, 0.95):>6.2f} ms {median / bare_median:>6.1f}x  {verdict}")
        explain(service, calls[3])


def explain(service: Service, call: Call) -> None:
    """The store's plan for the page query, to read beside its latency."""
    factory = service.resources.factory(FactoryScope(SUBSCRIPTION, GROUP, "bench"))
    query = RunQuery(parse_time(call.body["lastUpdatedAfter"]), parse_time(call.body["lastUpdatedBefore"]))
    statement = apply_query(select(pipeline_runs).where(pipeline_runs.c.factory_id == factory.id), PIPELINE_RUNS, query)
    with service.store.database.read() as connection:
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
        plan = connection.exec_driver_sql(prefix + str(compiled)).all()
    print("queryPipelineRuns' plan:", "; ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main()
