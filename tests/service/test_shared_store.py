"""Two service processes' worth of services on one PostgreSQL store: every run is run exactly once."""

from __future__ import annotations

import time
from pathlib import Path

from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import Service, ServiceSettings
from pgfactory.service.worker import WorkerSettings
from pgfactory.store import RunOptions
from tests.fixtures.postgres import RunningServer
from tests.store.databases import new_database

SCOPE = FactoryScope("sub", "rg", "Shared")
QUICK = {"properties": {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}}]}}


def test_services_sharing_a_postgresql_store_split_the_runs_and_run_each_once(tmp_path: Path,
                                                                              pg_plain: RunningServer) -> None:
    url = new_database(pg_plain, "shared_service_store").render_as_string(hide_password=False)
    services = [Service(ServiceSettings(state_dir=tmp_path / f"state{index}", store_url=url, worker=WorkerSettings(
        max_running=2, heartbeat_seconds=0.2, stale_after_seconds=5))) for index in range(2)]
    # Both must seal with one key, as processes sharing a store share PGFACTORY_SECRET_KEY.
    services[1].resources.key = services[0].resources.key
    first = services[0]
    first.resources.put_factory(SCOPE, {"location": "local"}, if_match=None)
    first.resources.put(SCOPE, COLLECTIONS["pipelines"], "Quick", QUICK, if_match=None)
    run_ids = [services[index % 2].runs.create_run(SCOPE, "Quick", None, RunOptions()) for index in range(40)]
    for service in services:
        service.start()
    try:
        deadline = time.monotonic() + 60
        while any(first.runs.get_run(SCOPE, run_id).status != "Succeeded" for run_id in run_ids):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        runners = {first.store.queue.get(run_id).claimed_by for run_id in run_ids}  # type: ignore[union-attr]
        assert runners == {service.worker.instance_id for service in services}  # both took a share
        for run_id in run_ids:  # and each run ran once: one activity run, never two
            assert [run.activity_name for run in first.store.runs.activity_runs(run_id)] == ["Wait"]
    finally:
        for service in services:
            service.stop()


def test_a_cancel_sent_to_one_service_stops_a_child_run_another_service_runs(tmp_path: Path,
                                                                            pg_plain: RunningServer) -> None:
    url = new_database(pg_plain, "shared_cancel_store").render_as_string(hide_password=False)
    running, asked = (Service(ServiceSettings(state_dir=tmp_path / name, store_url=url, worker=WorkerSettings(
        max_running=2, heartbeat_seconds=0.2, stale_after_seconds=5))) for name in ("running", "asked"))
    asked.resources.key = running.resources.key
    running.resources.put_factory(SCOPE, {"location": "local"}, if_match=None)
    running.resources.put(SCOPE, COLLECTIONS["linkedservices"], "Pg", {"properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
            "server": pg_plain.host, "port": pg_plain.port, "database": "postgres", "sslMode": 0,
            "authenticationType": "BasicAuth", "username": "postgres",
            "password": {"type": "SecureString", "value": pg_plain.server.superuser_password}}}}, if_match=None)
    running.resources.put(SCOPE, COLLECTIONS["pipelines"], "Child", {"properties": {"activities": [{
        "name": "Sleep", "type": "Script", "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
        "typeProperties": {"scripts": [{"type": "NonQuery", "text": "SELECT pg_sleep(30)"}]}}]}}, if_match=None)
    running.resources.put(SCOPE, COLLECTIONS["pipelines"], "Parent", {"properties": {"activities": [{
        "name": "RunChild", "type": "ExecutePipeline",
        "typeProperties": {"pipeline": {"referenceName": "Child", "type": "PipelineReference"}}}]}}, if_match=None)
    parent = running.runs.create_run(SCOPE, "Parent", None, RunOptions())
    running.start()  # only this one runs pipelines; the other only answers
    try:
        deadline = time.monotonic() + 30
        while not (children := running.store.runs.child_run_ids(parent)) or \
                running.runs.get_run(SCOPE, children[0]).status != "InProgress":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        asked.runs.cancel(SCOPE, children[0], recursive=False)
        while running.runs.get_run(SCOPE, children[0]).status not in ("Cancelled", "Failed", "Succeeded"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert running.runs.get_run(SCOPE, children[0]).status == "Cancelled"
    finally:
        running.stop()
        asked.store.close()
