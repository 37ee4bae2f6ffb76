"""Credentials and integration runtimes in Chromium: each choice shows only its own fields, the delete dialog warns."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pgfactory.store import ResourceKind, TokenRole
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, make_factory, put

IDENTITY = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pg-reader"


def test_create_a_service_principal_credential_then_delete_it_past_the_warning(studio: Studio, page: Page) -> None:
    make_factory(studio)
    put(studio, ResourceKind.LINKED_SERVICES, "Vault", {"type": "AzureKeyVault", "typeProperties": {
        "baseUrl": "https://kv1.vault.azure.net", "credential": {"referenceName": "sp", "type": "CredentialReference"}}})
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/credentials")
    page.get_by_role("link", name="+ New").click()
    expect(page.get_by_role("heading", name="New credential")).to_be_visible()
    # a managed identity shows its resource ID only; a service principal its own fields only
    expect(page.get_by_label("User-assigned managed identity resource ID")).to_be_visible()
    expect(page.get_by_label("Tenant")).to_be_hidden()
    page.get_by_label("Service principal", exact=True).check()
    expect(page.get_by_label("User-assigned managed identity resource ID")).to_be_hidden()
    expect(page.get_by_label("Key (client secret)")).to_be_visible()
    expect(page.get_by_label("Secret name")).to_be_hidden()
    page.get_by_label("Azure Key Vault", exact=True).check()
    expect(page.get_by_label("Secret name")).to_be_visible()
    expect(page.get_by_label("Key (client secret)")).to_be_hidden()
    page.get_by_label("Stored in pgfactory").check()
    page.get_by_role("textbox", name="Name", exact=True).fill("sp")
    page.get_by_label("Tenant").fill("contoso.onmicrosoft.com")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Enter the service principal's application (client) ID.")).to_be_visible()
    expect(page.get_by_label("Service principal ID")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Key (client secret)")).to_be_visible()  # the choices made stay made
    studio.shot(page, "1-form-with-errors")
    page.get_by_label("Service principal ID").fill("app-1")
    page.get_by_label("Key (client secret)").fill("sp-key-4711")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Credential sp saved.")).to_be_visible()
    row = page.get_by_role("row", name="sp Service principal")
    expect(row).to_contain_text("app-1 in tenant contoso.onmicrosoft.com")
    expect(row.get_by_role("link", name="Vault")).to_be_visible()
    studio.shot(page, "2-list")
    row.get_by_role("button", name="Delete sp").click()
    dialog = page.get_by_role("dialog", name="Delete credential sp?")
    expect(dialog).to_contain_text("1 linked service uses this credential")
    studio.shot(page, "3-delete-warning")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="sp", exact=True).click()
    expect(page.get_by_label("Key (client secret)")).to_have_value("")
    expect(page.get_by_label("Key (client secret)")).to_have_attribute("placeholder", "stored; leave empty to keep")
    studio.shot(page, "4-edit")
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete anyway").click()
    expect(page.get_by_text("Credential sp deleted.")).to_be_visible()
    expect(page.get_by_text("No credential yet.")).to_be_visible()


def test_integration_runtimes_list_the_default_and_a_reader_sees_a_read_only_form(studio: Studio, page: Page) -> None:
    make_factory(studio)
    put(studio, ResourceKind.INTEGRATION_RUNTIMES, "OnPrem", {"type": "SelfHosted", "description": "the office"})
    put(studio, ResourceKind.CREDENTIALS, "uami", {"type": "ManagedIdentity", "typeProperties": {"resourceId": IDENTITY}})
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/integration-runtimes")
    page.get_by_role("link", name="+ New").click()
    expect(page.get_by_label("Region")).to_have_value("AutoResolve")
    page.get_by_label("Self-hosted").check()
    expect(page.get_by_label("Region")).to_be_hidden()
    expect(page.get_by_text("ADF's authentication keys and node registration do not apply")).to_be_visible()
    page.get_by_label("Azure", exact=True).check()
    page.get_by_role("textbox", name="Name", exact=True).fill("WestIR")
    page.get_by_label("Region").fill("westeurope")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("row", name="WestIR Azure westeurope")).to_be_visible()
    expect(page.get_by_role("row", name="AutoResolveIntegrationRuntime Built-in default")).to_be_visible()
    studio.shot(page, "1-list")
    page.set_viewport_size({"width": 420, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # the table scrolls inside its frame
    studio.shot(page, "2-list-narrow")
    page.get_by_role("button", name="Sign out").click()
    studio.sign_in(page, TokenRole.READER)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/credentials/uami")
    expect(page.get_by_text("changing it needs the contributor role")).to_be_visible()
    expect(page.get_by_label("User-assigned managed identity resource ID")).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    studio.shot(page, "3-reader")
