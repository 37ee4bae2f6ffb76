"""Pipelines and datasets over HTTP: lists, create from JSON, validation with property paths, save, delete, roles."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pgfactory.errors import NotFoundError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.resources import PipelineResource
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.store import ResourceKind, TokenRole
from tests.studio.author.conftest import author_url
from tests.studio.conftest import Studio

Clients = Callable[[TokenRole], httpx.Client]
PIPELINES = COLLECTIONS[ResourceKind.PIPELINES]
DATASETS = COLLECTIONS[ResourceKind.DATASETS]
LINKED_SERVICES = COLLECTIONS[ResourceKind.LINKED_SERVICES]


def problems(html: str) -> list[tuple[str, str]]:
    """(property path, message) of each problem a check shows; the path is "" for the text as a whole."""
    found = []
    for item in re.findall(r'<li class="author-problem[^"]*">(.*?)</li>', html, re.DOTALL):
        path = re.search(r'<code class="author-path">(.*?)</code>', item)
        message = re.search(r'<span class="author-message">(.*?)</span>', item, re.DOTALL)
        assert message is not None
        found.append((path[1] if path else "", message[1].replace("&#39;", "'").replace("&#34;", '"')))
    return found


def followed(answer: httpx.Response) -> str:
    """Where a redirect sends the browser, relative to the studio (the clients' base URL)."""
    location = answer.headers["location"]
    assert location.startswith("/studio/")
    return location.removeprefix("/studio")


def text(properties: dict[str, Any]) -> str:
    return json.dumps({"properties": properties}, indent=2)


def lookup_foreach(dataset: str = "Regions") -> dict[str, Any]:
    return {"activities": [
        {"name": "ReadRegions", "type": "Lookup", "typeProperties": {
            "source": {"type": "AzurePostgreSqlSource", "query": "SELECT 1"},
            "dataset": {"referenceName": dataset, "type": "DatasetReference"}, "firstRowOnly": False}},
        {"name": "EachRegion", "type": "ForEach",
         "dependsOn": [{"activity": "ReadRegions", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"items": {"value": "@activity('ReadRegions').output.value", "type": "Expression"},
                            "activities": [{"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}},
    ]}


def linked_service_and_dataset(studio: Studio, factory: FactoryScope) -> None:
    resources = studio.api.service.resources
    resources.put(factory, LINKED_SERVICES, "Warehouse", {"properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
            "server": "127.0.0.1", "port": 5432, "database": "postgres", "username": "u", "sslMode": 2,
            "authenticationType": "BasicAuth", "password": {"type": "SecureString", "value": "pw"}}}}, if_match=None)
    resources.put(factory, DATASETS, "Regions", {"properties": {
        "type": "AzurePostgreSqlTable", "linkedServiceName": {"referenceName": "Warehouse", "type": "LinkedServiceReference"},
        "typeProperties": {"schema": "public", "table": "regions"}}}, if_match=None)


def test_a_pipeline_is_created_from_json_and_listed_with_its_activities_and_parameters(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    linked_service_and_dataset(studio, factory)
    client = signed_in(TokenRole.CONTRIBUTOR)
    new = client.get(author_url("pipelines", "new"))
    assert new.status_code == 200
    starter = re.search(r'<textarea id="field-definition"[^>]*>(.*?)</textarea>', new.text, re.DOTALL)
    assert starter is not None
    assert json.loads(starter[1].replace("&#34;", '"'))["properties"]["activities"][0]["type"] == "Wait"
    properties = {**lookup_foreach(), "parameters": {"window": {"type": "String", "defaultValue": "day"}},
                  "folder": {"name": "Nightly"}}
    created = client.post(author_url("pipelines", "new"), data={"name": "LoadRegions", "definition": text(properties)})
    assert created.status_code == 303
    assert created.headers["location"] == "/studio" + author_url("pipelines", "LoadRegions") + "?saved=created"
    saved = studio.api.service.resources.get(factory, PIPELINES, "LoadRegions")
    assert saved.properties["activities"] == properties["activities"]
    page = client.get(followed(created))
    assert "Created pipeline <strong>LoadRegions</strong>" in page.text and "No problems found" in page.text
    assert 'class="dg-activity dg-container dg-depth-0"' in page.text and ">EachRegion</text>" in page.text
    listed = client.get(author_url("pipelines")).text
    row = re.search(r"<tr>\s*<td data-label=\"Name\"><a [^>]*>LoadRegions</a></td>(.*?)</tr>", listed, re.DOTALL)
    assert row is not None
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[1])).split() == ["2", "+", "1", "inside", "window", "String",
                                                                              "Nightly"]
    new_dataset = client.get(author_url("datasets", "new")).text  # starts on the factory's PostgreSQL linked service
    assert "&#34;referenceName&#34;: &#34;Warehouse&#34;" in new_dataset
    datasets = client.get(author_url("datasets")).text
    assert re.search(r">Regions</a></td>\s*<td data-label=\"Type\">AzurePostgreSqlTable</td>\s*<td data-label=\"Linked "
                     r"service\"><a href=\"[^\"]*/manage/linked-services/Warehouse\">Warehouse</a></td>", datasets)


def test_validation_answers_every_problem_with_its_property_path(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    linked_service_and_dataset(studio, factory)
    client = signed_in(TokenRole.CONTRIBUTOR)
    broken = lookup_foreach(dataset="Nowhere")
    broken["activities"][1]["dependsOn"] = [{"activity": "ReadRegionz", "dependencyConditions": ["Succeeded"]}]
    broken["parameters"] = {"window": {"defaultValue": "day"}}
    # a missing required property (a parameter's type) is what parsing reports; nothing else is checked yet
    answer = client.post(author_url("pipelines", "new", "validate"), data={"name": "P", "definition": text(broken)})
    assert answer.status_code == 200
    assert problems(answer.text) == [("properties.parameters.window.type", "required property is missing")]
    # then the factory-wide checks, all of them: a dependency on a missing activity, a missing dataset, and an
    # expression naming an activity that is not upstream any more
    broken["parameters"]["window"]["type"] = "String"
    found = problems(client.post(author_url("pipelines", "new", "validate"), data={"name": "P", "definition": text(broken)}).text)
    assert [path for path, _ in found] == ["properties.activities[1].dependsOn[0].activity",
                                           "properties.activities[0].typeProperties.dataset.referenceName",
                                           "properties.activities[1].typeProperties.items.value"]
    assert "depends on 'ReadRegionz', which is not an activity of the same container" in found[0][1]
    assert found[1][1] == "there is no dataset 'Nowhere'"
    assert "activity('ReadRegions') is not an ancestor" in found[2][1]
    # the live diagram comes along, out of band
    assert '<div id="diagram" class="dg" hx-swap-oob="true">' in answer.text
    # a dataset without its linked service reference
    dataset = client.post(author_url("datasets", "new", "validate"),
                          data={"name": "D", "definition": text({"type": "AzurePostgreSqlTable", "typeProperties": {}})})
    assert problems(dataset.text) == [("properties.linkedServiceName", "required property is missing")]
    assert "hx-swap-oob" not in dataset.text
    elsewhere = {"type": "AzurePostgreSqlTable",
                 "linkedServiceName": {"referenceName": "Nowhere", "type": "LinkedServiceReference"}}
    dataset = client.post(author_url("datasets", "Regions", "validate"), data={"definition": text(elsewhere)})
    assert problems(dataset.text) == [("properties.linkedServiceName.referenceName",
                                       "linked service 'Nowhere' is not defined; add linkedService/Nowhere.json")]


def test_broken_json_is_reported_with_its_line_and_column(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    client = signed_in(TokenRole.CONTRIBUTOR)
    broken = '{\r\n  "properties": {\r\n    "activities": [\r\n      {"name": "A" "type": "Wait"}\r\n    ]\r\n  }\r\n}'
    answer = client.post(author_url("pipelines", "new", "validate"), data={"name": "P", "definition": broken})
    assert problems(answer.text) == [("", "JSON syntax error at line 4, column 20: Expecting ',' delimiter")]
    # the editor's caret goes to the same place: offsets count the browser's line breaks as one character
    offset = re.search(r'data-editor-goto="(\d+)">Go to line 4, column 20<', answer.text)
    assert offset is not None and broken.replace("\r\n", "\n")[int(offset[1]):].startswith('"type"')
    assert "hx-swap-oob" not in answer.text  # the diagram keeps what it showed
    refused = client.post(author_url("pipelines", "new"), data={"name": "P", "definition": broken})
    assert refused.status_code == 422 and "line 4, column 20" in refused.text
    assert list(studio.api.service.resources.list(factory, PIPELINES, after=None, limit=10)[0]) == []


def test_names_are_checked_before_anything_is_saved(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    client = signed_in(TokenRole.CONTRIBUTOR)
    body = text({"activities": []})
    assert client.post(author_url("pipelines", "new"), data={"name": "Taken", "definition": body}).status_code == 303
    taken = client.post(author_url("pipelines", "new"), data={"name": "taken", "definition": body})
    assert taken.status_code == 422
    assert ("name", "a pipeline named 'taken' already exists; choose another name") in problems(taken.text)
    assert 'id="name-error"' in taken.text  # also under the Name field
    bad = client.post(author_url("pipelines", "new", "validate"), data={"name": "a/b", "definition": body})
    assert problems(bad.text)[0][0] == "name" and "is not allowed" in problems(bad.text)[0][1]
    renamed = client.post(author_url("pipelines", "Taken"),
                          data={"definition": json.dumps({"name": "Other", "properties": {"activities": []}})})
    assert renamed.status_code == 422 and problems(renamed.text)[0][0] == "name"


def test_saving_replaces_the_definition_unless_someone_saved_since(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    client = signed_in(TokenRole.CONTRIBUTOR)
    resources = studio.api.service.resources
    view, _ = resources.put(factory, PIPELINES, "P", {"properties": {"activities": []}}, if_match=None)
    page = client.get(author_url("pipelines", "P"))
    etag = re.search(r'name="etag" value="([^"]+)"', page.text)
    assert etag is not None and html.unescape(etag[1]) == view.etag and "No activities yet" in page.text
    waits = {"activities": [{"name": "W", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}
    saved = client.post(author_url("pipelines", "P"), data={"definition": text(waits), "etag": view.etag})
    assert saved.status_code == 303 and saved.headers["location"].endswith("/author/pipelines/P?saved=saved")
    assert resources.get(factory, PIPELINES, "P").properties == waits
    stale = client.post(author_url("pipelines", "P"), data={"definition": text({"activities": []}), "etag": view.etag})
    assert stale.status_code == 409 and "saved by someone else after you opened it" in stale.text
    assert "Unsaved changes</span>" in stale.text and "data-unsaved hidden" not in stale.text
    # what the store refuses is shown with the rest, nothing saved
    refused = client.post(author_url("pipelines", "P"), data={"definition": text({"activities": {"no": "list"}})})
    assert refused.status_code == 422 and problems(refused.text)[0][0] == "properties.activities"
    assert resources.get(factory, PIPELINES, "P").properties == waits


def test_delete_warns_about_the_pipelines_that_use_it(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    linked_service_and_dataset(studio, factory)
    resources = studio.api.service.resources
    resources.put(factory, PIPELINES, "Child", {"properties": {"activities": []}}, if_match=None)
    resources.put(factory, PIPELINES, "Parent", {"properties": {"activities": [
        {"name": "If", "type": "IfCondition", "typeProperties": {"expression": {"value": "@true", "type": "Expression"},
         "ifTrueActivities": [{"name": "Run", "type": "ExecutePipeline", "typeProperties": {
             "pipeline": {"referenceName": "child", "type": "PipelineReference"}}}]}}]}}, if_match=None)
    resources.put(factory, PIPELINES, "Reader", {"properties": lookup_foreach()}, if_match=None)
    client = signed_in(TokenRole.CONTRIBUTOR)
    child = client.get(author_url("pipelines", "Child")).text
    assert re.search(r"These pipelines execute it.*<li><a [^>]*>Parent</a></li>", child, re.DOTALL)
    dataset = client.get(author_url("datasets", "Regions")).text
    assert re.search(r"These pipelines use it.*<li><a [^>]*>Reader</a></li>", dataset, re.DOTALL)
    assert "No pipeline executes it" in client.get(author_url("pipelines", "Reader")).text
    gone = client.post(author_url("pipelines", "Child", "delete"))
    assert gone.status_code == 303 and gone.headers["location"].endswith("/author/pipelines?deleted=Child")
    assert "Deleted pipeline <strong>Child</strong>" in client.get(followed(gone)).text
    with pytest.raises(NotFoundError):
        resources.get(factory, PIPELINES, "Child")


def test_readers_read_and_only_contributors_change(studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    resources = studio.api.service.resources
    resources.put(factory, PIPELINES, "P", {"properties": {"activities": []}}, if_match=None)
    reader = signed_in(TokenRole.READER)
    page = reader.get(author_url("pipelines", "P"))
    assert page.status_code == 200 and " readonly>" in page.text
    assert ">Save</button>" not in page.text and ">Delete</button>" not in page.text and "Trigger now" not in page.text
    assert "New pipeline" not in reader.get(author_url("pipelines")).text
    assert reader.get(author_url("pipelines", "new")).status_code == 403
    for path, data in ((("pipelines", "new"), {"name": "X", "definition": text({"activities": []})}),
                       (("pipelines", "P"), {"definition": text({"activities": []})}), (("pipelines", "P", "delete"), {})):
        refused = reader.post(author_url(*path), data=data)
        assert refused.status_code == 403 and "contributor" in refused.text, path
    operator = signed_in(TokenRole.OPERATOR)
    operator_page = operator.get(author_url("pipelines", "P")).text
    assert "Trigger now" in operator_page and ">Save</button>" not in operator_page
    assert operator.post(author_url("pipelines", "P", "delete")).status_code == 403
    assert [view.name for view in resources.list(factory, PIPELINES, after=None, limit=10)[0]] == ["P"]
    # and every change needs the CSRF token
    contributor = signed_in(TokenRole.CONTRIBUTOR)
    forged = contributor.post(author_url("pipelines", "P", "delete"), headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403 and "security token" in forged.text
    assert [view.name for view in resources.list(factory, PIPELINES, after=None, limit=10)[0]] == ["P"]


def test_a_secret_default_shows_masked_and_saving_the_mask_keeps_it(
        studio: Studio, factory: FactoryScope, signed_in: Clients) -> None:
    resources = studio.api.service.resources
    resources.put(factory, PIPELINES, "P", {"properties": {"activities": [], "parameters": {
        "token": {"type": "SecureString", "defaultValue": "s3cret-value"}}}}, if_match=None)
    client = signed_in(TokenRole.CONTRIBUTOR)
    page = client.get(author_url("pipelines", "P")).text
    assert "s3cret" not in page and "**********" in page and "No problems found" in page
    shown = re.search(r'<textarea id="field-definition"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert shown is not None
    edited = json.loads(html.unescape(shown[1]))
    edited["properties"]["activities"] = [{"name": "W", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}}]
    assert client.post(author_url("pipelines", "P"), data={"definition": json.dumps(edited)}).status_code == 303
    runnable = resources.runnable_factory(resources.factory(factory))
    model = runnable.resources[ModelKind.PIPELINE]["P"]
    assert isinstance(model, PipelineResource) and model.properties.parameters is not None
    assert model.properties.parameters["token"].default_value == "s3cret-value"
