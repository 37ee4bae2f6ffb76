"""Every kind of studio page checked by axe-core (WCAG 2.1 A and AA rules) in Chromium.

axe-core's script comes from the axe-playwright-python package (PyPI), evaluated in the page over
Playwright's protocol, so the pages' Content-Security-Policy stays as it is.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from pgfactory.store import ActivityRunRecord
from pgfactory.store.run_queries import RunQuery
from tests.fixtures.postgres import RunningServer
from tests.studio.conftest import Studio
from tests.studio.monitor.conftest import Monitor, script, wait_activity

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page: Page) -> list[str]:
    results: dict[str, Any] = Axe().run(page, options=RULES).response
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            f"{', '.join(str(node['target']) for node in violation['nodes'][:3])}"
            for violation in results["violations"]]


def factory_with_everything(monitor: Monitor, pg: RunningServer) -> tuple[str, str]:
    """A linked service, credential, runtime, dataset, two pipelines and their runs; the ids of a run and a Copy-less
    activity run in it."""
    monitor.postgres(pg)
    monitor.put("credentials", "ReportingIdentity", {"type": "ManagedIdentity", "typeProperties": {
        "resourceId": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/r"}})
    monitor.put("integrationruntimes", "OnPremises", {"type": "SelfHosted"})
    monitor.put("datasets", "Regions", {"type": "AzurePostgreSqlTable", "linkedServiceName": {
        "referenceName": "Pg", "type": "LinkedServiceReference"}, "typeProperties": {"schema": "public", "table": "r"}})
    monitor.pipeline("Nightly", script("Count", "SELECT 1 AS one"), {
        "name": "EachRegion", "type": "ForEach", "dependsOn": [{"activity": "Count", "dependencyConditions": ["Succeeded"]}],
        "typeProperties": {"items": {"value": "@createArray(1, 2)", "type": "Expression"},
                           "activities": [wait_activity(0, "Pause")]}},
        parameters={"day": {"type": "String", "defaultValue": "today"}, "limit": {"type": "Int", "defaultValue": 3}})
    monitor.pipeline("Broken", {"name": "Stop", "type": "Fail", "typeProperties": {"message": "no", "errorCode": "E1"}})
    succeeded = monitor.run("Nightly")
    monitor.wait(succeeded)
    monitor.wait(monitor.run("Broken"))
    run = monitor.get(succeeded)
    activities: list[ActivityRunRecord]
    activities, _ = monitor.studio.api.service.runs.query_activity_runs(
        monitor.scope, succeeded, RunQuery(run.run_start.replace(year=2000), run.run_start.replace(year=2100)))
    return succeeded, activities[0].activity_run_id


def test_every_page_passes_axe(studio: Studio, page: Page, pg_plain: RunningServer) -> None:
    monitor = Monitor(studio)
    studio.api.service.resources.put_factory(monitor.scope, {"properties": {}}, if_match=None)
    run_id, activity_run_id = factory_with_everything(monitor, pg_plain)
    page.goto(studio.url + "/login")
    found = {"/login": violations(page)}
    studio.sign_in(page)
    factory = studio.url + monitor.path.removesuffix("/monitor/runs")
    pages = ["/", "/manage/linked-services", "/manage/linked-services/new", "/manage/linked-services/new/AzurePostgreSql",
             "/manage/linked-services/Pg", "/manage/credentials", "/manage/credentials/new",
             "/manage/credentials/ReportingIdentity", "/manage/integration-runtimes", "/manage/integration-runtimes/new",
             "/author/pipelines", "/author/pipelines/new", "/author/pipelines/Nightly", "/author/datasets",
             "/author/datasets/Regions", "/monitor/runs", f"/monitor/runs/{run_id}",
             f"/monitor/runs/{run_id}/activities/{activity_run_id}"]
    page.goto(studio.url + "/")
    found["/ (factories)"] = violations(page)
    for path in pages:
        page.goto(factory + path)
        found[path] = violations(page)
    # states a page reaches by use: a form refused with its errors, a dialog open
    page.goto(factory + "/manage/linked-services/new/AzurePostgreSql")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    found["linked service form with errors"] = violations(page)
    page.goto(factory + "/author/pipelines/Nightly")
    page.get_by_role("button", name="Trigger now").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    found["Trigger now dialog"] = violations(page)
    assert {path: problems for path, problems in found.items() if problems} == {}
