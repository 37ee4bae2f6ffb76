"""Monitor in Chromium: a run updating live, a Copy's rows and throughput, an activity's output, cancel from the list."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.fixtures.postgres import RunningServer
from tests.studio.monitor.conftest import PG, Monitor, wait_activity


def test_a_running_run_updates_live_to_succeeded_without_a_reload(monitor: Monitor, page: Page) -> None:
    monitor.pipeline("Nap", wait_activity(0.2, "Settle"), {
        "name": "Nap", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 3},
        "dependsOn": [{"activity": "Settle", "dependencyConditions": ["Succeeded"]}]})
    run_id = monitor.run("Nap")
    monitor.wait(run_id, {"InProgress"})
    monitor.studio.sign_in(page)
    page.goto(f"{monitor.runs_url}/{run_id}")
    live = page.locator("#run-live")
    expect(live.locator(".run-status")).to_contain_text("InProgress")
    page.evaluate("window.notReloaded = true")
    expect(page.get_by_role("img", name=re.compile(r"^Nap: InProgress"))).to_be_visible()
    monitor.studio.shot(page, "run-in-progress")
    expect(live.locator(".run-status")).to_contain_text("Succeeded", timeout=20_000)
    expect(page.get_by_role("img", name=re.compile(r"^Nap: Succeeded"))).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    expect(live.get_by_text("updating live")).to_have_count(0)
    monitor.studio.shot(page, "run-succeeded")


def test_a_copy_shows_its_rows_and_throughput_and_its_output_opens(monitor: Monitor, page: Page,
                                                                   pg_plain: RunningServer) -> None:
    pg_plain.execute("DROP TABLE IF EXISTS public.studio_source, public.studio_target")
    pg_plain.execute("CREATE TABLE public.studio_source AS "
                     "SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 1500) AS g")
    pg_plain.execute("CREATE TABLE public.studio_target (id int, label text)")
    monitor.postgres(pg_plain)
    for name, table in (("Source", "studio_source"), ("Target", "studio_target")):
        monitor.put("datasets", name, {"type": "AzurePostgreSqlTable", "linkedServiceName": PG,
                                       "typeProperties": {"schema": "public", "table": table}})
    monitor.pipeline("CopyTable", {
        "name": "CopyRows", "type": "Copy",
        "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
        "outputs": [{"referenceName": "Target", "type": "DatasetReference"}],
        "typeProperties": {"source": {"type": "AzurePostgreSqlSource"}, "sink": {"type": "AzurePostgreSqlSink"}}})
    run_id = monitor.run("CopyTable")
    assert monitor.wait(run_id).status == "Succeeded"
    monitor.studio.sign_in(page)
    page.goto(monitor.runs_url)
    page.get_by_role("link", name="CopyTable").click()
    row = page.get_by_role("row").filter(has_text="CopyRows")
    expect(row.locator('td[data-label="Rows copied"]')).to_have_text("1,500")
    expect(row.locator('td[data-label="Throughput"]')).to_have_text(re.compile(r"^\d+\.\d\d [KMG]B/s$"))
    monitor.studio.shot(page, "copy-run")
    page.get_by_role("button", name="Details of CopyRows").click()
    dialog = page.get_by_role("dialog", name="CopyRows")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Output of CopyRows")).to_contain_text('"rowsCopied": 1500')
    expect(dialog.locator(".copy-statistics")).to_contain_text("Rows copied1,500")
    monitor.studio.shot(page, "copy-output")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.set_viewport_size({"width": 420, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    monitor.studio.shot(page, "copy-run-narrow")


def test_cancel_a_running_run_from_the_list_and_filter_it_without_a_reload(monitor: Monitor, page: Page) -> None:
    monitor.pipeline("Forever", wait_activity(120))
    monitor.pipeline("Quick", wait_activity(0))
    quick = monitor.run("Quick")
    monitor.wait(quick)
    run_id = monitor.run("Forever")
    monitor.wait(run_id, {"InProgress"})
    monitor.studio.sign_in(page)
    page.goto(monitor.runs_url)
    page.evaluate("window.notReloaded = true")
    row = page.get_by_role("row").filter(has_text="Forever")
    expect(row.get_by_role("cell", name="InProgress")).to_be_visible()
    monitor.studio.shot(page, "list-running")
    row.get_by_role("button", name=re.compile(r"^Cancel run")).click()
    expect(row.locator('td[data-label="Status"]')).to_have_text("Cancelled")
    assert monitor.get(run_id).status == "Cancelled"
    expect(row.get_by_role("button", name=re.compile(r"^Rerun run"))).to_be_visible()
    monitor.studio.shot(page, "list-cancelled")

    page.get_by_label("Pipeline", exact=True).select_option("Quick")
    expect(page).to_have_url(f"{monitor.runs_url}?pipeline=Quick")
    expect(page.get_by_role("row").filter(has_text="Forever")).to_have_count(0)
    expect(page.get_by_role("link", name="Quick")).to_be_visible()
    page.get_by_label("Time range").select_option("custom")
    expect(page.get_by_label("From (UTC)")).to_be_visible()
    expect(page).to_have_url(f"{monitor.runs_url}?pipeline=Quick&range=custom")
    assert page.evaluate("window.notReloaded") is True
    page.go_back()
    expect(page).to_have_url(f"{monitor.runs_url}?pipeline=Quick")
    page.go_back()
    expect(page).to_have_url(monitor.runs_url)
    expect(page.get_by_role("row").filter(has_text="Forever")).to_be_visible()
    page.set_viewport_size({"width": 420, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    monitor.studio.shot(page, "list-narrow")
