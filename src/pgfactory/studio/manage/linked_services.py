"""Manage → Linked services: the list (with each one's last test result), the connector gallery, delete and upgrade.

The editor's routes (new, edit, test, save) live in :mod:`.linked_service_editor`; its router is
included last, so that ``/new`` is the gallery and not a linked service named "new".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from pgfactory.errors import DefinitionError
from pgfactory.models.azure_postgresql import is_version_2
from pgfactory.models.validation import AZURE_POSTGRESQL
from pgfactory.service.connection_tests import last_results
from pgfactory.service.linked_service_upgrades import upgrade_stored_linked_service
from pgfactory.service.resources import ResourceView
from pgfactory.store import TokenRole
from pgfactory.store.connection_tests import ConnectionTestRecord
from pgfactory.studio.factory_page import Factory
from pgfactory.studio.manage import linked_service_editor
from pgfactory.studio.manage.connectors import BY_TYPE, CONNECTORS, search
from pgfactory.studio.manage.linked_service_editor import LINKED_SERVICES, PAGE, EditorState, can, render_editor
from pgfactory.studio.manage.linked_service_fields import AUTHENTICATION_CHOICES
from pgfactory.studio.manage.linked_service_form import form_from_definition
from pgfactory.studio.manage.linked_service_usage import linked_service_usage
from pgfactory.studio.rendering import is_htmx, render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
LIST_PAGE = 100
_AUTHENTICATION_TITLES = dict(AUTHENTICATION_CHOICES)


@dataclass(frozen=True)
class Row:
    """One linked service as the list shows it."""

    name: str
    type_title: str
    version: str
    authentication: str
    last_result: ConnectionTestRecord | None


@router.get(PAGE)
def linked_services(request: Request, factory: Factory, user: User, after: str | None = None, saved: str = "",
                    deleted: str = "") -> Response:
    resources = service_of(request).resources
    views, next_page = resources.list(factory.scope, LINKED_SERVICES, after=after or None, limit=LIST_PAGE)
    results = last_results(resources, factory.scope, [view.name for view in views])
    rows = [_row(view, results.get(view.name.lower())) for view in views]
    return render(request, "manage/linked_services.html", {"rows": rows, "next_page": next_page, "saved": saved,
                                                           "deleted": deleted, "can_change": can(user, TokenRole.CONTRIBUTOR)})


@router.get(PAGE + "/new")
def gallery(request: Request, factory: Factory, user: User, q: str = "") -> Response:
    """New: the connectors pgfactory can run, filtered by ``q`` (as the user types, for htmx)."""
    context = {"connectors": search(q), "query": q, "offered": [connector.title for connector in CONNECTORS]}
    template = "manage/_ls_connectors.html" if is_htmx(request) else "manage/linked_service_gallery.html"
    return render(request, template, context)


@router.get(PAGE + "/{name}/delete")
def confirm_delete(request: Request, factory: Factory, user: User, name: str) -> Response:
    """The confirmation, listing the datasets, pipelines and linked services that use it (a dialog for htmx)."""
    require(user, TokenRole.CONTRIBUTOR, "deleting linked services")
    resources = service_of(request).resources
    view = resources.get(factory.scope, LINKED_SERVICES, name)
    context = {"name": view.name, "usage": linked_service_usage(resources, factory.scope, view.name)}
    template = "manage/_ls_delete_dialog.html" if is_htmx(request) else "manage/linked_service_delete.html"
    return render(request, template, context)


@router.post(PAGE + "/{name}/delete")
def delete(request: Request, factory: Factory, user: User, name: str) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "deleting linked services")
    view = service_of(request).resources.get(factory.scope, LINKED_SERVICES, name)
    service_of(request).resources.delete(factory.scope, LINKED_SERVICES, view.name, if_match=None)
    return RedirectResponse(factory.url("manage", "linked-services") + f"?deleted={quote(view.name, safe='')}", status_code=303)


@router.post(PAGE + "/{name}/upgrade")
async def upgrade(request: Request, factory: Factory, user: User, name: str) -> Response:
    """Upgrade a 1.0 AzurePostgreSql linked service to 2.0 and save it; the editor shows what changed."""
    require(user, TokenRole.CONTRIBUTOR, "upgrading linked services")
    resources = service_of(request).resources
    try:
        view, notes = await run_in_threadpool(upgrade_stored_linked_service, resources, factory.scope, name)
    except DefinitionError as error:
        view = await run_in_threadpool(resources.get, factory.scope, LINKED_SERVICES, name)
        state = EditorState(editing=view.name, etag=view.etag, upgrade_error=error.detail)
        form = form_from_definition({"name": view.name, "properties": view.properties})
        return await run_in_threadpool(render_editor, request, factory, user, form, state, status_code=400)
    form = form_from_definition({"name": view.name, "properties": view.properties})
    state = EditorState(editing=view.name, etag=view.etag, notes=notes or ["nothing needed a note"])
    return await run_in_threadpool(render_editor, request, factory, user, form, state)


def _row(view: ResourceView, result: ConnectionTestRecord | None) -> Row:
    properties = view.properties
    connector_type = str(properties.get("type") or "")
    found = BY_TYPE.get(connector_type.lower())
    return Row(view.name, found.title if found else connector_type, _version(properties, connector_type),
               _authentication(properties, connector_type), result)


def _version(properties: dict[str, Any], connector_type: str) -> str:
    version = str(properties.get("version") or "")
    if connector_type == AZURE_POSTGRESQL:
        return "2.0" if is_version_2(version) else "1.0 (legacy)"
    return version


def _authentication(properties: dict[str, Any], connector_type: str) -> str:
    type_properties = properties.get("typeProperties")
    type_properties = type_properties if isinstance(type_properties, dict) else {}
    if connector_type == AZURE_POSTGRESQL:
        if not is_version_2(properties.get("version")):
            return "Connection string"
        chosen = type_properties.get("authenticationType") or "BasicAuth"
        return _AUTHENTICATION_TITLES.get(str(chosen), str(chosen))
    credential = type_properties.get("credential")
    if isinstance(credential, dict) and credential.get("referenceName"):
        return f"Credential {credential['referenceName']}"
    if "password" in type_properties:
        return "Basic authentication"
    return "System-assigned managed identity" if connector_type == "AzureKeyVault" else "None"


router.include_router(linked_service_editor.router)
