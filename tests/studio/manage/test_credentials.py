"""Manage > Credentials over HTTP: create, edit and delete ManagedIdentity and ServicePrincipal credentials."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from pgfactory.secrets import MASK, unseal
from pgfactory.store import ResourceKind, TokenRole
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE, field_error, make_factory, put, signed_in

CREDENTIALS = f"{FACTORY_URL}/manage/credentials"
IDENTITY = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pg-reader"
VAULT = {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv1.vault.azure.net"}}


@pytest.fixture
def client(studio: Studio) -> Iterator[httpx.Client]:
    make_factory(studio)
    with signed_in(studio) as signed:
        yield signed


def stored(studio: Studio, name: str) -> dict[str, object]:
    """The credential's properties as stored, secrets opened."""
    record = studio.api.service.store.resources.get(studio.api.service.resources.factory(SCOPE).id,
                                                    ResourceKind.CREDENTIALS, name)
    assert record is not None
    properties: dict[str, object] = unseal(record.properties, studio.api.service.resources.key)
    return properties


def test_a_managed_identity_credential_is_created_as_adf_writes_it_and_listed(studio: Studio, client: httpx.Client) -> None:
    answer = client.post(f"{CREDENTIALS}/new", data={"name": "uami", "description": "reads sales", "type": "ManagedIdentity",
                                                     "resource_id": IDENTITY, "tenant": "ignored for this type"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("/manage/credentials?saved=uami")
    assert stored(studio, "uami") == {"type": "ManagedIdentity", "description": "reads sales",
                                      "typeProperties": {"resourceId": IDENTITY}}
    listed = client.get(answer.headers["location"].removeprefix("/studio")).text
    assert "Credential <strong>uami</strong> saved." in listed
    assert "User-assigned managed identity" in listed and ">pg-reader<" in listed


def test_missing_and_malformed_fields_are_shown_under_each_field(studio: Studio, client: httpx.Client) -> None:
    answer = client.post(f"{CREDENTIALS}/new", data={"name": "", "type": "ManagedIdentity", "resource_id": "pg-reader"})
    assert answer.status_code == 422
    assert field_error(answer.text, "name") == "Enter a name."
    assert field_error(answer.text, "resource_id").startswith("This is not the resource ID of a user-assigned managed")
    principal = client.post(f"{CREDENTIALS}/new", data={"name": "sp", "type": "ServicePrincipal", "key_source": "SecureString"})
    assert field_error(principal.text, "tenant").startswith("Enter the tenant")
    assert field_error(principal.text, "service_principal_id").startswith("Enter the service principal's application")
    assert field_error(principal.text, "service_principal_key") == "Enter the service principal's key (client secret)."
    vault = client.post(f"{CREDENTIALS}/new", data={"name": "sp", "type": "ServicePrincipal", "tenant": "t",
                                                    "service_principal_id": "app", "key_source": "AzureKeyVaultSecret"})
    assert "has no Azure Key Vault linked service" in field_error(vault.text, "key_vault")
    assert field_error(vault.text, "secret_name") == "Enter the name of the secret that holds the key."
    # what the service refuses lands under its field too (the name's rules are the service's)
    refused = client.post(f"{CREDENTIALS}/new", data={"name": "a/b", "type": "ManagedIdentity", "resource_id": IDENTITY})
    assert refused.status_code == 422 and "is not allowed" in field_error(refused.text, "name")
    assert 'id="field-name"' in refused.text and 'aria-invalid="true"' in refused.text
    assert client.get(CREDENTIALS).text.count('class="table"') == 0  # nothing was stored


def test_a_service_principal_key_is_never_shown_and_an_empty_field_keeps_it(studio: Studio, client: httpx.Client) -> None:
    key = "sp-key-value-4711"
    fields = {"name": "sp", "type": "ServicePrincipal", "tenant": "contoso.onmicrosoft.com", "service_principal_id": "app-1",
              "key_source": "SecureString", "service_principal_key": key}
    assert client.post(f"{CREDENTIALS}/new", data=fields).status_code == 303
    assert stored(studio, "sp")["typeProperties"] == {"tenant": "contoso.onmicrosoft.com", "servicePrincipalId": "app-1",
                                                      "servicePrincipalKey": {"type": "SecureString", "value": key}}
    page = client.get(f"{CREDENTIALS}/sp").text
    assert key not in page and MASK not in page
    assert 'placeholder="stored; leave empty to keep"' in page and "A key is stored and never shown" in page
    etag = html.unescape(page.split('name="etag" value="')[1].split('"')[0])
    kept = client.post(f"{CREDENTIALS}/sp", data={**fields, "tenant": "fabrikam.onmicrosoft.com", "service_principal_key": "",
                                                  "etag": etag})
    assert kept.status_code == 303
    assert stored(studio, "sp")["typeProperties"] == {"tenant": "fabrikam.onmicrosoft.com", "servicePrincipalId": "app-1",
                                                      "servicePrincipalKey": {"type": "SecureString", "value": key}}
    replaced = client.post(f"{CREDENTIALS}/sp", data={**fields, "service_principal_key": "new-key"})
    assert replaced.status_code == 303
    assert stored(studio, "sp")["typeProperties"]["servicePrincipalKey"] == {  # type: ignore[index]
        "type": "SecureString", "value": "new-key"}


def test_a_save_over_someone_elses_change_is_refused(studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.CREDENTIALS, "uami", {"type": "ManagedIdentity", "typeProperties": {"resourceId": IDENTITY}})
    page = client.get(f"{CREDENTIALS}/uami").text
    etag = html.unescape(page.split('name="etag" value="')[1].split('"')[0])
    put(studio, ResourceKind.CREDENTIALS, "uami", {"type": "ManagedIdentity", "description": "theirs",
                                                   "typeProperties": {"resourceId": IDENTITY}})
    answer = client.post(f"{CREDENTIALS}/uami", data={"type": "ManagedIdentity", "resource_id": IDENTITY, "description": "mine",
                                                      "etag": etag})
    assert answer.status_code == 422 and "Someone changed this credential after you opened it" in answer.text
    assert stored(studio, "uami")["description"] == "theirs"
    duplicate = client.post(f"{CREDENTIALS}/new", data={"name": "UAMI", "type": "ManagedIdentity", "resource_id": IDENTITY})
    assert "already exists" in field_error(duplicate.text, "name")


def test_a_key_in_key_vault_is_a_reference_and_what_the_form_does_not_show_is_kept(studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.LINKED_SERVICES, "Vault", VAULT)
    put(studio, ResourceKind.CREDENTIALS, "sp", {"type": "ServicePrincipal", "annotations": ["team-a"], "typeProperties": {
        "tenant": "t1", "servicePrincipalId": "app-1", "servicePrincipalKey": {"type": "SecureString", "value": "old"}}})
    form = client.get(f"{CREDENTIALS}/sp").text
    assert '<option value="Vault">Vault</option>' in form
    answer = client.post(f"{CREDENTIALS}/sp", data={"type": "ServicePrincipal", "tenant": "t1", "service_principal_id": "app-1",
                                                    "key_source": "AzureKeyVaultSecret", "key_vault": "Vault",
                                                    "secret_name": "sp-secret", "secret_version": ""})
    assert answer.status_code == 303, answer.text
    assert stored(studio, "sp") == {"type": "ServicePrincipal", "annotations": ["team-a"], "typeProperties": {
        "tenant": "t1", "servicePrincipalId": "app-1", "servicePrincipalKey": {
            "type": "AzureKeyVaultSecret", "store": {"referenceName": "Vault", "type": "LinkedServiceReference"},
            "secretName": "sp-secret"}}}
    reopened = client.get(f"{CREDENTIALS}/sp").text
    assert 'value="AzureKeyVaultSecret" checked' in reopened and 'value="sp-secret"' in reopened
    # a key kept in Key Vault is no stored secret: switching back to a stored key needs one typed
    back = client.post(f"{CREDENTIALS}/sp", data={"type": "ServicePrincipal", "tenant": "t1", "service_principal_id": "app-1",
                                                  "key_source": "SecureString"})
    assert field_error(back.text, "service_principal_key") == "Enter the service principal's key (client secret)."


def test_delete_warns_which_linked_services_use_the_credential(studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.CREDENTIALS, "uami", {"type": "ManagedIdentity", "typeProperties": {"resourceId": IDENTITY}})
    put(studio, ResourceKind.LINKED_SERVICES, "Vault", {**VAULT, "typeProperties": {
        **VAULT["typeProperties"], "credential": {"referenceName": "UAMI", "type": "CredentialReference"}}})  # type: ignore[dict-item]
    assert "<a href=\"/studio" + FACTORY_URL + "/manage/linked-services/Vault\">Vault</a>" in client.get(CREDENTIALS).text
    dialog = client.get(f"{CREDENTIALS}/uami/delete", headers={"HX-Request": "true"}).text
    assert "<dialog data-dialog-show" in dialog and "1 linked service uses this credential" in dialog
    assert ">Vault</a>" in dialog and "Delete anyway" in dialog
    deleted = client.post(f"{CREDENTIALS}/uami/delete")
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("?deleted=uami")
    assert client.get(f"{CREDENTIALS}/uami").status_code == 404
    assert client.post(f"{CREDENTIALS}/uami/delete").status_code == 404


def test_a_reader_sees_credentials_but_cannot_change_them(studio: Studio) -> None:
    make_factory(studio)
    put(studio, ResourceKind.CREDENTIALS, "uami", {"type": "ManagedIdentity", "typeProperties": {"resourceId": IDENTITY}})
    with signed_in(studio, TokenRole.READER) as reader:
        listed = reader.get(CREDENTIALS).text
        assert ">uami</a>" in listed and "+ New" not in listed and "Delete" not in listed
        page = reader.get(f"{CREDENTIALS}/uami").text
        assert '<fieldset class="bare" disabled>' in page and 'type="submit"' not in page.split('class="card manage-form"')[1]
        assert reader.get(f"{CREDENTIALS}/new").status_code == 403
        refused = reader.post(f"{CREDENTIALS}/uami", data={"type": "ManagedIdentity", "resource_id": IDENTITY,
                                                           "description": "x"})
        assert refused.status_code == 403 and "needs the contributor role" in refused.text
        assert reader.post(f"{CREDENTIALS}/uami/delete").status_code == 403
    assert "description" not in stored(studio, "uami")
