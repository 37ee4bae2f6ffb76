"""Debug runs: the editor's draft run without saving it, checked as a save would check it, its secrets sealed."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pgfactory.errors import DefinitionError
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import Service
from pgfactory.store import PipelineRunRecord, ResourceKind, RunOptions, RunStatus
from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION, start_service
from tests.api.test_faults import linked_service
from tests.api.test_no_secrets import store_columns
from tests.fixtures.postgres import RunningServer

SCOPE = FactoryScope(SUBSCRIPTION, GROUP, FACTORY)
PIPELINES = COLLECTIONS[ResourceKind.PIPELINES]
PG = {"referenceName": "Pg", "type": "LinkedServiceReference"}
TABLE = "debug_marks"


def marking(mark: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pipeline whose Script inserts ``mark`` (an expression may name a parameter) into the marks table."""
    return {"properties": {"parameters": parameters or {}, "activities": [
        {"name": "Mark", "type": "Script", "linkedServiceName": PG, "typeProperties": {"scripts": [
            {"type": "NonQuery", "text": f"INSERT INTO {TABLE} VALUES ('{mark}')"}]}}]}}


@pytest.fixture
def service(tmp_path: Path, pg_plain: RunningServer) -> Iterator[Service]:
    pg_plain.execute(f"DROP TABLE IF EXISTS {TABLE}")
    pg_plain.execute(f"CREATE TABLE {TABLE} (mark text)")
    running = start_service(tmp_path / "state")
    try:
        running.resources.put_factory(SCOPE, {"properties": {}}, if_match=None)
        running.resources.put(SCOPE, COLLECTIONS[ResourceKind.LINKED_SERVICES], "Pg",
                              linked_service(pg_plain.host, pg_plain.port, pg_plain.server.superuser_password), if_match=None)
        yield running
    finally:
        running.stop()


def finished(service: Service, run_id: str) -> PipelineRunRecord:
    deadline = time.monotonic() + 20
    while (run := service.runs.get_run(SCOPE, run_id)).status not in {RunStatus.SUCCEEDED, RunStatus.FAILED,
                                                                        RunStatus.CANCELLED}:
        assert time.monotonic() < deadline, f"run {run_id} is still {run.status}"
        time.sleep(0.05)
    return run


def marks(pg: RunningServer) -> list[str]:
    return [mark for (mark,) in pg.execute(f"SELECT mark FROM {TABLE} ORDER BY mark")]


def test_a_debug_run_runs_the_draft_and_leaves_the_saved_pipeline_alone(service: Service, pg_plain: RunningServer) -> None:
    saved, _ = service.resources.put(SCOPE, PIPELINES, "Mark", marking("saved"), if_match=None)
    draft = marking("@{pipeline().parameters.label}", {"label": {"type": "String", "defaultValue": "draft-default"}})
    run_id = service.runs.create_debug_run(SCOPE, "mark", draft, {"label": "debugged"})  # the name as ADF compares it
    run = finished(service, run_id)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert marks(pg_plain) == ["debugged"]
    assert run.pipeline_name == "Mark" and run.parameters == {"label": "debugged"}
    assert run.invoked_by.name == "Debug" and run.to_adf()["invokedBy"]["name"] == "Debug"
    assert service.resources.get(SCOPE, PIPELINES, "Mark") == saved  # not saved: same definition, same etag
    # Trigger now runs the saved definition, invoked by hand
    manual = finished(service, service.runs.create_run(SCOPE, "Mark", None, RunOptions()))
    assert manual.status == RunStatus.SUCCEEDED and manual.invoked_by.name == "Manual"
    assert marks(pg_plain) == ["debugged", "saved"]


def test_a_pipeline_never_saved_debug_runs(service: Service, pg_plain: RunningServer) -> None:
    run = finished(service, service.runs.create_debug_run(SCOPE, "Brand new", marking("fresh"), None))
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.pipeline_name == "Brand new" and marks(pg_plain) == ["fresh"]
    assert not service.resources.exists(SCOPE, PIPELINES, "Brand new")


@pytest.mark.parametrize(("change", "parameters", "path"), [
    (lambda properties: properties["activities"].append(
        {"name": "Later", "type": "Wait", "dependsOn": [{"activity": "Marc", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"waitTimeInSeconds": 0}}), None, "properties.activities[1].dependsOn[0].activity"),
    (lambda properties: properties["activities"][0].update(linkedServiceName={"referenceName": "Nowhere",
                                                                             "type": "LinkedServiceReference"}),
     None, "properties.activities[0].linkedServiceName.referenceName"),
    (lambda properties: properties["activities"][0].pop("type"), None, "properties.activities[0].type"),
    (lambda properties: properties["parameters"].update(count={"type": "Int"}), {"count": "many"},
     "properties.parameters.count"),
    (lambda properties: properties["parameters"].update(token={"type": "SecureString", "defaultValue": "**********"}),
     # a mask where no secret is saved; the path is relative to properties, as a save's refusal says it
     None, "parameters.token.defaultValue"),
])
def test_a_draft_with_a_problem_is_refused_with_its_path_and_nothing_is_queued(
        service: Service, pg_plain: RunningServer, change: Any, parameters: dict[str, Any] | None, path: str) -> None:
    draft = marking("never")
    change(draft["properties"])
    with pytest.raises(DefinitionError) as refused:
        service.runs.create_debug_run(SCOPE, "Broken", draft, parameters)
    assert refused.value.property_path == path, refused.value
    assert service.store.queue.count_queued() == 0 and service.worker.running == []
    assert service.store.runs.list_pipeline_runs() == []


def test_a_secure_string_default_in_a_draft_is_sealed_and_masked(
        tmp_path: Path, service: Service, pg_plain: RunningServer) -> None:
    token = f"tok{secrets.token_hex(12)}"
    kept = f"kept{secrets.token_hex(12)}"
    secure = {"token": {"type": "SecureString", "defaultValue": token}}
    run = finished(service, service.runs.create_debug_run(SCOPE, "Secretive", marking(
        "@{pipeline().parameters.token}", secure), None))
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.parameters == {"token": "**********"}
    # A draft of a saved pipeline shows its saved secret as the mask, as the editor does: the saved one is used.
    service.resources.put(SCOPE, PIPELINES, "Kept", marking("@{pipeline().parameters.token}", {
        "token": {"type": "SecureString", "defaultValue": kept}}), if_match=None)
    shown = service.resources.get(SCOPE, PIPELINES, "Kept").properties
    assert shown["parameters"]["token"]["defaultValue"] == "**********"
    shown["activities"].append({"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}})
    again = finished(service, service.runs.create_debug_run(SCOPE, "Kept", {"properties": shown}, None))
    assert again.status == RunStatus.SUCCEEDED, again.message
    assert sorted(marks(pg_plain)) == sorted([token, kept])  # each ran with its secret ...
    places = store_columns(tmp_path / "state" / "runs.db")  # ... which the store holds nowhere in clear text
    assert any(b'"draft"' in value for place, value in places.items() if place == "column run_requests.options")
    leaks = [f"{secret!r} in {place}" for place, content in places.items() for secret in (token, kept)
             if secret.encode() in content]
    assert not leaks, leaks


def test_a_rerun_of_a_debug_run_reruns_the_draft(service: Service, pg_plain: RunningServer) -> None:
    service.resources.put(SCOPE, PIPELINES, "Mark", marking("saved"), if_match=None)
    draft = marking("@{pipeline().parameters.label}", {"label": {"type": "String"}})
    first = finished(service, service.runs.create_debug_run(SCOPE, "Mark", draft, {"label": "one"}))
    rerun = finished(service, service.runs.create_run(SCOPE, "Mark", None, RunOptions(
        reference_pipeline_run_id=first.run_id, is_recovery=True)))
    assert rerun.status == RunStatus.SUCCEEDED, rerun.message
    assert rerun.invoked_by.name == "Debug" and rerun.run_group_id == first.run_group_id
    assert rerun.parameters == {"label": "one"}
    assert service.runs.run_options(SCOPE, rerun.run_id).draft == service.runs.run_options(SCOPE, first.run_id).draft
    # a debug run of a pipeline never saved reruns too, from its failed activity
    failing = {"properties": {"activities": [
        *marking("before")["properties"]["activities"],
        {"name": "Check", "type": "Script", "linkedServiceName": PG, "dependsOn": [
            {"activity": "Mark", "dependencyConditions": ["Succeeded"]}], "typeProperties": {"scripts": [
                {"type": "NonQuery", "text": f"DO $$ BEGIN IF (SELECT count(*) FROM {TABLE} WHERE mark = 'fixed') = 0 "
                                             "THEN RAISE EXCEPTION 'not fixed yet'; END IF; END $$"}]}}]}}
    failed = finished(service, service.runs.create_debug_run(SCOPE, "Unsaved", failing, None))
    assert failed.status == RunStatus.FAILED and "not fixed yet" in failed.message
    pg_plain.execute(f"INSERT INTO {TABLE} VALUES ('fixed')")
    recovered = finished(service, service.runs.create_run(SCOPE, "Unsaved", None, RunOptions(
        reference_pipeline_run_id=failed.run_id, is_recovery=True, start_from_failure=True)))
    assert recovered.status == RunStatus.SUCCEEDED, recovered.message
    assert recovered.invoked_by.name == "Debug"
    assert marks(pg_plain) == ["before", "fixed", "one", "one"]  # Mark was not repeated: it had succeeded
