"""The linked service form and its JSON view over HTTP: every authentication type, sslMode, parameters, secrets, certificates."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import lxml.html
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pgfactory.secrets import MASK
from pgfactory.service.collections import COLLECTIONS
from tests.api.conftest import FACTORY_PATH as API_FACTORY
from tests.fixtures.entra import ClientCertificate
from tests.studio.conftest import Studio
from tests.studio.manage.linked_service_pages import (
    LINKED_SERVICES,
    EditorForm,
    field_names,
    json_of,
    put_linked_service,
    stored,
    type_properties,
)
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE, field_error, make_factory, signed_in

BASIC = {"server": "db.example.com", "database": "sales", "username": "loader", "password": "typed-Secret-1"}
SERVICE_PRINCIPAL = {"tenant": "contoso.onmicrosoft.com", "servicePrincipalId": "app-1", "servicePrincipalKey": "sp-Secret-2"}


@pytest.fixture
def client(studio: Studio) -> Iterator[httpx.Client]:
    make_factory(studio)
    with signed_in(studio) as signed:
        yield signed


def new_postgres(client: httpx.Client, **fields: str | list[str]) -> EditorForm:
    return EditorForm.open(client, "new/AzurePostgreSql").set(name="pg1", **fields)


def section_fields(fragment: str) -> set[str]:
    """The controls of a re-rendered section, without the JSON view that comes with it."""
    document = lxml.html.fragment_fromstring(fragment, create_parent="div")
    document.get_element_by_id("ls-json").drop_tree()
    return field_names(lxml.html.tostring(document, encoding="unicode"))


def test_a_new_basic_auth_form_is_the_documented_json_with_the_typed_password_masked(client: httpx.Client) -> None:
    view = new_postgres(client, sslMode="3", **BASIC).json_view()
    assert view == {"name": "pg1", "properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": "db.example.com", "port": 5432, "database": "sales", "sslMode": 3, "authenticationType": "BasicAuth",
        "username": "loader", "password": {"type": "SecureString", "value": MASK}}}}


@pytest.mark.parametrize(("authentication", "credential_type", "fields", "json_keys"), [
    ("BasicAuth", "", {"username", "password"}, {"username", "password"}),
    ("ServicePrincipal", "ServicePrincipalKey",
     {"username", "tenant", "servicePrincipalId", "servicePrincipalCredentialType", "servicePrincipalKey", "azureCloudType"},
     {"username", "tenant", "servicePrincipalId", "servicePrincipalCredentialType", "servicePrincipalKey", "azureCloudType"}),
    ("ServicePrincipal", "ServicePrincipalCert",
     {"username", "tenant", "servicePrincipalId", "servicePrincipalCredentialType", "certificate_upload",
      "servicePrincipalEmbeddedCertPassword", "azureCloudType"},
     {"username", "tenant", "servicePrincipalId", "servicePrincipalCredentialType", "azureCloudType"}),
    ("SystemAssignedManagedIdentity", "", set(), set()),
    ("UserAssignedManagedIdentity", "", {"credential"}, {"credential"}),
])
def test_each_authentication_type_shows_exactly_its_own_fields(
        client: httpx.Client, authentication: str, credential_type: str, fields: set[str], json_keys: set[str]) -> None:
    form = new_postgres(client, **BASIC).set(authenticationType=authentication, credential="uami")
    if credential_type:
        form.set(servicePrincipalCredentialType=credential_type, **SERVICE_PRINCIPAL)
    answer = form.post("sections/auth")
    assert answer.status_code == 200, answer.text
    assert section_fields(answer.text) == fields
    # the JSON view comes with the section: the chosen type's properties and nothing of the others
    written = set(type_properties(answer.text)) - {"server", "port", "database", "sslMode", "authenticationType"}
    assert written == json_keys
    if "username" in fields:  # a value entered before the switch stays entered
        assert 'value="loader"' in answer.text


def test_switching_a_stored_linked_service_to_another_authentication_drops_the_old_ones_properties(
        studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "pg1", {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": "s", "database": "d", "authenticationType": "BasicAuth", "username": "u",
        "password": {"type": "SecureString", "value": "stored-Secret-3"}}})
    form = EditorForm.open(client, "pg1").set(authenticationType="SystemAssignedManagedIdentity").drop("username", "password")
    assert type_properties(form.post("sections/auth").text) == {"server": "s", "database": "d", "sslMode": 2,
                                                                  "authenticationType": "SystemAssignedManagedIdentity"}


def test_ssl_mode_is_offered_by_name_and_stored_as_its_number(client: httpx.Client) -> None:
    page = client.get(f"{LINKED_SERVICES}/new/AzurePostgreSql").text
    select = lxml.html.fromstring(page).get_element_by_id("field-sslMode")
    assert [(option.get("value"), option.text) for option in select.findall("option")] == [
        ("0", "Disable"), ("1", "Allow"), ("2", "Prefer"), ("3", "Require"), ("4", "VerifyCA"), ("5", "VerifyFull")]
    assert select.value == "2"  # Prefer, ADF's default
    for number in range(6):
        assert new_postgres(client, sslMode=str(number), **BASIC).json_view()["properties"]["typeProperties"]["sslMode"] == number


def test_advanced_properties_and_expressions_keep_their_json_types(client: httpx.Client) -> None:
    form = new_postgres(client, **BASIC).set(server="@linkedService().host", connectionTimeout="20", pooling="false",
                                             commandTimeout="0", schema="sales", trustServerCertificate="true")
    written = form.json_view()["properties"]["typeProperties"]
    assert written["server"] == "@linkedService().host"
    assert (written["connectionTimeout"], written["commandTimeout"], written["pooling"]) == (20, 0, False)
    assert (written["schema"], written["trustServerCertificate"]) == ("sales", True)
    assert "timezone" not in written  # left empty: not written


def test_parameters_are_added_removed_and_typed(client: httpx.Client) -> None:
    form = new_postgres(client, **BASIC)
    added = form.post("sections/parameters", parameter_action="add")
    assert {"parameter_name", "parameter_type", "parameter_default"} <= section_fields(added.text)
    form.set(parameter_name=["host", "retries", "token"], parameter_type=["String", "Int", "SecureString"],
             parameter_default=["db.local", "3", "param-Secret-4"])
    assert form.json_view()["properties"]["parameters"] == {
        "host": {"type": "String", "defaultValue": "db.local"}, "retries": {"type": "Int", "defaultValue": 3},
        "token": {"type": "SecureString", "defaultValue": MASK}}
    removed = form.post("sections/parameters", parameter_action="remove:1")
    rows = lxml.html.fragment_fromstring(removed.text, create_parent="div").xpath("//input[@name='parameter_name']/@value")
    assert rows == ["host", "token"]
    assert "retries" not in json_of(removed.text)["properties"]["parameters"]


def test_a_stored_linked_service_never_shows_its_secrets_and_keeps_them_when_the_fields_stay_empty(
        studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "pg1", {"type": "AzurePostgreSql", "version": "2.0", "annotations": ["kept"], "typeProperties": {
        "server": "s", "port": "5432", "database": "d", "authenticationType": "BasicAuth", "username": "u",
        "password": {"type": "SecureString", "value": "stored-Secret-5"}, "unknownToPgfactory": 7},
        "parameters": {"token": {"type": "SecureString", "defaultValue": "param-Secret-6"}}})
    page = client.get(f"{LINKED_SERVICES}/pg1").text
    assert "stored-Secret-5" not in page and "param-Secret-6" not in page
    password = lxml.html.fromstring(page).get_element_by_id("field-password")
    assert password.get("value") == "" and password.get("type") == "password"
    assert "Stored — leave empty to keep it." in page
    form = EditorForm(client, page).set(database="d2")
    assert form.post("save").headers["HX-Redirect"].endswith("?saved=pg1")
    kept = stored(studio, "pg1")
    assert kept["typeProperties"]["password"] == {"type": "SecureString", "value": "stored-Secret-5"}
    assert kept["parameters"]["token"]["defaultValue"] == "param-Secret-6"
    # what the form does not show is kept as written: annotations, an unknown property, "5432" as a string
    assert kept["annotations"] == ["kept"]
    assert kept["typeProperties"]["unknownToPgfactory"] == 7 and kept["typeProperties"]["port"] == "5432"
    assert kept["typeProperties"]["database"] == "d2"
    EditorForm.open(client, "pg1").set(password="new-Secret-7").post("save")
    assert stored(studio, "pg1")["typeProperties"]["password"]["value"] == "new-Secret-7"


def test_the_json_view_edits_the_form_and_keeps_secrets_typed_in_the_form(studio: Studio, client: httpx.Client) -> None:
    form = new_postgres(client, **BASIC)
    edited = form.json_view()
    edited["properties"]["typeProperties"]["server"] = "other.example.com"
    edited["properties"]["annotations"] = ["from-json"]
    answer = form.set(json=json.dumps(edited)).post("form")
    assert answer.status_code == 200, answer.text
    fields = lxml.html.fragment_fromstring(answer.text, create_parent="div")
    assert fields.get_element_by_id("field-server").get("value") == "other.example.com"
    assert fields.get_element_by_id("field-password").get("value") == "typed-Secret-1"  # the mask stood for it
    saved = form.set(source="json").post("save")
    assert saved.headers["HX-Redirect"].endswith("?saved=pg1"), saved.text
    kept = stored(studio, "pg1")
    assert kept["annotations"] == ["from-json"]
    assert kept["typeProperties"]["server"] == "other.example.com"
    assert kept["typeProperties"]["password"]["value"] == "typed-Secret-1"


def test_json_that_does_not_parse_is_answered_next_to_the_json_and_leaves_the_form_alone(client: httpx.Client) -> None:
    form = new_postgres(client, **BASIC)
    answer = form.set(json='{"name": "pg1", "properties": {').post("form")
    assert answer.status_code == 422 and answer.headers["HX-Reswap"] == "none"
    assert field_error(answer.text, "json").startswith("not valid JSON: Expecting property name")
    assert 'id="ls-json-error" aria-live="polite" hx-swap-oob="true"' in answer.text
    other_type = form.set(json=json.dumps({"name": "pg1", "properties": {"type": "FileServer"}})).post("form")
    assert "properties.type must stay 'AzurePostgreSql'" in field_error(other_type.text, "json")


def test_a_stored_linked_service_cannot_be_renamed_in_the_json_view(studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "pg1", {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": "s", "database": "d", "authenticationType": "SystemAssignedManagedIdentity"}})
    form = EditorForm.open(client, "pg1")
    renamed = json_of(client.get(f"{LINKED_SERVICES}/pg1").text)
    renamed["name"] = "pg2"
    answer = form.set(json=json.dumps(renamed)).post("form")
    assert field_error(answer.text, "json") == "a linked service cannot be renamed: name must stay 'pg1'"


def pem_with_key(certificate: ClientCertificate, password: str | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption())
    key = certificate.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return certificate.pem + key


def uploaded_certificate(fragment: str) -> str:
    found = lxml.html.fragment_fromstring(fragment, create_parent="div").xpath(
        "//input[@name='servicePrincipalEmbeddedCert']/@value")
    return str(found[0])


def certificate_form(client: httpx.Client, **fields: str) -> EditorForm:
    return new_postgres(client, authenticationType="ServicePrincipal", servicePrincipalCredentialType="ServicePrincipalCert",
                        server="s", database="d", username="sp", **{**SERVICE_PRINCIPAL, **fields})


def test_an_uploaded_pem_with_its_key_becomes_the_pfx_adf_embeds(
        studio: Studio, client: httpx.Client, client_certificate: ClientCertificate) -> None:
    form = certificate_form(client, servicePrincipalEmbeddedCertPassword="pem-Passw0rd")
    upload = {"certificate_upload": ("sp.pem", pem_with_key(client_certificate, "pem-Passw0rd"), "application/x-pem-file")}
    answer = form.post("sections/auth", files=upload)
    assert answer.status_code == 200, answer.text
    assert "Loaded sp.pem" in answer.text
    embedded = uploaded_certificate(answer.text)
    key, certificate, _ = pkcs12.load_key_and_certificates(base64.b64decode(embedded), b"pem-Passw0rd")
    assert certificate == client_certificate.certificate and key is not None
    saved = form.set(servicePrincipalEmbeddedCert=embedded, certificate_file="sp.pem").post("save")
    assert saved.headers.get("HX-Redirect"), saved.text
    kept: dict[str, Any] = stored(studio, "pg1")["typeProperties"]
    assert kept["servicePrincipalEmbeddedCert"]["value"] == embedded
    assert kept["servicePrincipalEmbeddedCertPassword"]["value"] == "pem-Passw0rd"


def test_an_uploaded_pfx_is_embedded_as_it_is(client: httpx.Client, client_certificate: ClientCertificate) -> None:
    pfx = client_certificate.pfx("pfx-Passw0rd")
    answer = certificate_form(client).post("sections/auth", files={"certificate_upload": ("sp.pfx", pfx)})
    assert base64.b64decode(uploaded_certificate(answer.text)) == pfx


@pytest.mark.parametrize(("content", "message"), [
    (b"not a certificate", "the file is neither a PFX (.pfx, .p12) nor a PEM file"),
    (None, "the PEM file holds no private key; Entra ID signs with it: include it, or upload the .pfx"),
])
def test_a_certificate_file_that_cannot_be_embedded_is_refused_next_to_its_field(
        client: httpx.Client, client_certificate: ClientCertificate, content: bytes | None, message: str) -> None:
    upload = {"certificate_upload": ("sp.pem", content if content is not None else client_certificate.pem)}
    answer = certificate_form(client).post("sections/auth", files=upload)
    assert answer.status_code == 422
    assert field_error(answer.text, "servicePrincipalEmbeddedCert") == message
    assert 'aria-describedby="servicePrincipalEmbeddedCert-help servicePrincipalEmbeddedCert-error"' in answer.text


def test_an_encrypted_pem_key_asks_for_the_certificate_password_first(
        client: httpx.Client, client_certificate: ClientCertificate) -> None:
    upload = {"certificate_upload": ("sp.pem", pem_with_key(client_certificate, "pem-Passw0rd"))}
    answer = certificate_form(client).post("sections/auth", files=upload)
    assert field_error(answer.text, "servicePrincipalEmbeddedCert") == (
        "the private key is encrypted: enter the certificate password, then choose the file again")


def test_new_credential_creates_a_managed_identity_and_chooses_it_in_the_picker(
        studio: Studio, client: httpx.Client) -> None:
    studio.api.service.resources.put(SCOPE, COLLECTIONS["credentials"], "sp", {"properties": {
        "type": "ServicePrincipal", "typeProperties": {"servicePrincipalId": "app", "tenant": "t"}}}, if_match=None)
    form = new_postgres(client, server="s", database="d", authenticationType="UserAssignedManagedIdentity")
    offered = lxml.html.fragment_fromstring(form.post("sections/auth").text, create_parent="div").xpath(
        "//select[@id='field-credential']/option/@value")
    assert offered == [""]  # AzurePostgreSql signs in with managed identity credentials only
    refused = form.post("credentials", credential_name="uami", credential_resource_id="not-a-resource-id")
    assert refused.status_code == 422
    assert field_error(refused.text, "credential_resource_id").startswith("enter the identity's resource ID")
    identity = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami"
    created = form.post("credentials", credential_name="uami", credential_resource_id=identity)
    assert created.status_code == 200, created.text
    fragment = lxml.html.fragment_fromstring(created.text, create_parent="div")
    picker = fragment.get_element_by_id("ls-credential-picker")
    assert picker.get("hx-swap-oob") == "true"
    assert fragment.get_element_by_id("field-credential").value == "uami"
    assert fragment.get_element_by_id("ls-new-credential-form").get("data-dialog-close-now") is not None
    assert type_properties(created.text)["credential"] == {"referenceName": "uami", "type": "CredentialReference"}
    credential = studio.api.client().get(f"{API_FACTORY}/credentials/uami").json()
    assert credential["properties"] == {"type": "ManagedIdentity", "typeProperties": {"resourceId": identity}}


def test_file_server_and_key_vault_forms_write_their_own_type_properties(client: httpx.Client) -> None:
    files = EditorForm.open(client, "new/FileServer").set(name="files", host="/srv/data", userId="svc", password="fs-Secret")
    assert files.json_view()["properties"] == {"type": "FileServer", "typeProperties": {
        "host": "/srv/data", "userId": "svc", "password": {"type": "SecureString", "value": MASK}}}
    vault = EditorForm.open(client, "new/AzureKeyVault").set(name="vault", baseUrl="https://kv1.vault.azure.net")
    assert vault.json_view()["properties"] == {"type": "AzureKeyVault",
                                               "typeProperties": {"baseUrl": "https://kv1.vault.azure.net"}}


def test_from_azure_subscription_loads_the_account_picker_into_the_form(client: httpx.Client) -> None:
    form = new_postgres(client, **BASIC)
    chosen = form.set(account="azure").post("sections/account")
    container = lxml.html.fragment_fromstring(chosen.text, create_parent="div").get_element_by_id("azure-account")
    # what the form held rides in the URL (hx-vals there would override the picker's own choices)
    assert container.get("hx-get") == (f"/studio{FACTORY_URL}/manage/azure/accounts"
                                       "?server=db.example.com&port=5432&database=sales")
    assert (container.get("hx-trigger"), container.get("hx-disinherit"), container.get("hx-vals")) == ("load", "*", None)
    assert "server" not in section_fields(chosen.text)  # the picker's fragment posts server, port and database itself
    manual = form.set(account="manual").post("sections/account")
    assert {"server", "port", "database"} == section_fields(manual.text)
