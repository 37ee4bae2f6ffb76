"""Debug in Chromium: a saved pipeline edited and not saved, debugged with a parameter, its draft's result in Monitor."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from pgfactory.service.scope import FactoryScope
from tests.studio.author.conftest import author_url
from tests.studio.author.test_trigger import PIPELINES
from tests.studio.conftest import Studio


def greeting(value: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {
        "parameters": parameters,
        "variables": {"greeting": {"type": "String"}},
        "activities": [{"name": "Compose", "type": "SetVariable", "dependsOn": [],
                        "typeProperties": {"variableName": "greeting", "value": value}}]}}


def test_debug_an_unsaved_edit_and_watch_its_result_in_monitor(studio: Studio, factory: FactoryScope, page: Page) -> None:
    saved = greeting("Hello @{pipeline().parameters.who}", {"who": {"type": "String"}})
    studio.api.service.resources.put(factory, PIPELINES, "Greet", saved, if_match=None)
    studio.sign_in(page)
    page.goto(studio.url + author_url("pipelines", "Greet"))
    editor = page.get_by_label("Definition")
    dialog = page.get_by_role("dialog")

    # an edit with a mistake: Debug lists it with its property path, and runs nothing
    draft = greeting("Debugged: @{pipeline().parameters.who}@{pipeline().parameters.punctuation}",
                     {"who": {"type": "String"}, "punctuation": {"type": "String", "defaultValue": "!"}})
    mistaken = json.loads(json.dumps(draft))
    mistaken["properties"]["activities"][0]["dependsOn"] = [{"activity": "Prepare", "dependencyConditions": ["Succeeded"]}]
    editor.fill(json.dumps(mistaken, indent=2))
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Debug").click()
    expect(dialog.get_by_role("heading", name="Debug: Greet")).to_be_visible()
    expect(dialog).to_contain_text("nothing was run")
    expect(dialog.locator("code.author-path")).to_have_text("properties.activities[0].dependsOn[0].activity")
    studio.shot(page, "debug-problem")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()

    # fixed, still not saved: the dialog asks for the draft's parameters, its new default filled in
    editor.fill(json.dumps(draft, indent=2))
    page.get_by_role("button", name="Debug").click()
    expect(dialog.get_by_role("heading", name="Debug: Greet")).to_be_visible()
    expect(dialog.get_by_label("punctuation (String)")).to_have_value("!")
    dialog.get_by_label("who (String)").fill("world")
    studio.shot(page, "debug-dialog")
    dialog.get_by_role("button", name="Run").click()

    expect(page).to_have_url(re.compile(re.escape(studio.url) + r"/f/[^/]+/rg1/adf1/monitor/runs/[0-9a-f-]{36}$"))
    expect(page.locator(".run-status")).to_contain_text("Succeeded")
    expect(page.locator("dt", has_text="Triggered by").locator("xpath=following-sibling::dd")).to_have_text("Debug")
    studio.shot(page, "debug-run")
    page.get_by_role("button", name="Details of Compose").click()
    details = page.get_by_role("dialog", name="Compose")
    expect(details.get_by_label("Output of Compose")).to_contain_text('"value": "Debugged: world!"')
    studio.shot(page, "debug-output")
    assert studio.api.service.resources.get(factory, PIPELINES, "Greet").properties == saved["properties"]

    # the runs list says Debug too
    page.goto(studio.url + f"/f/{factory.subscription_id}/{factory.resource_group}/{factory.factory_name}/monitor/runs")
    expect(page.get_by_role("row").filter(has_text="Greet").locator('td[data-label="Triggered by"]')).to_have_text("Debug")
    studio.shot(page, "debug-in-list")
