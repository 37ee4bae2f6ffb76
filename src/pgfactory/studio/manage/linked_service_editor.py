"""The linked service editor: the form, its JSON view kept in sync, Test connection, Create / Save, + New credential.

Every change the browser sends is the whole form; the server answers with the part that changed:
an authentication type re-renders its fields (``sections/auth``), any edit re-renders the JSON
view (``json``), an edit of the JSON re-renders the form (``form``). Save and Test send what the
user changed last (the form, or the JSON view: ``source``). Secrets typed in the form travel in
the posted form only; the JSON view shows the mask in their place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from pgfactory.errors import AuthorizationError, ConflictError, DefinitionError, PreconditionFailedError
from pgfactory.models.problems import Problem
from pgfactory.models.validation import AZURE_POSTGRESQL
from pgfactory.service import tokens
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.connection_tests import last_results, test_linked_service
from pgfactory.service.resources import check_name
from pgfactory.service.service import Principal, Service
from pgfactory.store import TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory, FactoryPage
from pgfactory.studio.manage.certificate_upload import embedded_certificate
from pgfactory.studio.manage.connectors import Connector, connector
from pgfactory.studio.manage.linked_service_checks import (
    check_definition,
    check_parameter_rows,
    check_required_fields,
    place_errors,
)
from pgfactory.studio.manage.linked_service_fields import CERTIFICATE
from pgfactory.studio.manage.linked_service_form import (
    PARAMETER_TYPES,
    LinkedServiceForm,
    ParameterRow,
    definition_from_form,
    form_from_definition,
    form_from_post,
    new_form,
    stored_secrets_json,
)
from pgfactory.studio.manage.linked_service_json import form_from_json_view, masked_json, parse_json_view
from pgfactory.studio.rendering import is_htmx, render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
PAGE = FACTORY_PATH + "/manage/linked-services"
LINKED_SERVICES = COLLECTIONS["linkedservices"]
SECTIONS = frozenset({"auth", "account", "parameters"})
MANAGED_IDENTITY = "ManagedIdentity"
_IDENTITY_RESOURCE_ID = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/"
                                   r"userAssignedIdentities/[^/]+", re.IGNORECASE)


@dataclass
class EditorState:
    """What a render of the editor shows besides the form."""

    editing: str | None = None  # the stored linked service's name; None for a new one
    etag: str | None = None
    problems: list[Problem] = field(default_factory=list)
    json_text: str | None = None  # None: rendered from the form
    json_error: str = ""
    notes: list[str] = field(default_factory=list)  # what an upgrade to 2.0 did
    upgrade_error: str = ""  # why an upgrade to 2.0 could not be done


def can(user: Principal, role: TokenRole) -> bool:
    return tokens.RANK[user.role] >= tokens.RANK[role]


@router.get(PAGE + "/new/{connector_type}")
def new_linked_service(request: Request, factory: Factory, user: User, connector_type: str) -> Response:
    return render_editor(request, factory, user, new_form(connector(connector_type).type), EditorState())


@router.get(PAGE + "/{name}")
def edit_linked_service(request: Request, factory: Factory, user: User, name: str) -> Response:
    view = service_of(request).resources.get(factory.scope, LINKED_SERVICES, name)
    form = form_from_definition({"name": view.name, "properties": view.properties})
    return render_editor(request, factory, user, form, EditorState(editing=view.name, etag=view.etag))


@router.post(PAGE + "/-/sections/{section}")
async def section(request: Request, factory: Factory, user: User, section: str) -> Response:
    """One part of the form again (the fields of another authentication type, a parameter row more or less),
    with the JSON view."""
    data = await request.form()
    form, errors = await _posted_form(data)
    if section not in SECTIONS:
        raise DefinitionError(f"the form has no section {section!r}", code="NotFound")
    action = str(data.get("parameter_action") or "")
    if section == "parameters" and action == "add":
        form.parameters.append(ParameterRow(""))
    elif section == "parameters" and action.startswith("remove:") and action[7:].isdigit():
        index = int(action[7:])
        if index < len(form.parameters):
            del form.parameters[index]
    context = await run_in_threadpool(_context, request, factory, user, form, _state(data), errors)
    return render(request, "manage/_ls_section.html", {**context, "section": section},
                  status_code=422 if errors else 200)


@router.post(PAGE + "/-/json")
async def form_to_json(request: Request, factory: Factory, user: User) -> Response:
    """The JSON view of what the form says now."""
    data = await request.form()
    form, _ = await _posted_form(data)
    context = {"json_text": masked_json(definition_from_form(form)), "can_test": can(user, TokenRole.OPERATOR),
               "urls": _urls(factory, _state(data))}
    return render(request, "manage/_ls_json.html", context)


@router.post(PAGE + "/-/form")
async def json_to_form(request: Request, factory: Factory, user: User) -> Response:
    """The form the JSON view describes; an error beside the JSON (and the form left alone) when it does not parse."""
    data = await request.form()
    form, _ = await _posted_form(data)
    state = _state(data)
    try:
        form = form_from_json_view(str(data.get("json") or ""), form, editing=state.editing)
    except DefinitionError as error:
        return render(request, "manage/_ls_json_error.html", {"json_error": error.detail, "oob": True},
                      status_code=422, headers={"HX-Reswap": "none"})
    context = await run_in_threadpool(_context, request, factory, user, form, state, {})
    return render(request, "manage/_ls_fields_synced.html", context)


@router.post(PAGE + "/-/test")
async def test(request: Request, factory: Factory, user: User) -> Response:
    """Test connection on what the form (or the JSON view) holds: the staged report, inline."""
    require(user, TokenRole.OPERATOR, "testing connections")
    data = await request.form()
    form, errors = await _posted_form(data)
    state = _state(data)
    if errors:
        return render(request, "manage/_ls_test_report.html", {"problem": next(iter(errors.values()))}, status_code=422)
    try:
        definition = _definition(data, form, state)
        report = await run_in_threadpool(test_linked_service, service_of(request).resources, factory.scope,
                                         name=state.editing, definition=definition, parameters={},
                                         stored_secrets_allowed=tokens.allows(user.role, TokenRole.CONTRIBUTOR))
    except DefinitionError as error:
        return render(request, "manage/_ls_test_report.html", {"problem": error.detail, "path": error.property_path},
                      status_code=422)
    except AuthorizationError as error:  # an operator's changed definition may not use the stored secrets
        return render(request, "manage/_ls_test_report.html", {"problem": error.message}, status_code=403)
    last_result = None
    if state.editing is not None:  # the page's "Last test" says it too
        last_result = await run_in_threadpool(last_results, service_of(request).resources, factory.scope, [state.editing])
    return render(request, "manage/_ls_test_report.html",
                  {"report": report, "last_result": (last_result or {}).get((state.editing or "").lower())})


@router.post(PAGE + "/-/save")
async def save(request: Request, factory: Factory, user: User) -> Response:
    """Create or Save: the definition checked, errors under their fields; the list on success."""
    require(user, TokenRole.CONTRIBUTOR, "changing linked services")
    data = await request.form()
    form, errors = await _posted_form(data)
    state = _state(data)
    from_json = data.get("source") == "json"
    try:
        definition = _definition(data, form, state)
    except DefinitionError as error:
        state.json_text, state.json_error = str(data.get("json") or ""), error.detail
        return await _editor_again(request, factory, user, form, state)
    if from_json:
        form = form_from_json_view(str(data.get("json") or ""), form, editing=state.editing)
    elif state.editing is not None:
        definition["name"] = form.name = state.editing  # a linked service is never renamed
    state.problems = [Problem("", form.name, field_name, message) for field_name, message in errors.items()]
    state.problems += check_definition(definition)
    if not from_json:
        state.problems += check_parameter_rows(form) + check_required_fields(form)
    state.problems = list(dict.fromkeys(state.problems))  # the model and the form may both find a missing field
    if not state.problems:
        state.problems = await run_in_threadpool(_put, service_of(request), factory, definition, state)
    if state.problems:
        state.json_text = str(data.get("json") or "") if from_json else None
        return await _editor_again(request, factory, user, form, state)
    target = factory.url("manage", "linked-services") + f"?saved={quote(str(definition['name']), safe='')}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post(PAGE + "/-/credentials")
async def new_credential(request: Request, factory: Factory, user: User) -> Response:
    """+ New in the credential picker: a user-assigned managed identity credential; the picker lists it, chosen."""
    require(user, TokenRole.CONTRIBUTOR, "creating credentials")
    data = await request.form()
    form, _ = await _posted_form(data)
    name = str(data.get("credential_name") or "").strip()
    resource_id = str(data.get("credential_resource_id") or "").strip()
    errors = await run_in_threadpool(_create_credential, service_of(request), factory, name, resource_id)
    if not errors:
        form.values["credential"] = name
    context = await run_in_threadpool(_context, request, factory, user, form, _state(data), {})
    entered = {"credential_name": name, "credential_resource_id": resource_id} if errors else {}
    return render(request, "manage/_ls_credential_created.html",
                  {**context, "dialog_errors": errors, "entered": entered, "created": not errors},
                  status_code=422 if errors else 200)


def render_editor(request: Request, factory: FactoryPage, user: Principal, form: LinkedServiceForm, state: EditorState,
                  *, status_code: int = 200) -> HTMLResponse:
    """The editor page (or, for htmx, the form alone) with ``state``'s problems under their fields."""
    context = _context(request, factory, user, form, state, {})
    if state.editing is not None:
        context["last_result"] = last_results(service_of(request).resources, factory.scope,
                                              [state.editing]).get(state.editing.lower())
    template = "manage/_ls_editor.html" if is_htmx(request) else "manage/linked_service_editor.html"
    return render(request, template, context, status_code=status_code)


async def _editor_again(request: Request, factory: FactoryPage, user: Principal, form: LinkedServiceForm,
                        state: EditorState) -> HTMLResponse:
    return await run_in_threadpool(render_editor, request, factory, user, form, state, status_code=422)


async def _posted_form(data: FormData) -> tuple[LinkedServiceForm, dict[str, str]]:
    """The posted form, with an uploaded certificate file turned into the PFX it stands for."""
    form = form_from_post(data)
    connector(form.type)  # a type the gallery does not offer is not edited here
    upload = data.get("certificate_upload")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return form, {}
    content = await upload.read()
    try:
        form.typed[CERTIFICATE] = embedded_certificate(content, form.typed.get("servicePrincipalEmbeddedCertPassword"))
    except DefinitionError as error:
        return form, {CERTIFICATE: error.detail}
    form.certificate_file = upload.filename
    return form, {}


def _state(data: FormData) -> EditorState:
    return EditorState(editing=str(data.get("editing") or "") or None, etag=str(data.get("etag") or "") or None)


def _definition(data: FormData, form: LinkedServiceForm, state: EditorState) -> dict[str, Any]:
    if data.get("source") == "json":
        return parse_json_view(str(data.get("json") or ""), form, editing=state.editing)
    definition = definition_from_form(form)
    if state.editing is not None:
        definition["name"] = state.editing
    return definition


def _put(service: Service, factory: FactoryPage, definition: dict[str, Any], state: EditorState) -> list[Problem]:
    """Store the definition; the problems that stopped it (a name taken, a mask with nothing stored, a change meanwhile)."""
    name = str(definition["name"])
    resources = service.resources
    try:
        resources.put(factory.scope, LINKED_SERVICES, name, {"properties": definition["properties"]},
                      if_match=state.etag if state.editing is not None else None, create_only=state.editing is None)
    except ConflictError:
        return [Problem("", name, "name", f"a linked service named {name!r} exists already; choose another name")]
    except PreconditionFailedError:
        return [Problem("", name, "json", "someone else changed this linked service since you opened it; reload the page "
                                          "to see their change (what you entered here is not saved)")]
    except DefinitionError as error:
        return [Problem("", name, error.property_path or "json", error.detail)]
    return []


def _create_credential(service: Service, factory: FactoryPage, name: str, resource_id: str) -> dict[str, str]:
    credentials = COLLECTIONS["credentials"]
    errors: dict[str, str] = {}
    try:
        check_name(name, "credential")
    except DefinitionError as error:
        errors["credential_name"] = "enter a name" if not name else error.detail
    if not _IDENTITY_RESOURCE_ID.fullmatch(resource_id):
        errors["credential_resource_id"] = ("enter the identity's resource ID: /subscriptions/<id>/resourceGroups/<group>/"
                                            "providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>")
    if not errors:
        try:
            service.resources.put(factory.scope, credentials, name, {"properties": {
                "type": MANAGED_IDENTITY, "typeProperties": {"resourceId": resource_id}}}, if_match=None, create_only=True)
        except ConflictError:
            errors["credential_name"] = f"a credential named {name!r} exists already"
    return errors


def _context(request: Request, factory: FactoryPage, user: Principal, form: LinkedServiceForm, state: EditorState,
             errors: dict[str, str]) -> dict[str, Any]:
    """What every editor template sees: the form, where its errors go, the pickers' choices and the user's rights."""
    resources = service_of(request).resources
    found, elsewhere = place_errors(state.problems, {spec.name for spec in form.visible_fields()})
    runtimes = [view.name for view in resources.every(factory.scope, COLLECTIONS["integrationruntimes"])]
    # AzurePostgreSql signs in with a managed identity credential only; a Key Vault may use a service principal too.
    credentials = [(view.name, str(view.properties.get("type") or ""))
                   for view in resources.every(factory.scope, COLLECTIONS["credentials"])
                   if form.type != AZURE_POSTGRESQL or view.properties.get("type") == MANAGED_IDENTITY]
    definition = definition_from_form(form)
    chosen: Connector = connector(form.type)
    return {
        "form": form, "connector": chosen, "state": state, "errors": {**found, **errors}, "elsewhere": elsewhere,
        "problems": state.problems, "runtimes": runtimes, "credentials": credentials,
        "json_text": state.json_text if state.json_text is not None else masked_json(definition),
        "json_error": state.json_error, "stored_secrets": stored_secrets_json(form), "parameter_types": PARAMETER_TYPES,
        "can_test": can(user, TokenRole.OPERATOR), "can_change": can(user, TokenRole.CONTRIBUTOR),
        "urls": _urls(factory, state),
    }


def _urls(factory: FactoryPage, state: EditorState) -> dict[str, str]:
    def editor(*parts: str) -> str:
        return factory.url("manage", "linked-services", "-", *parts)

    urls = {"save": editor("save"), "test": editor("test"), "json": editor("json"), "form": editor("form"),
            "credentials": editor("credentials"), "list": factory.url("manage", "linked-services"),
            "azure_accounts": factory.url("manage", "azure", "accounts")}
    urls.update({f"section_{name}": editor("sections", name) for name in SECTIONS})
    if state.editing is not None:
        urls["delete"] = factory.url("manage", "linked-services", state.editing, "delete")
        urls["upgrade"] = factory.url("manage", "linked-services", state.editing, "upgrade")
    return urls
