"""Manage > Integration runtimes: the runtimes linked services connect via, listed, created, edited and deleted.

ADF's two kinds (``{"type": "Managed" | "SelfHosted", "typeProperties": {...}}``): an Azure
integration runtime (``Managed``, its region in ``typeProperties.computeProperties.location``) and
a self-hosted one. pgfactory runs every activity on its own workers whatever runtime a linked
service names; the pages say so. ``AutoResolveIntegrationRuntime`` is the built-in default that a
linked service without ``connectVia`` uses: listed, never stored, edited or deleted.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from pgfactory.engine.activity_runner import LOCAL_RUNTIME
from pgfactory.errors import DefinitionError, NotFoundError
from pgfactory.models.validation import AUTO_RESOLVE_RUNTIME
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.resources import ResourceService, ResourceView
from pgfactory.store import ResourceKind, TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory, FactoryPage
from pgfactory.studio.manage.resource_forms import save, text
from pgfactory.studio.manage.usage import LINKED_SERVICES, all_resources, users_by_name
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
RUNTIMES = COLLECTIONS[ResourceKind.INTEGRATION_RUNTIMES.value]
PATH = FACTORY_PATH + "/manage/integration-runtimes"
REFERENCE = "IntegrationRuntimeReference"

MANAGED = "Managed"
SELF_HOSTED = "SelfHosted"
TYPES = {MANAGED: "Azure", SELF_HOSTED: "Self-hosted"}
AUTO_RESOLVE_REGION = "AutoResolve"
FIELDS = {"name": "name", "properties.description": "description", "properties.type": "type",
          "properties.typeProperties.computeProperties.location": "location"}


class RuntimeFields(BaseModel):
    name: str = ""
    description: str = ""
    type: str = MANAGED
    location: str = AUTO_RESOLVE_REGION
    etag: str = ""  # the version the form was opened on: a save over someone else's change is refused


@router.get(PATH)
def runtime_list(request: Request, factory: Factory, saved: str = "", deleted: str = "") -> Response:
    resources = service_of(request).resources
    users = _users(resources, factory)
    rows = [{"name": view.name, "type": _type_label(view.properties), "region": _region(view.properties),
             "description": text(view.properties.get("description")), "used_by": users.get(view.name.lower(), [])}
            for view in all_resources(resources, factory.scope, RUNTIMES)]
    default = {"name": AUTO_RESOLVE_RUNTIME, "type": TYPES[MANAGED], "region": "Auto resolve",
               "used_by": users.get(AUTO_RESOLVE_RUNTIME.lower(), [])}
    return render(request, "manage/integration_runtimes.html", {
        "default": default, "rows": rows, "saved": saved, "deleted": deleted, "local_runtime": LOCAL_RUNTIME})


@router.get(PATH + "/new")
def new_runtime(request: Request, factory: Factory, user: User) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "creating integration runtimes")
    return _form(request, factory, RuntimeFields(), stored=None)


@router.post(PATH + "/new")
def create_runtime(request: Request, factory: Factory, user: User, fields: Annotated[RuntimeFields, Form()]) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "creating integration runtimes")
    return _save(request, factory, fields, stored=None)


@router.get(PATH + "/{name}")
def runtime(request: Request, factory: Factory, name: str) -> Response:
    _refuse_built_in(name)
    view = service_of(request).resources.get(factory.scope, RUNTIMES, name)
    return _form(request, factory, _fields_of(view), stored=view)


@router.post(PATH + "/{name}")
def update_runtime(request: Request, factory: Factory, user: User, name: str,
                   fields: Annotated[RuntimeFields, Form()]) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "changing integration runtimes")
    _refuse_built_in(name)
    view = service_of(request).resources.get(factory.scope, RUNTIMES, name)
    return _save(request, factory, fields.model_copy(update={"name": view.name}), stored=view)


@router.get(PATH + "/{name}/delete")
def confirm_delete(request: Request, factory: Factory, user: User, name: str) -> Response:
    """The delete dialog, naming the linked services that connect via the runtime (asked now)."""
    require(user, TokenRole.CONTRIBUTOR, "deleting integration runtimes")
    _refuse_built_in(name)
    resources = service_of(request).resources
    view = resources.get(factory.scope, RUNTIMES, name)
    return render(request, "manage/_delete_in_use.html", {
        "label": "integration runtime", "name": view.name, "users": _users(resources, factory).get(view.name.lower(), []),
        "action": factory.url("manage", "integration-runtimes", view.name, "delete"),
        "consequence": "Their connectVia will name a runtime that does not exist: the factory stops validating until "
                       "they connect via another runtime or the default."})


@router.post(PATH + "/{name}/delete")
def delete_runtime(request: Request, factory: Factory, user: User, name: str) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "deleting integration runtimes")
    _refuse_built_in(name)
    if not service_of(request).resources.delete(factory.scope, RUNTIMES, name, if_match=None):
        raise NotFoundError(f"integration runtime {name!r} was not found in factory {factory.name!r}")
    return RedirectResponse(f"{factory.url('manage', 'integration-runtimes')}?deleted={quote(name)}", status_code=303)


def _save(request: Request, factory: FactoryPage, fields: RuntimeFields, *, stored: ResourceView | None) -> Response:
    resources = service_of(request).resources
    name = fields.name.strip()
    errors = _problems(fields, creating=stored is None)
    if not errors:
        errors = save(resources, factory.scope, RUNTIMES, name, runtime_properties(fields, stored),
                      stored=stored, etag=fields.etag, fields=FIELDS)
        if not errors:
            return RedirectResponse(f"{factory.url('manage', 'integration-runtimes')}?saved={quote(name)}", status_code=303)
    return _form(request, factory, fields, stored=stored, errors=errors, status_code=422)


def _form(request: Request, factory: FactoryPage, fields: RuntimeFields, *, stored: ResourceView | None,
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    creating = stored is None
    action = factory.url("manage", "integration-runtimes", "new" if stored is None else stored.name)
    return render(request, "manage/integration_runtime_form.html", {
        "fields": fields, "creating": creating, "action": action, "errors": errors or {}, "types": TYPES,
        "local_runtime": LOCAL_RUNTIME}, status_code=status_code)


def runtime_properties(fields: RuntimeFields, stored: ResourceView | None) -> dict[str, Any]:
    """The runtime's properties: the stored ones with what the form holds written over them."""
    base = dict(stored.properties) if stored is not None else {}
    properties: dict[str, Any] = {**base, "type": fields.type}
    if base.get("type") != fields.type:
        properties.pop("typeProperties", None)
    properties.pop("description", None)
    if fields.description.strip():
        properties["description"] = fields.description.strip()
    if fields.type == MANAGED:
        type_properties = dict(properties.get("typeProperties") or {})
        compute = dict(type_properties.get("computeProperties") or {})
        compute["location"] = fields.location.strip() or AUTO_RESOLVE_REGION
        properties["typeProperties"] = {**type_properties, "computeProperties": compute}
    return properties


def _problems(fields: RuntimeFields, *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if creating and not fields.name.strip():
        errors["name"] = "Enter a name."
    elif creating and fields.name.strip().lower() == AUTO_RESOLVE_RUNTIME.lower():
        errors["name"] = f"{AUTO_RESOLVE_RUNTIME} is the built-in default runtime; choose another name."
    if fields.type not in TYPES:
        errors["type"] = "Choose an Azure or a self-hosted integration runtime."
    return errors


def _users(resources: ResourceService, factory: FactoryPage) -> dict[str, list[str]]:
    """Runtime name (lower case) -> the linked services connecting via it; those without connectVia use the default."""
    linked_services = all_resources(resources, factory.scope, LINKED_SERVICES)
    users = users_by_name(linked_services, REFERENCE)
    for view in linked_services:
        if not isinstance(view.properties.get("connectVia"), dict):
            users.setdefault(AUTO_RESOLVE_RUNTIME.lower(), []).append(view.name)
    return users


def _fields_of(view: ResourceView) -> RuntimeFields:
    return RuntimeFields(name=view.name, description=text(view.properties.get("description")),
                         type=text(view.properties.get("type")), location=_region(view.properties) or AUTO_RESOLVE_REGION,
                         etag=view.etag)


def _type_label(properties: dict[str, Any]) -> str:
    kind = text(properties.get("type"))
    if kind == MANAGED and isinstance((properties.get("typeProperties") or {}).get("ssisProperties"), dict):
        return "Azure-SSIS"
    return TYPES.get(kind, kind)


def _region(properties: dict[str, Any]) -> str:
    compute = (properties.get("typeProperties") or {}).get("computeProperties")
    return text(compute.get("location")) if isinstance(compute, dict) else ""


def _refuse_built_in(name: str) -> None:
    if name.lower() == AUTO_RESOLVE_RUNTIME.lower():
        raise DefinitionError(f"{AUTO_RESOLVE_RUNTIME} is the built-in default runtime: it cannot be changed or deleted",
                              property_path="name", code="BuiltInIntegrationRuntime")
