"""Manage → Linked services over HTTP: list and gallery, errors next to fields, roles, delete warnings, last test results,
and the upgrade of a 1.0 definition."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import lxml.html
import pytest

from pgfactory.secrets import MASK
from pgfactory.service.collections import COLLECTIONS
from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY_PATH as API_FACTORY
from tests.fixtures.postgres import RunningServer
from tests.studio.conftest import Studio
from tests.studio.manage.linked_service_pages import (
    HTMX,
    LINKED_SERVICES,
    EditorForm,
    has_button,
    put_linked_service,
    stored,
)
from tests.studio.manage.studio_http import SCOPE, field_error, make_factory, signed_in


@pytest.fixture
def client(studio: Studio) -> Iterator[httpx.Client]:
    make_factory(studio)
    with signed_in(studio) as signed:
        yield signed


def basic(server: str = "s", port: int = 5432, password: str = "stored-Secret", **extra: object) -> dict[str, Any]:
    return {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
        "server": server, "port": port, "database": "postgres", "authenticationType": "BasicAuth", "username": "u",
        "password": {"type": "SecureString", "value": password}, **extra}}


def closed_port() -> int:
    """A loopback port nothing listens on: test connection fails at its tcp stage, at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def list_row(client: httpx.Client, name: str) -> str:
    page = lxml.html.fromstring(client.get(LINKED_SERVICES).text)
    rows = [row for row in page.xpath("//table//tbody/tr") if row.xpath(f".//a[normalize-space()='{name}']")]
    return " ".join(rows[0].text_content().split()) if rows else ""


def test_the_gallery_finds_postgresql_as_the_user_types_and_lists_only_what_pgfactory_runs(client: httpx.Client) -> None:
    everything = client.get(f"{LINKED_SERVICES}/new").text
    assert all(title in everything for title in ("Azure Database for PostgreSQL", "File system", "Azure Key Vault"))
    found = client.get(f"{LINKED_SERVICES}/new", params={"q": "postgres"}, headers=HTMX)
    assert found.text.lstrip().startswith('<div id="connector-results"')  # the results alone, for htmx to swap
    links = lxml.html.fragment_fromstring(found.text).xpath("//a/@href")
    assert links == ["/studio/f/00000000-0000-0000-0000-000000000000/rg1/adf1/manage/linked-services/new/AzurePostgreSql"]
    nothing = client.get(f"{LINKED_SERVICES}/new", params={"q": "snowflake"}).text
    assert "No connector matches “snowflake”" in nothing
    assert client.get(f"{LINKED_SERVICES}/new/Snowflake").status_code == 404


def test_create_shows_every_problem_under_its_field(client: httpx.Client) -> None:
    answer = EditorForm.open(client, "new/AzurePostgreSql").set(port="five").post("save")
    assert answer.status_code == 422
    assert field_error(answer.text, "name") == "enter a name"
    for field in ("server", "database", "username", "password"):
        assert field_error(answer.text, field) == "required property is missing", field
    assert field_error(answer.text, "port") == "expected a whole number or an expression, got str 'five'"
    port = lxml.html.fromstring(answer.text).get_element_by_id("field-port")
    assert port.get("aria-invalid") == "true" and port.get("aria-describedby") == "port-help port-error"
    assert "problems to fix before saving" in answer.text


def test_a_taken_name_a_bad_name_and_a_mask_with_nothing_stored_are_refused_next_to_their_fields(
        studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "Sales", basic())
    form = EditorForm.open(client, "new/AzurePostgreSql").set(name="sales", server="s", database="d", username="u",
                                                              password="p")
    assert "exists already" in field_error(form.post("save").text, "name")
    assert "is not allowed" in field_error(form.set(name="a/b").post("save").text, "name")
    json_view = form.set(name="fresh").json_view()  # the JSON view shows the typed password as the mask ...
    form.set(source="json", json=json.dumps(json_view), password="")  # ... which the form no longer holds
    answer = form.post("save")
    assert "stands for a stored secret, and none is stored here" in field_error(answer.text, "password")


def test_a_name_with_spaces_and_accents_is_created_and_its_links_are_quoted(studio: Studio, client: httpx.Client) -> None:
    form = EditorForm.open(client, "new/AzurePostgreSql").set(name="Ventes Europe é", server="s", database="d",
                                                              username="u", password="p")
    target = form.post("save").headers["HX-Redirect"]  # a header: ASCII only, so the name must arrive quoted
    assert target.endswith("/manage/linked-services?saved=Ventes%20Europe%20%C3%A9")
    listing = client.get(studio.api.url + target).text
    assert "/manage/linked-services/Ventes%20Europe%20%C3%A9" in listing
    assert stored(studio, "Ventes Europe é")["typeProperties"]["server"] == "s"


def test_an_edit_keeps_the_name_and_refuses_a_change_made_meanwhile(studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "pg1", basic())
    form = EditorForm.open(client, "pg1")
    assert lxml.html.fromstring(client.get(f"{LINKED_SERVICES}/pg1").text).get_element_by_id("field-name").get("readonly")
    put_linked_service(studio, "pg1", basic(server="changed-elsewhere"))
    answer = form.set(name="renamed").post("save")
    assert answer.status_code == 422
    assert "someone else changed this linked service" in answer.text
    assert stored(studio, "pg1")["typeProperties"]["server"] == "changed-elsewhere"


def test_a_reader_sees_the_form_read_only_and_an_operator_may_test_but_not_save(studio: Studio) -> None:
    make_factory(studio)
    put_linked_service(studio, "pg1", basic(server="127.0.0.1", port=closed_port()))
    with signed_in(studio, TokenRole.READER) as reader:
        listing = reader.get(LINKED_SERVICES).text
        assert "+ New" not in listing and "Delete" not in listing
        page = reader.get(f"{LINKED_SERVICES}/pg1").text
        assert not any(has_button(page, label) for label in ("Save", "Create", "Test connection", "Delete"))
        assert lxml.html.fromstring(page).xpath("//fieldset[contains(@class, 'ls-layout')]/@disabled")
        form = EditorForm(reader, page)
        assert form.post("test").status_code == 403
        assert form.post("save").status_code == 403
        assert reader.get(f"{LINKED_SERVICES}/pg1/delete").status_code == 403
    with signed_in(studio, TokenRole.OPERATOR) as operator:
        page = operator.get(f"{LINKED_SERVICES}/pg1").text
        assert has_button(page, "Test connection") and not has_button(page, "Save")
        form = EditorForm(operator, page)
        assert form.post("test").status_code == 200
        refused = form.post("save")
        assert refused.status_code == 403 and "needs the contributor role" in refused.text
        assert operator.post(f"{LINKED_SERVICES}/pg1/delete").status_code == 403
    assert stored(studio, "pg1")["typeProperties"]["server"] == "127.0.0.1"


def test_delete_warns_about_the_datasets_pipelines_and_linked_services_that_use_it(
        studio: Studio, client: httpx.Client) -> None:
    resources, scope = studio.api.service.resources, SCOPE
    put_linked_service(studio, "Warehouse", basic())
    put_linked_service(studio, "Vault", {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv.vault.azure.net"}})
    reads_the_vault = basic()
    reads_the_vault["typeProperties"]["password"] = {
        "type": "AzureKeyVaultSecret", "secretName": "pw", "store": {"referenceName": "vault", "type": "LinkedServiceReference"}}
    put_linked_service(studio, "Other", reads_the_vault)
    datasets, pipelines = COLLECTIONS["datasets"], COLLECTIONS["pipelines"]
    resources.put(scope, datasets, "Orders", {"properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": {
        "referenceName": "warehouse", "type": "LinkedServiceReference"}}}, if_match=None)
    resources.put(scope, pipelines, "RunScript", {"properties": {"activities": [{"name": "s", "type": "Script",
        "linkedServiceName": {"referenceName": "Warehouse", "type": "LinkedServiceReference"}}]}}, if_match=None)
    resources.put(scope, pipelines, "CopyInLoop", {"properties": {"activities": [{"name": "each", "type": "ForEach",
        "typeProperties": {"items": {"value": "@createArray(1)", "type": "Expression"}, "activities": [
            {"name": "copy", "type": "Copy", "inputs": [{"referenceName": "Orders", "type": "DatasetReference"}]}]}}]}},
        if_match=None)
    resources.put(scope, pipelines, "Unrelated", {"properties": {"activities": [{"name": "w", "type": "Wait",
        "typeProperties": {"waitTimeInSeconds": 1}}]}}, if_match=None)
    dialog = client.get(f"{LINKED_SERVICES}/Warehouse/delete", headers=HTMX).text
    assert dialog.lstrip().startswith('<dialog id="ls-delete"') and "data-dialog-show" in dialog
    users = lxml.html.fragment_fromstring(dialog).xpath("//li/a/text()")
    assert users == ["Orders", "CopyInLoop", "RunScript"]
    assert lxml.html.fragment_fromstring(client.get(f"{LINKED_SERVICES}/Vault/delete", headers=HTMX).text).xpath(
        "//li/a/text()") == ["Other"]
    assert "Nothing in this factory uses it." in client.get(f"{LINKED_SERVICES}/Other/delete").text
    deleted = client.post(f"{LINKED_SERVICES}/Warehouse/delete")
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("?deleted=Warehouse")
    assert client.get(f"{LINKED_SERVICES}/Warehouse").status_code == 404


def test_the_last_test_result_is_kept_shown_and_forgotten_with_the_linked_service(
        studio: Studio, client: httpx.Client, pg_tls: RunningServer) -> None:
    password = pg_tls.create_role("studio_list", "list-Passw0rd")
    assert list_row(client, "pg1") == ""
    put_linked_service(studio, "pg1", basic(server="127.0.0.1", port=closed_port()))
    assert "Not tested" in list_row(client, "pg1")
    # Test connection in the studio, on the stored definition as the form holds it
    report = EditorForm.open(client, "pg1").post("test").text
    assert "Connection failed at the tcp stage" in report
    last_test = lxml.html.fragment_fromstring(report, create_parent="div").get_element_by_id("ls-last-test")
    assert last_test.get("hx-swap-oob") == "true" and "at tcp" in last_test.text_content()  # the page's header too
    assert "Failed at tcp" in list_row(client, "pg1")
    edit_page = client.get(f"{LINKED_SERVICES}/pg1").text
    assert "Last test:" in edit_page and "at tcp" in edit_page
    # the REST API's testConnection of the stored linked service replaces it
    put_linked_service(studio, "pg1", basic(server=pg_tls.host, port=pg_tls.port, password=password, username="studio_list"))
    with studio.api.client(TokenRole.OPERATOR) as api:
        answer = api.post(f"{API_FACTORY}/testConnection", json={"linkedServiceName": "PG1"})
        assert answer.json()["succeeded"] is True, answer.json()
        # an unnamed inline definition is tested only, and is kept under no name
        inline = {"properties": basic(server="127.0.0.1", port=closed_port())}
        assert api.post(f"{API_FACTORY}/testConnection", json={"linkedService": inline}).json()["succeeded"] is False
    assert "Succeeded" in list_row(client, "pg1")
    factory_id = studio.api.service.resources.factory(SCOPE).id
    assert [studio.api.service.store.connection_tests.get(factory_id, name) is None for name in ("inline", "pg1")] == \
        [True, False]
    with studio.api.client() as api:
        assert api.delete(f"{API_FACTORY}/linkedservices/pg1").status_code == 200
    assert studio.api.service.store.connection_tests.get(factory_id, "pg1") is None
    put_linked_service(studio, "pg1", basic())
    assert "Not tested" in list_row(client, "pg1")  # a new linked service of that name starts untested


def test_a_new_definition_tested_before_it_is_created_shows_that_result_once_created(client: httpx.Client) -> None:
    form = EditorForm.open(client, "new/AzurePostgreSql").set(name="fresh", server="127.0.0.1", port=str(closed_port()),
                                                              database="d", username="u", password="p")
    report = form.post("test").text
    assert "Connection failed at the tcp stage" in report and "Hint:" in report
    assert form.post("save").headers["HX-Redirect"].endswith("?saved=fresh")
    assert "Failed at tcp" in list_row(client, "fresh")


LEGACY = {"type": "AzurePostgreSql", "typeProperties": {
    "connectionString": "host=pg.example.com;port=5433;database=sales;uid=loader;password=legacy-Secret;sslmode=Require"}}


def test_a_legacy_definition_shows_the_upgrade_banner_and_upgrading_converts_and_saves_it(
        studio: Studio, client: httpx.Client) -> None:
    put_linked_service(studio, "old", LEGACY)
    assert "1.0 (legacy)" in list_row(client, "old") and "Connection string" in list_row(client, "old")
    page = client.get(f"{LINKED_SERVICES}/old").text
    assert "Version 1.0 is legacy" in page and has_button(page, "Upgrade to 2.0")
    assert "legacy-Secret" not in page and f"password={MASK}" in page
    with signed_in(studio, TokenRole.OPERATOR) as operator:
        assert operator.post(f"{LINKED_SERVICES}/old/upgrade").status_code == 403
    upgraded = client.post(f"{LINKED_SERVICES}/old/upgrade")
    assert upgraded.status_code == 200
    assert "Upgraded to version 2.0 and saved" in upgraded.text and "Version 1.0 is legacy" not in upgraded.text
    assert "legacy-Secret" not in upgraded.text
    properties = stored(studio, "old")
    assert properties["version"] == "2.0"
    assert properties["typeProperties"] == {
        "server": "pg.example.com", "port": 5433, "database": "sales", "sslMode": 3, "authenticationType": "BasicAuth",
        "username": "loader", "password": {"type": "SecureString", "value": "legacy-Secret"}}
    again = client.post(f"{LINKED_SERVICES}/old/upgrade")
    assert again.status_code == 400 and "already version 2.0" in again.text
