"""Manage → Linked services in Chromium: the seed's path to an AzurePostgreSql 2.0 linked service, the service principal
form against the Entra stand-in, and the form by keyboard."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from pgfactory.secrets import MASK
from pgfactory.service.collections import COLLECTIONS
from tests.fixtures.entra import ClientCertificate, EntraStandIn
from tests.fixtures.postgres import RunningServer
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE, make_factory

REQUIRE = "3"


def click_test_connection(page: Page) -> None:
    """Click Test connection and wait for its report (the one before stays shown, dimmed, meanwhile)."""
    with page.expect_response(lambda response: response.url.endswith("/-/test")):
        page.get_by_role("button", name="Test connection").click()


def test_create_a_basic_auth_linked_service_after_testing_it(studio: Studio, page: Page, pg_tls: RunningServer) -> None:
    password = pg_tls.create_role("studio_basic", "right-Passw0rd")
    make_factory(studio)
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/linked-services")
    expect(page.get_by_text("No linked services yet.")).to_be_visible()
    page.get_by_role("link", name="+ New").click()
    page.get_by_label("Search connectors").fill("postgres")
    results = page.locator("#connector-results")
    expect(results).to_contain_text("1 connector for “postgres”")
    expect(results.get_by_role("link", name="File system")).to_have_count(0)
    studio.shot(page, "1-gallery")
    results.get_by_role("link", name="Azure Database for PostgreSQL").click()

    expect(page.get_by_role("heading", name="New linked service")).to_be_visible()
    expect(page.get_by_label("2.0 (recommended)")).to_be_checked()
    expect(page.get_by_label("Enter manually")).to_be_checked()
    page.get_by_role("textbox", name="Name", exact=True).fill("SalesPostgres")
    page.get_by_label("Fully qualified domain name").fill(pg_tls.host)
    page.get_by_label("Port").fill(str(pg_tls.port))
    page.get_by_label("Database name").fill("postgres")
    page.get_by_label("SSL mode").select_option(REQUIRE)
    expect(page.get_by_label("Authentication type")).to_have_value("BasicAuth")
    page.get_by_label("User name").fill("studio_basic")
    page.get_by_label("Password").fill(password)
    json_view = page.get_by_label("JSON", exact=True)
    expect(json_view).to_contain_text('"sslMode": 3')
    expect(json_view).to_contain_text('"username": "studio_basic"')
    expect(json_view).not_to_contain_text(password)  # the JSON view shows the mask, never a typed secret

    click_test_connection(page)
    report = page.locator("#ls-test-report")
    expect(report.get_by_role("heading", name="Connection successful")).to_be_visible()
    expect(report).to_contain_text("TLSv1")
    studio.shot(page, "2-test-succeeded")

    page.get_by_label("Password").fill("wrong-Passw0rd")
    click_test_connection(page)
    expect(report.get_by_role("heading", name="Connection failed at the authentication stage")).to_be_visible()
    expect(report.get_by_role("alert")).to_contain_text("Hint:")
    expect(report.locator("[data-stage=database]")).to_contain_text("Skipped")
    studio.shot(page, "3-test-failed-authentication")

    page.get_by_label("Password").fill(password)
    click_test_connection(page)
    expect(report.get_by_role("heading", name="Connection successful")).to_be_visible()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Linked service SalesPostgres saved.")).to_be_visible()
    row = page.get_by_role("row", name="SalesPostgres")
    expect(row).to_contain_text("Azure Database for PostgreSQL")
    expect(row).to_contain_text("2.0")
    expect(row).to_contain_text("Basic authentication")
    expect(row).to_contain_text("Succeeded")
    studio.shot(page, "4-list")

    row.get_by_role("link", name="SalesPostgres", exact=True).click()
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_text("Stored — leave empty to keep it.")).to_be_visible()
    studio.shot(page, "5-edit")


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0b9f7a1c-5d2e-4c3b-9a8f-6e5d4c3b2a19"
CHINA_SCOPE = "https://ossrdbms-aad.database.chinacloudapi.cn/.default"


def test_the_service_principal_form_gets_tokens_from_the_entra_stand_in(
        studio: Studio, page: Page, pg_tls: RunningServer, entra: EntraStandIn, client_certificate: ClientCertificate,
        tmp_path: Path) -> None:
    # Azure Database for PostgreSQL takes the Entra token as the role's password: the stand-in sets it on each token.
    pg_tls.create_role("studio_sp")
    entra.on_token = lambda token, _: pg_tls.set_password("studio_sp", token)
    entra.register_client_secret(TENANT, CLIENT_ID, "the-client-secret")
    entra.register_client_certificate(TENANT, CLIENT_ID, client_certificate.pem)
    certificate_file = tmp_path / "studio-sp.pfx"
    certificate_file.write_bytes(client_certificate.pfx("pfx-Passw0rd"))
    make_factory(studio)
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/linked-services/new/AzurePostgreSql")
    page.get_by_role("textbox", name="Name", exact=True).fill("EntraPostgres")
    page.get_by_label("Fully qualified domain name").fill(pg_tls.host)
    page.get_by_label("Port").fill(str(pg_tls.port))
    page.get_by_label("Database name").fill("postgres")
    page.get_by_label("SSL mode").select_option(REQUIRE)
    page.get_by_label("Authentication type").select_option("ServicePrincipal")

    # only the service principal's own fields: no password, a key (the default credential type), the cloud
    expect(page.get_by_label("Service principal key")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_label("Service principal credential type")).to_have_value("ServicePrincipalKey")
    expect(page.get_by_label("Azure cloud type")).to_have_value("AzurePublic")
    page.get_by_label("Service principal name").fill("studio_sp")
    page.get_by_label("Tenant").fill(TENANT)
    page.get_by_label("Service principal ID").fill(CLIENT_ID)
    page.get_by_label("Service principal key").fill("not-the-secret")
    studio.shot(page, "1-service-principal-key")
    click_test_connection(page)
    report = page.locator("#ls-test-report")
    expect(report.get_by_role("heading", name="Connection failed at the token stage")).to_be_visible()
    expect(report.get_by_role("alert")).to_contain_text("AADSTS7000215")
    expect(report.get_by_role("alert")).to_contain_text("Hint:")
    studio.shot(page, "2-token-stage-failed")

    page.get_by_label("Service principal key").fill("the-client-secret")
    click_test_connection(page)
    expect(report.get_by_role("heading", name="Connection successful")).to_be_visible()
    expect(report.locator("[data-stage=token]")).to_contain_text("Passed")
    assert entra.token_requests()[-1].client_authentication == "client_secret"

    page.get_by_label("Service principal credential type").select_option("ServicePrincipalCert")
    expect(page.get_by_label("Service principal key")).to_have_count(0)
    page.get_by_label("Certificate password").fill("pfx-Passw0rd")
    page.get_by_label("Service principal certificate").set_input_files(certificate_file)
    expect(page.get_by_text("Loaded studio-sp.pfx")).to_be_visible()
    expect(page.get_by_label("Certificate password")).to_have_value("pfx-Passw0rd")  # typed values survive the re-render
    page.get_by_label("Azure cloud type").select_option("AzureChina")
    expect(page.get_by_label("JSON", exact=True)).to_contain_text('"azureCloudType": "AzureChina"')
    click_test_connection(page)
    expect(report.get_by_role("heading", name="Connection successful")).to_be_visible()
    last = entra.token_requests()[-1]
    assert (last.client_authentication, last.scope, last.tenant) == ("client_assertion", CHINA_SCOPE, TENANT)
    studio.shot(page, "3-certificate-succeeded")

    page.get_by_role("button", name="Create").click()
    row = page.get_by_role("row", name="EntraPostgres")
    expect(row).to_contain_text("Service principal")
    expect(row).to_contain_text("Succeeded")


def htmx_idle(page: Page) -> None:
    """Wait until no htmx request, swap or settle is under way (the swapped-in elements listen for events again)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def tab_to(page: Page, is_focused: str, limit: int = 80) -> None:
    """Press Tab until the JavaScript predicate ``is_focused`` (of the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(element => {is_focused})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {is_focused}")


def test_the_form_works_by_keyboard_and_says_each_error_next_to_its_field(studio: Studio, page: Page) -> None:
    make_factory(studio)
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/linked-services/new/AzurePostgreSql")
    tab_to(page, "element.id === 'field-name'")
    page.keyboard.type("KeyboardPostgres")
    tab_to(page, "element.id === 'field-authenticationType'")
    for _ in range(3):  # Basic -> service principal -> system-assigned -> user-assigned managed identity
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Credentials")).to_be_visible()
    expect(page.get_by_label("Authentication type")).to_be_focused()  # the re-rendered fields left the focus where it was

    tab_to(page, "element.textContent.trim() === '+ New'")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New credential")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Name")).to_be_focused()
    page.keyboard.type("reader-identity")
    page.keyboard.press("Tab")
    page.keyboard.type("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/reader")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    picker = page.get_by_label("Credentials")
    expect(picker).to_be_focused()
    expect(picker).to_have_value("reader-identity")
    expect(page.get_by_label("JSON", exact=True)).to_contain_text('"referenceName": "reader-identity"')

    tab_to(page, "element.textContent.trim() === 'Create'")
    page.keyboard.press("Enter")
    server = page.get_by_label("Fully qualified domain name")
    expect(server).to_have_attribute("aria-invalid", "true")
    error = page.locator("#server-error")
    expect(error).to_have_text("required property is missing")
    expect(error).to_have_attribute("role", "alert")
    assert "server-error" in (server.get_attribute("aria-describedby") or "").split()
    expect(page.locator("#database-error")).to_have_text("required property is missing")
    expect(page.get_by_label("Credentials")).to_have_value("reader-identity")  # what was entered stays entered
    studio.shot(page, "1-errors-next-to-fields")
    server.focus()
    assert server.evaluate("element => getComputedStyle(element).outlineStyle") == "solid"  # a visible focus

    page.set_viewport_size({"width": 420, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # nothing wider than the window
    studio.shot(page, "2-narrow")


def test_the_json_view_and_the_form_follow_each_other_and_save_from_the_json_view_works(
        studio: Studio, page: Page) -> None:
    make_factory(studio)
    studio.sign_in(page)
    page.goto(f"{studio.url}{FACTORY_URL}/manage/linked-services/new/AzurePostgreSql")
    page.get_by_role("textbox", name="Name", exact=True).fill("FromJson")
    page.get_by_label("User name").fill("loader")
    page.get_by_label("Password").fill("typed-Passw0rd")
    json_view = page.get_by_label("JSON", exact=True)
    expect(json_view).to_contain_text('"password"')
    with page.expect_response(lambda response: response.url.endswith("/-/json")):
        json_view.focus()  # leaving the password field sends the form once more: let that JSON arrive first
    htmx_idle(page)
    text = json_view.input_value()

    json_view.fill(text.replace('"username": "loader"', '"username": "loader", "server": "db.example.com",'
                                                         ' "database": "sales"'))
    expect(page.get_by_label("Fully qualified domain name")).to_have_value("db.example.com")
    expect(page.get_by_label("Database name")).to_have_value("sales")
    json_view.fill('{"name": "FromJson", "properties": {')
    error = page.locator("#json-error")
    expect(error).to_contain_text("not valid JSON")
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_label("Database name")).to_have_value("sales")  # the form is left as it was
    studio.shot(page, "1-json-error")

    json_view.fill(text.replace('"username": "loader"', '"username": "loader", "server": "db.example.com",'
                                                         ' "database": "from-json-view"'))
    expect(error).to_have_count(0)
    page.get_by_role("button", name="Create").click()  # straight after the edit: the JSON view is what is saved
    expect(page.get_by_text("Linked service FromJson saved.")).to_be_visible()
    saved = studio.api.service.resources.get(SCOPE, COLLECTIONS["linkedservices"], "FromJson").properties
    assert saved["typeProperties"]["database"] == "from-json-view"
    assert saved["typeProperties"]["password"] == {"type": "SecureString", "value": MASK}  # stored, never shown
