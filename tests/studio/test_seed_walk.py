"""The seed's path, walked in Chromium from an empty service to a Copy activity's output.

ADF's how-to (../shared/seed/) creates an Azure Database for PostgreSQL linked service, tests it,
and uses it in a pipeline. Here, all in the studio: create a factory; Manage → New → search
"postgres" → fill an AzurePostgreSql 2.0 Basic auth linked service for a real TLS server → Test
connection succeeds, a wrong password fails at the authentication stage, fixed → Create; Author
the datasets and a Lookup → ForEach → Copy pipeline; Trigger now with a parameter; watch the run
succeed on its Monitor page (live, no reload); open the Copy activity's output.
The screenshots of this walk are the ones docs/ shows.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.fixtures.postgres import RunningServer
from tests.studio.conftest import Studio


def dataset(table: str) -> dict[str, Any]:
    return {"properties": {"type": "AzurePostgreSqlTable", "typeProperties": {"schema": "public", "table": table},
                           "linkedServiceName": {"referenceName": "SalesPostgres", "type": "LinkedServiceReference"}}}


PIPELINE = {"properties": {
    "parameters": {"minAmount": {"type": "Int", "defaultValue": 10}},
    "activities": [
        {"name": "LookupRegions", "type": "Lookup", "typeProperties": {
            "source": {"type": "AzurePostgreSqlSource", "query": "SELECT region FROM seed_regions WHERE active ORDER BY region"},
            "dataset": {"referenceName": "Orders", "type": "DatasetReference"}, "firstRowOnly": False}},
        {"name": "ForEachRegion", "type": "ForEach",
         "dependsOn": [{"activity": "LookupRegions", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {
             "items": {"value": "@activity('LookupRegions').output.value", "type": "Expression"},
             "isSequential": True,
             "activities": [{
                 "name": "CopyOrders", "type": "Copy",
                 "inputs": [{"referenceName": "Orders", "type": "DatasetReference"}],
                 "outputs": [{"referenceName": "OrdersCopy", "type": "DatasetReference"}],
                 "typeProperties": {
                     "source": {"type": "AzurePostgreSqlSource", "query": {"type": "Expression", "value":
                                "SELECT id, region, amount FROM seed_orders WHERE region = '@{item().region}' "
                                "AND amount >= @{pipeline().parameters.minAmount}"}},
                     "sink": {"type": "AzurePostgreSqlSink"}}}]}}]}}


def prepare_tables(pg: RunningServer) -> str:
    password = pg.create_role("seed_walker", "Seed-Walk-Passw0rd")
    pg.execute("DROP TABLE IF EXISTS seed_regions, seed_orders, seed_orders_copy")
    pg.execute("CREATE TABLE seed_regions (region text PRIMARY KEY, active boolean)")
    pg.execute("INSERT INTO seed_regions VALUES ('EU', true), ('US', true), ('APAC', false)")
    pg.execute("CREATE TABLE seed_orders AS SELECT g AS id, (ARRAY['EU', 'US', 'APAC'])[g % 3 + 1] AS region, "
               "g % 50 AS amount FROM generate_series(1, 3000) AS g")
    pg.execute("CREATE TABLE seed_orders_copy (id int, region text, amount int)")
    pg.execute("GRANT SELECT ON seed_regions, seed_orders TO seed_walker")
    pg.execute("GRANT SELECT, INSERT ON seed_orders_copy TO seed_walker")
    return password


def test_the_seed_path_from_a_new_linked_service_to_a_copy_output(studio: Studio, page: Page, pg_tls: RunningServer) -> None:
    password = prepare_tables(pg_tls)
    studio.sign_in(page)
    page.get_by_label("Name").fill("sales")
    page.get_by_role("button", name="Create factory").click()
    expect(page.get_by_role("heading", name="sales")).to_be_visible()

    # Manage: the linked service, tested before it is created
    page.get_by_role("navigation", name="Hubs").get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="+ New").click()
    page.get_by_label("Search connectors").fill("postgres")
    page.locator("#connector-results").get_by_role("link", name="Azure Database for PostgreSQL").click()
    expect(page.get_by_label("2.0 (recommended)")).to_be_checked()
    page.get_by_role("textbox", name="Name", exact=True).fill("SalesPostgres")
    page.get_by_label("Fully qualified domain name").fill(pg_tls.host)
    page.get_by_label("Port").fill(str(pg_tls.port))
    page.get_by_label("Database name").fill("postgres")
    page.get_by_label("SSL mode").select_option(label="Require")
    page.get_by_label("User name").fill("seed_walker")
    page.get_by_label("Password").fill(password)
    report = page.locator("#ls-test-report")
    with page.expect_response(lambda response: response.url.endswith("/-/test")):
        page.get_by_role("button", name="Test connection").click()
    expect(report.get_by_role("heading", name="Connection successful")).to_be_visible()
    studio.shot(page, "1-linked-service-tested")
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_response(lambda response: response.url.endswith("/-/test")):
        page.get_by_role("button", name="Test connection").click()
    expect(report.get_by_role("heading", name="Connection failed at the authentication stage")).to_be_visible()
    expect(report.get_by_role("alert")).to_contain_text("Hint:")
    studio.shot(page, "2-linked-service-wrong-password")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("row", name="SalesPostgres")).to_contain_text("Basic authentication")

    # Author: two datasets on it, then the pipeline
    hubs = page.get_by_role("navigation", name="Hubs")
    hubs.get_by_role("link", name="Author").click()
    resources = page.get_by_role("navigation", name="Factory resources")
    resources.get_by_role("link", name="Datasets").click()
    for name, table in (("Orders", "seed_orders"), ("OrdersCopy", "seed_orders_copy")):
        page.get_by_role("link", name="New dataset").click()
        page.get_by_label("Name").fill(name)
        page.get_by_label("Definition").fill(json.dumps(dataset(table), indent=2))
        expect(page.locator("#problems")).to_contain_text("No problems found")
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("status")).to_contain_text(f"Created dataset {name}")
        resources.get_by_role("link", name="Datasets").click()
    resources.get_by_role("link", name="Pipelines").click()
    page.get_by_role("link", name="New pipeline").click()
    page.get_by_label("Name").fill("CopyActiveRegions")
    page.get_by_label("Definition").fill(json.dumps(PIPELINE, indent=2))
    expect(page.locator("#problems")).to_contain_text("No problems found")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status")).to_contain_text("Created pipeline CopyActiveRegions")
    expect(page.locator("g.dg-container", has=page.locator("text.dg-name", has_text="ForEachRegion"))).to_be_visible()
    studio.shot(page, "3-pipeline-diagram")

    # Trigger now with a parameter, then Monitor follows the run to its end without a reload
    page.get_by_role("button", name="Trigger now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("minAmount (Int)")).to_have_value("10")
    dialog.get_by_label("minAmount (Int)").fill("25")
    dialog.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"/monitor/runs/[0-9a-f-]{36}$"))
    expect(page.locator(".status").first).to_have_text("Succeeded", timeout=60_000)
    copies = page.get_by_role("row").filter(has_text="CopyOrders")
    expect(copies).to_have_count(2)  # one per active region
    studio.shot(page, "4-run-succeeded")
    copies.first.get_by_role("button", name="Details of CopyOrders").click()
    output = page.get_by_role("dialog", name="CopyOrders").get_by_label("Output of CopyOrders")
    expect(output).to_contain_text('"rowsCopied": 500')  # 1,000 orders per region, half with an amount of 25 or more
    studio.shot(page, "5-copy-output")

    assert pg_tls.execute("SELECT region, count(*) FROM seed_orders_copy GROUP BY region ORDER BY region") == [
        ("EU", 500), ("US", 500)]
