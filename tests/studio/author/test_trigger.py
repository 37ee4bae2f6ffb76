"""Trigger now over HTTP: the parameters dialog, typed errors next to their fields, and a run that succeeds."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.store import PipelineRunRecord, ResourceKind, RunStatus, TokenRole
from pgfactory.store.run_queries import RunQuery
from tests.studio.author.conftest import author_url
from tests.studio.conftest import Studio

Clients = Callable[[TokenRole], httpx.Client]
PIPELINES = COLLECTIONS[ResourceKind.PIPELINES]
PARAMETERS = {
    "label": {"type": "String"},
    "count": {"type": "Int"},
    "ratio": {"type": "Float", "defaultValue": 0.5},
    "flag": {"type": "Bool", "defaultValue": True},
    "regions": {"type": "Array", "defaultValue": ["EU", "US"]},
    "options": {"type": "Object"},
    "secret": {"type": "SecureString", "defaultValue": "s3cret-default"},
}


def save_pipeline(studio: Studio, factory: FactoryScope) -> None:
    """A pipeline that needs no database: it sets a variable from its parameters, then waits a moment."""
    studio.api.service.resources.put(factory, PIPELINES, "Greet", {"properties": {
        "parameters": PARAMETERS,
        "variables": {"greeting": {"type": "String"}},
        "activities": [
            {"name": "Compose", "type": "SetVariable", "typeProperties": {
                "variableName": "greeting",
                "value": "@{pipeline().parameters.label} x@{pipeline().parameters.count} "
                         "in @{join(pipeline().parameters.regions, '+')}"}},
            {"name": "Pause", "type": "Wait", "dependsOn": [{"activity": "Compose", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"waitTimeInSeconds": 0}},
        ]}}, if_match=None)


def field_errors(answer: str) -> dict[str, str]:
    """Each field's error, by the field's name."""
    return {name: html.unescape(message) for name, message in
            re.findall(r'<p class="field-error" id="([^"]+)-error" role="alert">(.*?)</p>', answer)}


def control(answer: str, name: str) -> str:
    found = re.search(rf'<(?:input|select|textarea) id="field-{re.escape(name)}"[^>]*>', answer)
    assert found is not None, name
    return found[0]


def runs(studio: Studio, factory: FactoryScope) -> list[PipelineRunRecord]:
    now = datetime.now(UTC)
    return studio.api.service.runs.query_runs(factory, RunQuery(now - timedelta(hours=1), now + timedelta(hours=1)))[0]


def test_the_dialog_has_a_typed_control_per_parameter_with_its_default(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    dialog = signed_in(TokenRole.OPERATOR).post(author_url("pipelines", "Greet", "run-dialog")).text
    assert "<dialog id=\"run-dialog\"" in dialog and "data-dialog-show" in dialog
    assert 'type="text" value=""' in control(dialog, "parameters.label")
    assert 'type="number" value=""' in control(dialog, "parameters.count") and 'step="1"' in control(dialog, "parameters.count")
    assert 'value="0.5"' in control(dialog, "parameters.ratio") and 'step="any"' in control(dialog, "parameters.ratio")
    assert control(dialog, "parameters.flag").startswith("<select")
    assert re.search(r'<option value="true" selected>true</option>', dialog)
    assert control(dialog, "parameters.regions").startswith("<textarea")
    assert json.loads(html.unescape(re.search(r'id="field-parameters.regions"[^>]*>(.*?)</textarea>', dialog, re.DOTALL)[1])) \
        == ["EU", "US"]
    assert 'type="password" value=""' in control(dialog, "parameters.secret")
    assert "s3cret" not in dialog and "**********" not in dialog and "A default is stored; leave empty to use it." in dialog
    assert "label (String)" in dialog and "Required: no default." in dialog


def test_values_that_do_not_fit_their_type_are_refused_next_to_their_field(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    client = signed_in(TokenRole.OPERATOR)
    answer = client.post(author_url("pipelines", "Greet", "runs"), data={
        "parameters.label": "", "parameters.count": "1.5", "parameters.ratio": "lots", "parameters.flag": "true",
        "parameters.regions": '["EU",', "parameters.options": "[1, 2]", "parameters.secret": ""})
    assert answer.status_code == 422
    assert field_errors(answer.text) == {
        "parameters.label": "Enter a value: this parameter has no default.",
        "parameters.count": "Not a whole number.",
        "parameters.ratio": "Not a number.",
        "parameters.regions": "Not valid JSON: Expecting value at line 1, column 7.",
        "parameters.options": "Expected a JSON object: { ... }.",
    }
    # what was typed stays, and the first field in error takes the focus when the dialog opens again
    assert 'value="lots"' in control(answer.text, "parameters.ratio")
    assert "autofocus" in control(answer.text, "parameters.label")
    assert 'aria-invalid="true"' in control(answer.text, "parameters.count")
    assert runs(studio, factory) == []


def test_unsaved_changes_must_be_saved_before_a_run(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    client = signed_in(TokenRole.OPERATOR)
    saved = studio.api.service.resources.get(factory, PIPELINES, "Greet").properties
    same = json.dumps({"properties": saved}, indent=4)  # formatting is not a change
    dialog = client.post(author_url("pipelines", "Greet", "run-dialog"), data={"definition": same}).text
    assert "unsaved changes" not in dialog and ">Run</button>" in dialog
    edited = json.dumps({"properties": {**saved, "activities": []}})
    warned = client.post(author_url("pipelines", "Greet", "run-dialog"), data={"definition": edited}).text
    assert "This pipeline has unsaved changes" in warned and ">Run</button>" not in warned


def test_trigger_now_creates_a_run_and_sends_the_browser_to_monitor(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    client = signed_in(TokenRole.OPERATOR)
    answer = client.post(author_url("pipelines", "Greet", "runs"), headers={"HX-Request": "true"}, data={
        "parameters.label": "hello", "parameters.count": "3", "parameters.ratio": "0.5", "parameters.flag": "false",
        "parameters.regions": '["EU", "APAC"]', "parameters.options": '{"mode": "full"}', "parameters.secret": ""})
    assert answer.status_code == 200
    target = re.fullmatch(r"/studio/f/[^/]+/rg1/adf1/monitor/runs/([0-9a-f-]{36})", answer.headers["HX-Redirect"])
    assert target is not None
    run_id = target[1]
    deadline = time.monotonic() + 20
    while (run := studio.api.service.runs.get_run(factory, run_id)).status not in {"Succeeded", "Failed", "Cancelled"}:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.05)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.pipeline_name == "Greet"
    assert run.parameters == {"label": "hello", "count": 3, "ratio": 0.5, "flag": False, "regions": ["EU", "APAC"],
                              "options": {"mode": "full"}, "secret": "**********"}
    # without htmx (no script), the same form answers with a redirect
    plain = client.post(author_url("pipelines", "Greet", "runs"), data={
        "parameters.label": "again", "parameters.count": "1", "parameters.options": "{}"})
    assert plain.status_code == 303 and "/monitor/runs/" in plain.headers["location"]


def test_only_operators_and_contributors_run_pipelines(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    reader = signed_in(TokenRole.READER)
    assert reader.post(author_url("pipelines", "Greet", "run-dialog")).status_code == 403
    refused = reader.post(author_url("pipelines", "Greet", "runs"), data={"parameters.label": "x", "parameters.count": "1",
                                                                          "parameters.options": "{}"})
    assert refused.status_code == 403 and "operator" in refused.text
    assert runs(studio, factory) == []
    contributor = signed_in(TokenRole.CONTRIBUTOR)
    assert contributor.post(author_url("pipelines", "Greet", "run-dialog")).status_code == 200
