"""Subscriptions, flexible servers and databases through the real Azure management SDKs, against the ARM stand-in."""

from __future__ import annotations

import pytest

from pgfactory.errors import AzureManagementError
from pgfactory.service.azure_accounts import (
    AzureAccounts,
    AzureCredentialSource,
    AzureManagementSettings,
    find_server,
)
from tests.fixtures.azure_management import ARM_SCOPE, AzureManagementStandIn, use_service_principal
from tests.fixtures.entra import EntraStandIn


def accounts(stand_in: AzureManagementStandIn, *, scope: str = ARM_SCOPE,
             credential: AzureCredentialSource = AzureCredentialSource.ENVIRONMENT) -> AzureAccounts:
    return AzureAccounts(AzureManagementSettings(credential, endpoint=stand_in.url, scope=scope))


def test_lists_subscriptions_every_page_of_servers_and_databases_with_the_environments_service_principal(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    client_id = use_service_principal(entra, monkeypatch)
    sales = azure_management.add_subscription("Sales")
    other = azure_management.add_subscription("Analytics")
    for name in ("pg-c", "pg-a", "pg-b"):  # three servers: two pages of two
        azure_management.add_server(sales, "rg-data", name, databases=("postgres", "orders", "azure_maintenance"))
    azure_management.add_server(other, "rg-other", "pg-elsewhere")
    listing = accounts(azure_management)

    subscriptions = listing.subscriptions()
    servers = listing.servers(sales)
    databases = listing.databases(servers[0])

    assert [(item.name, item.subscription_id, item.state) for item in subscriptions] == [
        ("Analytics", other, "Enabled"), ("Sales", sales, "Enabled")]
    assert [server.name for server in servers] == ["pg-a", "pg-b", "pg-c"]
    first = servers[0]
    assert (first.resource_group, first.subscription_id, first.location, first.state, first.version) == (
        "rg-data", sales, "westeurope", "Ready", "16")
    assert first.fully_qualified_domain_name == "pg-a.postgres.database.azure.com"
    assert databases == ["azure_maintenance", "orders", "postgres"]
    server_pages = [request for request in azure_management.served() if request.path.endswith("/flexibleServers")]
    assert [request.query.get("$skipToken") for request in server_pages] == [None, "2"]  # nextLink followed once
    assert all(request.authorized for request in azure_management.requests)
    [token_request] = entra.token_requests()  # one token for all three calls, for Resource Manager's scope
    assert (token_request.client_id, token_request.scope) == (client_id, ARM_SCOPE)
    assert listing.identity() == f"service principal {client_id} (tenant {token_request.tenant})"


def test_lists_are_kept_briefly_so_each_select_change_asks_once(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    use_service_principal(entra, monkeypatch)
    azure_management.add_subscription("Sales")
    now = [1000.0]
    listing = AzureAccounts(AzureManagementSettings(endpoint=azure_management.url, scope=ARM_SCOPE, cache_seconds=60),
                            clock=lambda: now[0])
    listing.subscriptions()
    listing.subscriptions()
    assert len(azure_management.served()) == 1
    azure_management.add_subscription("New one")
    now[0] += 61
    assert [item.name for item in listing.subscriptions()] == ["New one", "Sales"]
    assert len(azure_management.served()) == 2


def test_servers_are_found_by_resource_id_or_name_without_case(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    use_service_principal(entra, monkeypatch)
    sales = azure_management.add_subscription("Sales")
    resource_id = azure_management.add_server(sales, "rg-data", "pg-main")
    servers = accounts(azure_management).servers(sales)
    found_by_id = find_server(servers, resource_id.upper())
    assert found_by_id is not None and found_by_id.name == "pg-main"
    assert find_server(servers, "PG-MAIN") == found_by_id
    assert find_server(servers, "pg-other") is None and find_server(servers, "") is None


def test_a_token_for_another_audience_is_refused_with_resource_managers_own_words(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    client_id = use_service_principal(entra, monkeypatch)
    listing = accounts(azure_management, scope="https://vault.azure.net/.default")
    with pytest.raises(AzureManagementError) as raised:
        listing.subscriptions()
    error = raised.value
    assert error.code == "AzureManagementAccessDenied" and not error.transient
    assert "HTTP 401 InvalidAuthenticationTokenAudience" in error.message
    assert f"service principal {client_id}" in error.message and azure_management.url in error.message
    assert [request.status for request in azure_management.requests] == [401]


def test_a_wrong_client_secret_says_entra_refused_the_token_and_never_shows_the_secret(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    use_service_principal(entra, monkeypatch)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-registered-secret")
    with pytest.raises(AzureManagementError) as raised:
        accounts(azure_management).subscriptions()
    assert raised.value.code == "AzureManagementAuthenticationFailed"
    assert "AADSTS7000215" in raised.value.message and "not-the-registered-secret" not in raised.value.message
    assert azure_management.requests == []  # Resource Manager was never asked without a token


def test_an_unreachable_endpoint_is_reported_as_such(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    use_service_principal(entra, monkeypatch)
    closed = AzureManagementSettings(endpoint="https://127.0.0.1:9", scope=ARM_SCOPE)  # discard port: nothing listens
    with pytest.raises(AzureManagementError) as raised:
        AzureAccounts(closed).subscriptions()
    assert raised.value.code == "AzureManagementUnreachable" and raised.value.transient
    assert "https://127.0.0.1:9 is unreachable" in raised.value.message


def test_missing_environment_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    monkeypatch.delenv("AZURE_CLIENT_SECRET", raising=False)
    with pytest.raises(AzureManagementError) as raised:
        AzureAccounts(AzureManagementSettings()).subscriptions()
    assert raised.value.code == "AzureCredentialsNotConfigured"
    assert "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET are not set" in raised.value.message


def test_a_managed_identity_is_asked_at_this_machines_endpoint(
        azure_management: AzureManagementStandIn, entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    entra.register_managed_identity(client_id="uami-client")
    monkeypatch.setenv("AZURE_CLIENT_ID", "uami-client")
    azure_management.add_subscription("Sales")
    listing = accounts(azure_management, credential=AzureCredentialSource.MANAGED_IDENTITY)
    assert [item.name for item in listing.subscriptions()] == ["Sales"]
    [token_request] = entra.token_requests()
    assert (token_request.kind, token_request.client_id, token_request.resource) == (
        "managed-identity", "uami-client", "https://management.azure.com")
    assert listing.identity() == "user-assigned managed identity uami-client"


def test_the_endpoint_must_be_https() -> None:
    with pytest.raises(ValueError, match="https URL"):
        AzureManagementSettings(endpoint="http://management.azure.com")
    assert AzureManagementSettings(endpoint="https://management.chinacloudapi.cn/").credential_scope == (
        "https://management.chinacloudapi.cn/.default")
