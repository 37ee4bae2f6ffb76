"""Manage > Integration runtimes over HTTP: the built-in default, Azure and self-hosted runtimes, delete warnings."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pgfactory.service.collections import COLLECTIONS
from pgfactory.store import ResourceKind, TokenRole
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE, field_error, make_factory, put, signed_in

RUNTIMES = f"{FACTORY_URL}/manage/integration-runtimes"
VAULT = {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv1.vault.azure.net"}}


@pytest.fixture
def client(studio: Studio) -> Iterator[httpx.Client]:
    make_factory(studio)
    with signed_in(studio) as signed:
        yield signed


def stored(studio: Studio, name: str) -> dict[str, Any]:
    return studio.api.service.resources.get(SCOPE, COLLECTIONS[ResourceKind.INTEGRATION_RUNTIMES.value], name).properties


def connecting_via(runtime: str | None) -> dict[str, Any]:
    """A linked service that connects via ``runtime`` (None: no connectVia, the default runtime)."""
    via = {"connectVia": {"referenceName": runtime, "type": "IntegrationRuntimeReference"}} if runtime else {}
    return {**VAULT, **via}


def test_the_list_shows_the_built_in_default_and_who_uses_it_and_says_everything_runs_locally(
        studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.LINKED_SERVICES, "NoVia", connecting_via(None))
    put(studio, ResourceKind.LINKED_SERVICES, "ExplicitDefault", connecting_via("AutoResolveIntegrationRuntime"))
    page = client.get(RUNTIMES).text
    default_row = page.split("AutoResolveIntegrationRuntime <span class=\"status\">Built-in default</span>")[1].split("</tr>")[0]
    assert ">ExplicitDefault</a>" in default_row and ">NoVia</a>" in default_row
    assert "pgfactory runs every activity itself" in page and "AutoResolveIntegrationRuntime (local)" in page
    assert client.get(f"{RUNTIMES}/AutoResolveIntegrationRuntime").status_code == 400  # nothing to edit
    refused = client.post(f"{RUNTIMES}/new", data={"name": "autoresolveintegrationruntime", "type": "Managed"})
    assert "is the built-in default runtime" in field_error(refused.text, "name")


def test_azure_and_self_hosted_runtimes_are_created_as_adf_writes_them(studio: Studio, client: httpx.Client) -> None:
    created = client.post(f"{RUNTIMES}/new", data={"name": "WestIR", "type": "Managed", "location": "westeurope",
                                                   "description": "near the data"})
    assert created.status_code == 303 and created.headers["location"].endswith("?saved=WestIR")
    assert stored(studio, "WestIR") == {"type": "Managed", "description": "near the data",
                                        "typeProperties": {"computeProperties": {"location": "westeurope"}}}
    assert client.post(f"{RUNTIMES}/new", data={"name": "OnPrem", "type": "SelfHosted", "location": "ignored"}).status_code == 303
    assert stored(studio, "OnPrem") == {"type": "SelfHosted"}
    page = client.get(RUNTIMES).text
    assert ">WestIR</a>" in page and "westeurope" in page and ">OnPrem</a>" in page and "Self-hosted" in page
    invalid = client.post(f"{RUNTIMES}/new", data={"name": "", "type": "Dedicated"})
    assert invalid.status_code == 422
    assert field_error(invalid.text, "name") == "Enter a name." and field_error(invalid.text, "type").startswith("Choose")


def test_editing_keeps_what_the_form_does_not_show(studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.INTEGRATION_RUNTIMES, "FlowIR", {"type": "Managed", "typeProperties": {"computeProperties": {
        "location": "AutoResolve", "dataFlowProperties": {"computeType": "General", "coreCount": 8, "timeToLive": 10}}}})
    page = client.get(f"{RUNTIMES}/FlowIR").text
    assert 'value="Managed" checked' in page and 'value="AutoResolve"' in page
    etag = html.unescape(page.split('name="etag" value="')[1].split('"')[0])
    saved = client.post(f"{RUNTIMES}/FlowIR", data={"type": "Managed", "location": "eastus", "etag": etag})
    assert saved.status_code == 303
    assert stored(studio, "FlowIR")["typeProperties"] == {"computeProperties": {
        "location": "eastus", "dataFlowProperties": {"computeType": "General", "coreCount": 8, "timeToLive": 10}}}
    stale = client.post(f"{RUNTIMES}/FlowIR", data={"type": "Managed", "location": "westus", "etag": etag})
    assert stale.status_code == 422 and "Someone changed this integration runtime" in stale.text
    to_self_hosted = client.post(f"{RUNTIMES}/FlowIR", data={"type": "SelfHosted"})
    assert to_self_hosted.status_code == 303 and stored(studio, "FlowIR") == {"type": "SelfHosted"}


def test_delete_warns_which_linked_services_connect_via_the_runtime(studio: Studio, client: httpx.Client) -> None:
    put(studio, ResourceKind.INTEGRATION_RUNTIMES, "OnPrem", {"type": "SelfHosted"})
    put(studio, ResourceKind.LINKED_SERVICES, "Vault", connecting_via("onprem"))
    dialog = client.get(f"{RUNTIMES}/OnPrem/delete", headers={"HX-Request": "true"}).text
    assert "1 linked service uses this integration runtime" in dialog and ">Vault</a>" in dialog
    assert "connectVia will name a runtime that does not exist" in dialog
    assert client.post(f"{RUNTIMES}/OnPrem/delete").status_code == 303
    assert client.get(f"{RUNTIMES}/OnPrem").status_code == 404


def test_a_reader_cannot_change_runtimes(studio: Studio) -> None:
    make_factory(studio)
    put(studio, ResourceKind.INTEGRATION_RUNTIMES, "OnPrem", {"type": "SelfHosted"})
    with signed_in(studio, TokenRole.OPERATOR) as operator:
        assert "+ New" not in operator.get(RUNTIMES).text
        assert '<fieldset class="bare" disabled>' in operator.get(f"{RUNTIMES}/OnPrem").text
        assert operator.post(f"{RUNTIMES}/OnPrem", data={"type": "Managed"}).status_code == 403
        assert operator.get(f"{RUNTIMES}/OnPrem/delete").status_code == 403
    assert stored(studio, "OnPrem") == {"type": "SelfHosted"}
