"""The "From Azure subscription" fragment over HTTP and in Chromium, against the Resource Manager stand-in."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pgfactory.service import tokens
from pgfactory.service.azure_accounts import AzureManagementSettings
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.service import Service, ServiceSettings
from pgfactory.service.worker import WorkerSettings
from pgfactory.store import TokenRole
from tests.api.conftest import RunningApi, serve
from tests.fixtures.azure_management import ARM_SCOPE, AzureManagementStandIn, use_service_principal
from tests.fixtures.entra import EntraStandIn
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE, make_factory, signed_in

ACCOUNTS = f"{FACTORY_URL}/manage/azure/accounts"


def studio_with(tmp_path: Path, test: str, azure: AzureManagementSettings) -> Iterator[Studio]:
    """The studio of a service configured to list Azure accounts with ``azure``."""
    service = Service(ServiceSettings(state_dir=tmp_path / "state", azure=azure,
                                      worker=WorkerSettings(max_running=1, heartbeat_seconds=0.2, stale_after_seconds=2)))
    service.start()
    keys = {role: tokens.issue(service.store, f"test-{role.value}", role)[1] for role in TokenRole}
    served = serve(service, tmp_path)
    try:
        studio = Studio(RunningApi(next(served), tmp_path / "ca.pem", service, keys), test)
        make_factory(studio)
        yield studio
    finally:
        served.close()
        service.stop()


@pytest.fixture
def azure_studio(tmp_path: Path, request: pytest.FixtureRequest, azure_management: AzureManagementStandIn,
                 entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    """Two subscriptions; Sales holds three flexible servers (two pages) with databases."""
    use_service_principal(entra, monkeypatch)
    sales = azure_management.add_subscription("Sales")
    azure_management.add_subscription("Analytics")
    azure_management.add_server(sales, "rg-data", "pg-b", databases=("postgres", "orders"))
    azure_management.add_server(sales, "rg-data", "pg-a")
    azure_management.add_server(sales, "rg-old", "pg-c", state="Stopped")
    yield from studio_with(tmp_path, request.node.name, AzureManagementSettings(endpoint=azure_management.url, scope=ARM_SCOPE))


def settled(page: Page) -> None:
    """Wait until htmx has swapped the answer in and processed it (it reads the new selects' attributes when settling)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def options(fragment: str, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of the select ``select_id``."""
    select = fragment.split(f'id="{select_id}"')[1].split("</select>")[0]
    return [(html.unescape(value), html.unescape(text.strip()), bool(selected))
            for value, selected, text in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)]


def input_value(fragment: str, input_id: str) -> str:
    match = re.search(rf'id="{input_id}" name="\w+" readonly value="([^"]*)"', fragment)
    assert match is not None, f"no input {input_id}"
    return html.unescape(match[1])


def test_each_choice_lists_the_next_and_the_form_gets_server_port_and_database(
        azure_studio: Studio, azure_management: AzureManagementStandIn) -> None:
    with signed_in(azure_studio) as client:
        first = client.get(ACCOUNTS, headers={"HX-Request": "true"}).text
        subscriptions = options(first, "azure-subscription")
        assert [text for _, text, _ in subscriptions] == ["Select a subscription", "Analytics", "Sales"]
        assert 'id="azure-server-name"' not in first and input_value(first, "azure-fqdn") == ""
        assert "service principal" in first  # who asks Azure is said
        sales_id = next(value for value, text, _ in subscriptions if text == "Sales")

        servers = client.get(ACCOUNTS, params={"azureSubscription": sales_id}).text
        assert [text for _, text, _ in options(servers, "azure-server-name")] == ["Select a server", "pg-a", "pg-b", "pg-c"]
        assert options(servers, "azure-subscription")[2] == (sales_id, "Sales", True)
        assert 'id="azure-database"' not in servers

        chosen = client.get(ACCOUNTS, params={"azureSubscription": sales_id, "azureServer": "PG-B", "database": "orders"}).text
        assert options(chosen, "azure-database") == [("", "Select a database", False), ("orders", "orders", True),
                                                     ("postgres", "postgres", False)]
        assert [selected for _, text, selected in options(chosen, "azure-server-name") if text == "pg-b"] == [True]
        assert input_value(chosen, "azure-fqdn") == "pg-b.postgres.database.azure.com"
        assert input_value(chosen, "azure-port") == "5432"
        # a server of another subscription is no choice in this one: the selects below it start over
        elsewhere = client.get(ACCOUNTS, params={"azureSubscription": sales_id, "azureServer": "pg-elsewhere"}).text
        assert 'id="azure-database"' not in elsewhere and input_value(elsewhere, "azure-fqdn") == ""
    server_pages = [request for request in azure_management.served() if request.path.endswith("/flexibleServers")]
    assert len(server_pages) == 2  # both pages once, then from the service's short-lived cache


def test_when_resource_manager_refuses_the_fragment_says_what_failed(
        tmp_path: Path, request: pytest.FixtureRequest, azure_management: AzureManagementStandIn, entra: EntraStandIn,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_service_principal(entra, monkeypatch)
    wrong_audience = AzureManagementSettings(endpoint=azure_management.url, scope="https://vault.azure.net/.default")
    for studio in studio_with(tmp_path, request.node.name, wrong_audience):
        with signed_in(studio) as client:
            fragment = html.unescape(client.get(ACCOUNTS, headers={"HX-Request": "true"}).text)
        assert "Azure could not be asked." in fragment and "HTTP 401 InvalidAuthenticationTokenAudience" in fragment
        assert "Try again" in fragment and "Enter manually" in fragment
        assert 'id="azure-subscription"' not in fragment


def test_without_azure_credentials_the_fragment_says_why_it_is_unavailable_and_how_to_configure_it(studio: Studio) -> None:
    make_factory(studio)
    with signed_in(studio) as client:
        fragment = client.get(ACCOUNTS, headers={"HX-Request": "true"}).text
    assert "Choosing from an Azure subscription is unavailable:" in fragment
    assert "this pgfactory service was started without Azure credentials" in fragment
    assert "--azure-credential environment" in fragment and "AZURE_CLIENT_SECRET" in fragment
    assert "<select" not in fragment and 'name="server"' not in fragment


def test_a_service_told_to_use_its_environment_names_the_variables_it_lacks(
        tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for studio in studio_with(tmp_path, request.node.name, AzureManagementSettings()):
        with signed_in(studio) as client:
            fragment = client.get(ACCOUNTS).text
        assert "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET are not set there" in fragment
        with signed_in(studio, TokenRole.READER) as reader:
            assert reader.get(ACCOUNTS).status_code == 403


def test_the_linked_service_form_picks_subscription_server_and_database_and_saves_them(
        azure_studio: Studio, page: Page) -> None:
    azure_studio.sign_in(page)
    page.goto(f"{azure_studio.url}{FACTORY_URL}/manage/linked-services/new/AzurePostgreSql")
    page.get_by_role("textbox", name="Name", exact=True).fill("AzureOrders")
    page.get_by_label("From Azure subscription").check()
    subscription = page.get_by_label("Azure subscription", exact=True)
    expect(subscription).to_be_visible()
    expect(page.get_by_label("Server name")).to_have_count(0)
    settled(page)
    azure_studio.shot(page, "1-subscriptions")
    subscription.select_option(label="Sales")
    server = page.get_by_label("Server name")
    expect(server.locator("option")).to_have_text(["Select a server", "pg-a", "pg-b", "pg-c"])
    settled(page)
    server.select_option(label="pg-b")
    database = page.get_by_label("Database name")
    expect(database).to_be_visible()
    settled(page)
    expect(page.get_by_label("Fully qualified domain name")).to_have_value("pg-b.postgres.database.azure.com")
    database.select_option("orders")
    settled(page)
    expect(page.get_by_label("Database name")).to_have_value("orders")
    expect(page.get_by_label("Server name")).to_have_value(re.compile(r"/flexibleServers/pg-b$"))
    page.get_by_label("User name").fill("reporting")
    page.get_by_label("Password").fill("Azure-Passw0rd")
    json_view = page.get_by_label("JSON", exact=True)
    expect(json_view).to_contain_text('"server": "pg-b.postgres.database.azure.com"')
    expect(json_view).to_contain_text('"database": "orders"')
    azure_studio.shot(page, "2-server-and-database")
    page.set_viewport_size({"width": 420, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    azure_studio.shot(page, "3-narrow")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("row", name="AzureOrders")).to_be_visible()
    stored = azure_studio.api.service.resources.get(SCOPE, COLLECTIONS["linkedservices"], "AzureOrders")
    assert {key: stored.properties["typeProperties"][key] for key in ("server", "port", "database")} == {
        "server": "pg-b.postgres.database.azure.com", "port": 5432, "database": "orders"}
