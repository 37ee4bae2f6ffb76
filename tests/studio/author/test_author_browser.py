"""Authoring in Chromium: a Lookup -> ForEach(Copy) pipeline pasted and typed into the editor, checked as it is
typed, saved, drawn, and run with Trigger now against a real PostgreSQL server."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.sync_api import Page, expect

from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.store import ResourceKind, RunStatus, TokenRole
from tests.api.test_faults import linked_service
from tests.fixtures.postgres import RunningServer
from tests.studio.author.conftest import author_url
from tests.studio.conftest import Studio

FINISHED = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}


def table_dataset(table: str) -> dict[str, Any]:
    return {"properties": {"type": "AzurePostgreSqlTable", "typeProperties": {"schema": "public", "table": table},
                           "linkedServiceName": {"referenceName": "Warehouse", "type": "LinkedServiceReference"}}}


def pipeline(*, depends_on: str = "ReadRegions", sink: str = "RegionsCopy") -> dict[str, Any]:
    """Lookup the regions (as many as the ``limit`` parameter says), then copy each region's rows."""
    return {"properties": {
        "parameters": {"limit": {"type": "Int"}, "label": {"type": "String", "defaultValue": "nightly"}},
        "activities": [
            {"name": "ReadRegions", "type": "Lookup", "typeProperties": {
                "source": {"type": "AzurePostgreSqlSource",
                           "query": "SELECT region FROM author_regions ORDER BY region LIMIT @{pipeline().parameters.limit}"},
                "dataset": {"referenceName": "Regions", "type": "DatasetReference"}, "firstRowOnly": False}},
            {"name": "EachRegion", "type": "ForEach",
             "dependsOn": [{"activity": depends_on, "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {
                 "items": {"value": "@activity('ReadRegions').output.value", "type": "Expression"},
                 "activities": [{
                     "name": "CopyRegion", "type": "Copy",
                     "inputs": [{"referenceName": "Regions", "type": "DatasetReference"}],
                     "outputs": [{"referenceName": sink, "type": "DatasetReference"}],
                     "typeProperties": {
                         "source": {"type": "AzurePostgreSqlSource",
                                    "query": "SELECT region, people FROM author_regions WHERE region = '@{item().region}'"},
                         "sink": {"type": "AzurePostgreSqlSink"}}}]}},
        ]}}


def prepare(studio: Studio, factory: FactoryScope, pg: RunningServer) -> None:
    pg.execute("DROP TABLE IF EXISTS author_regions, author_regions_copy")
    pg.execute("CREATE TABLE author_regions (region text PRIMARY KEY, people int)")
    pg.execute("INSERT INTO author_regions VALUES ('APAC', 3), ('EU', 1), ('US', 2)")
    pg.execute("CREATE TABLE author_regions_copy (region text, people int)")
    resources = studio.api.service.resources
    resources.put(factory, COLLECTIONS[ResourceKind.LINKED_SERVICES], "Warehouse",
                  linked_service(pg.host, pg.port, pg.server.superuser_password), if_match=None)
    for name, table in (("Regions", "author_regions"), ("RegionsCopy", "author_regions_copy")):
        resources.put(factory, COLLECTIONS[ResourceKind.DATASETS], name, table_dataset(table), if_match=None)


def test_author_a_lookup_foreach_copy_pipeline_and_trigger_it(
        studio: Studio, factory: FactoryScope, pg_plain: RunningServer, page: Page) -> None:
    prepare(studio, factory, pg_plain)
    studio.sign_in(page)
    page.goto(studio.url + author_url("pipelines"))
    expect(page.get_by_text("No pipeline yet.")).to_be_visible()
    page.get_by_role("link", name="New pipeline").click()
    expect(page.get_by_role("heading", name="New pipeline")).to_be_visible()
    studio.shot(page, "new-pipeline")

    page.get_by_label("Name").fill("CopyRegions")
    editor = page.get_by_label("Definition")
    problems = page.locator("#problems")
    # pasted with two mistakes: a dependency on an activity that does not exist, a dataset that does not exist
    editor.fill(json.dumps(pipeline(depends_on="ReadRegion", sink="RegionCopy"), indent=2))
    expect(problems).to_contain_text("properties.activities[1].dependsOn[0].activity")
    expect(problems).to_contain_text("depends on 'ReadRegion', which is not an activity of the same container")
    expect(problems).to_contain_text("properties.activities[1].typeProperties.activities[0].outputs[0].referenceName")
    expect(problems).to_contain_text("there is no dataset 'RegionCopy'")
    # the diagram follows the text: the ForEach is a container, marked for its missing dependency
    each = page.locator("g.dg-container", has=page.locator("text.dg-name", has_text="EachRegion"))
    expect(each).to_have_class(re.compile("dg-has-missing"))
    studio.shot(page, "problems")
    # fixed, but the closing brace is still to be typed: broken JSON, with its line and column
    fixed = json.dumps(pipeline(), indent=2)
    editor.fill(fixed[:-1])
    last_line = fixed.count("\n") + 1
    expect(problems).to_contain_text(f"JSON syntax error at line {last_line}, column 1: Expecting ',' delimiter")
    problems.get_by_role("button", name=f"Go to line {last_line}, column 1").click()
    expect(editor).to_be_focused()  # the caret is where the text breaks off: type the brace there
    assert editor.evaluate("element => element.selectionStart") == len(fixed) - 1
    editor.press_sequentially("}")
    expect(problems).to_contain_text("No problems found")
    expect(each).not_to_have_class(re.compile("dg-has-missing"))
    studio.shot(page, "no-problems")

    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="CopyRegions")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Created pipeline CopyRegions")
    copy_box = page.locator("g.dg-activity:not(.dg-container)", has=page.locator("text.dg-name", has_text="CopyRegion"))
    expect(each.locator("text.dg-lane-label")).to_have_text("Activities")
    outer, inner = each.locator("rect.dg-box").first.bounding_box(), copy_box.locator("rect.dg-box").bounding_box()
    assert outer is not None and inner is not None
    assert outer["x"] < inner["x"] and inner["x"] + inner["width"] < outer["x"] + outer["width"]
    assert outer["y"] < inner["y"] and inner["y"] + inner["height"] < outer["y"] + outer["height"]
    read = page.locator("g.dg-activity", has=page.locator("text.dg-name", has_text="ReadRegions")).locator("rect.dg-box")
    read_box = read.bounding_box()
    assert read_box is not None and read_box["x"] + read_box["width"] < outer["x"]  # left to right by dependency
    expect(page.locator("path.dg-line-succeeded")).to_have_count(1)
    page.get_by_text("Activities as a list").click()
    expect(page.locator(".dg-outline")).to_contain_text("EachRegion ForEach, after ReadRegions (Succeeded)")
    studio.shot(page, "saved-diagram")

    # an edit not saved yet: Trigger now says to save first (runs use the saved definition)
    editor.fill(fixed.replace('"nightly"', '"weekly"'))
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Trigger now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This pipeline has unsaved changes")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()
    page.reload()

    page.get_by_role("button", name="Trigger now").click()
    expect(dialog.get_by_role("heading", name="Trigger now: CopyRegions")).to_be_visible()
    expect(dialog.get_by_label("label (String)")).to_have_value("nightly")
    limit = dialog.get_by_label("limit (Int)")
    expect(limit).to_be_focused()
    dialog.get_by_role("button", name="Run").click()
    expect(dialog.get_by_label("limit (Int)")).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_contain_text("Enter a value: this parameter has no default.")
    studio.shot(page, "trigger-errors")
    dialog.get_by_label("limit (Int)").fill("2")
    dialog.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(re.escape(studio.url) + r"/f/[^/]+/rg1/adf1/monitor/runs/[0-9a-f-]{36}$"))
    studio.shot(page, "monitor")

    run_id = page.url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 30
    while (run := studio.api.service.runs.get_run(factory, run_id)).status not in FINISHED:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.1)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.parameters == {"limit": 2, "label": "nightly"}
    assert pg_plain.execute("SELECT region, people FROM author_regions_copy ORDER BY region") == [("APAC", 3), ("EU", 1)]


def test_the_editor_reads_well_in_a_narrow_window_and_readers_cannot_change_it(
        studio: Studio, factory: FactoryScope, pg_plain: RunningServer, page: Page) -> None:
    prepare(studio, factory, pg_plain)
    studio.api.service.resources.put(factory, COLLECTIONS[ResourceKind.PIPELINES], "CopyRegions", pipeline(), if_match=None)
    studio.sign_in(page, TokenRole.READER)
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto(studio.url + author_url("pipelines"))
    expect(page.get_by_role("link", name="CopyRegions")).to_be_visible()
    expect(page.get_by_role("link", name="New pipeline")).to_have_count(0)
    studio.shot(page, "list-narrow")
    page.get_by_role("link", name="CopyRegions").click()
    expect(page.get_by_label("Definition")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Trigger now")).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # the diagram scrolls inside its frame
    scroller = page.locator(".dg-scroll")
    assert scroller.evaluate("element => element.scrollWidth > element.clientWidth")
    studio.shot(page, "edit-narrow")
    page.goto(studio.url + author_url("datasets"))
    expect(page.get_by_role("link", name="Warehouse").first).to_be_visible()
    studio.shot(page, "datasets-narrow")
