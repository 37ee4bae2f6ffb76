"""Debug over HTTP: the dialog built from the editor's text, its problems shown with their paths, the draft run."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pgfactory.service.scope import FactoryScope
from pgfactory.store import PipelineRunRecord, RunStatus, TokenRole
from pgfactory.store.run_queries import RunQuery
from tests.studio.author.conftest import author_url
from tests.studio.author.test_trigger import PIPELINES, control, field_errors, runs, save_pipeline
from tests.studio.conftest import Studio

Clients = Callable[[TokenRole], httpx.Client]
HTMX = {"HX-Request": "true"}


def draft_of_greet(studio: Studio, factory: FactoryScope) -> dict[str, Any]:
    """Greet as the editor shows it, changed: a new parameter with a default, and another greeting."""
    properties = studio.api.service.resources.get(factory, PIPELINES, "Greet").properties
    properties["parameters"]["punctuation"] = {"type": "String", "defaultValue": "!"}
    properties["activities"][0]["typeProperties"]["value"] = \
        "draft: @{pipeline().parameters.label}@{pipeline().parameters.punctuation}"
    return {"properties": properties}


def finished(studio: Studio, factory: FactoryScope, run_id: str) -> PipelineRunRecord:
    deadline = time.monotonic() + 20
    while (run := studio.api.service.runs.get_run(factory, run_id)).status not in {"Succeeded", "Failed", "Cancelled"}:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.05)
    return run


def composed(studio: Studio, factory: FactoryScope, run_id: str) -> Any:
    """The value the run's Compose activity set."""
    now = datetime.now(UTC)
    activities, _ = studio.api.service.runs.query_activity_runs(factory, run_id, RunQuery(now - timedelta(hours=1),
                                                                                           now + timedelta(hours=1)))
    return next(activity.output["value"] for activity in activities if activity.activity_name == "Compose")


def test_the_dialog_is_built_from_the_editors_text(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    text = json.dumps(draft_of_greet(studio, factory), indent=2)
    dialog = signed_in(TokenRole.OPERATOR).post(author_url("pipelines", "Greet", "debug-dialog"), data={"definition": text})
    assert dialog.status_code == 200
    assert "Debug: Greet" in dialog.text and "without saving it" in dialog.text
    assert 'value="!"' in control(dialog.text, "parameters.punctuation")  # declared only in the unsaved text
    assert 'type="number"' in control(dialog.text, "parameters.count")
    # the dialog carries the text it was built from, which is what runs
    kept = re.search(r'<input type="hidden" name="definition" value="([^"]*)">', dialog.text)
    assert kept is not None and html.unescape(kept[1]) == text
    assert f'action="/studio{author_url("pipelines", "Greet", "debug")}"' in dialog.text


def test_debug_runs_the_draft_and_leaves_the_saved_pipeline_alone(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    saved = studio.api.service.resources.get(factory, PIPELINES, "Greet")
    client = signed_in(TokenRole.OPERATOR)
    answer = client.post(author_url("pipelines", "Greet", "debug"), headers=HTMX, data={
        "definition": json.dumps(draft_of_greet(studio, factory)), "parameters.label": "hello", "parameters.count": "2",
        "parameters.options": "{}", "parameters.punctuation": "?"})
    assert answer.status_code == 200, answer.text
    target = re.fullmatch(r"/studio/f/[^/]+/rg1/adf1/monitor/runs/([0-9a-f-]{36})", answer.headers["HX-Redirect"])
    assert target is not None
    run = finished(studio, factory, target[1])
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.invoked_by.name == "Debug" and run.parameters["punctuation"] == "?"
    assert composed(studio, factory, run.run_id) == "draft: hello?"
    assert studio.api.service.resources.get(factory, PIPELINES, "Greet") == saved
    # Monitor says who ran it, in the list and on the run's page
    monitor = f"/f/{factory.subscription_id}/{factory.resource_group}/{factory.factory_name}/monitor/runs"
    assert re.search(r'data-label="Triggered by">\s*Debug\s*</td>', client.get(monitor).text)
    assert re.search(r"<dt>Triggered by</dt><dd>\s*Debug\s*</dd>", client.get(f"{monitor}/{run.run_id}").text)


def test_a_new_pipeline_debug_runs_before_it_is_created(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    client = signed_in(TokenRole.CONTRIBUTOR)
    text = json.dumps({"properties": {"variables": {"v": {"type": "String"}}, "activities": [
        {"name": "Compose", "type": "SetVariable", "typeProperties": {"variableName": "v", "value": "fresh"}}]}})
    dialog = client.post(author_url("pipelines", "new", "debug-dialog"), data={"name": "Fresh", "definition": text}).text
    assert "Debug: Fresh" in dialog and '<input type="hidden" name="name" value="Fresh">' in dialog
    assert "This pipeline takes no parameters." in dialog
    answer = client.post(author_url("pipelines", "new", "debug"), data={"name": "Fresh", "definition": text})
    assert answer.status_code == 303
    run = finished(studio, factory, answer.headers["location"].rsplit("/", 1)[1])
    assert run.status == RunStatus.SUCCEEDED and run.pipeline_name == "Fresh" and run.invoked_by.name == "Debug"
    assert composed(studio, factory, run.run_id) == "fresh"
    assert not studio.api.service.resources.exists(factory, PIPELINES, "Fresh")
    # its run page offers to rerun from the draft's activities (a rerun repeats the draft; nothing is saved to read)
    run_page = client.get(studio.api.url + answer.headers["location"]).text
    assert '<option value="Compose">Compose</option>' in run_page
    # a name the factory uses already is refused, as Create would refuse it
    save_pipeline(studio, factory)
    taken = client.post(author_url("pipelines", "new", "debug-dialog"), data={"name": "Greet", "definition": text})
    assert taken.status_code == 422 and "a pipeline named &#39;Greet&#39; already exists" in taken.text


def test_problems_are_listed_with_their_paths_and_nothing_runs(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    client = signed_in(TokenRole.OPERATOR)
    broken = client.post(author_url("pipelines", "Greet", "debug-dialog"), data={"definition": '{"properties": {'})
    assert broken.status_code == 422 and "nothing was run" in broken.text
    assert "JSON syntax error at line 1, column 17" in broken.text and ">Run</button>" not in broken.text
    draft = draft_of_greet(studio, factory)
    draft["properties"]["activities"][1]["dependsOn"][0]["activity"] = "Composer"
    text = json.dumps(draft)
    for path in ("debug-dialog", "debug"):
        answer = client.post(author_url("pipelines", "Greet", path), data={
            "definition": text, "parameters.label": "x", "parameters.count": "1", "parameters.options": "{}"})
        assert answer.status_code == 422
        assert '<code class="author-path">properties.activities[1].dependsOn[0].activity</code>' in answer.text
        assert "depends on &#39;Composer&#39;" in answer.text
    # a parameter that does not fit its type is refused next to its field
    typed = client.post(author_url("pipelines", "Greet", "debug"), data={
        "definition": json.dumps(draft_of_greet(studio, factory)), "parameters.label": "x", "parameters.count": "two",
        "parameters.options": "{}"})
    assert typed.status_code == 422 and field_errors(typed.text) == {"parameters.count": "Not a whole number."}
    assert runs(studio, factory) == []


def test_only_operators_and_contributors_debug_and_each_post_needs_the_csrf_token(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    save_pipeline(studio, factory)
    text = json.dumps(draft_of_greet(studio, factory))
    data = {"definition": text, "parameters.label": "x", "parameters.count": "1", "parameters.options": "{}"}
    reader = signed_in(TokenRole.READER)
    assert reader.post(author_url("pipelines", "Greet", "debug-dialog"), data={"definition": text}).status_code == 403
    refused = reader.post(author_url("pipelines", "Greet", "debug"), data=data)
    assert refused.status_code == 403 and "operator" in refused.text
    operator = signed_in(TokenRole.OPERATOR)
    del operator.headers["X-CSRF-Token"]
    forged = operator.post(author_url("pipelines", "Greet", "debug"), data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403 and "security token" in forged.text
    assert runs(studio, factory) == []
    answer = operator.post(author_url("pipelines", "Greet", "debug"),
                           data={**data, "csrf_token": operator.cookies["pgfactory_csrf"]})
    assert answer.status_code == 303
    assert [run.invoked_by.name for run in runs(studio, factory)] == ["Debug"]
    # the editor page offers Debug to the roles that may use it
    page = author_url("pipelines", "Greet")
    assert ">Debug</button>" in operator.get(page).text and ">Debug</button>" not in reader.get(page).text
