"""Debug: the pipeline as the editor holds it, run without saving it (ADF Studio's Debug runs the canvas).

The Debug button posts the editor's text; the dialog it gets back has one typed control per parameter the
*text* declares, its defaults filled in, and keeps that text in the form, so that what runs is what the
dialog was built from. The text is checked as a save would check it: a problem is listed in the dialog
with its property path and nothing is queued. A run that is created (``RunService.create_debug_run``)
sends the browser to its Monitor page, where it shows as invoked by Debug. On the New pipeline page the
name comes from its field: a pipeline never saved debug-runs too.

Paths: ``{F}/author/pipelines/{name}/debug-dialog`` and ``.../debug``; ``{F}/author/pipelines/new/...`` for
the New page (declared first: ``new`` is the New page's segment, as it is for the editor's own routes).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from pgfactory.errors import DefinitionError, PgFactoryError, QueueFullError
from pgfactory.service.service import Principal
from pgfactory.store import TokenRole
from pgfactory.studio.author.definitions import CheckedDefinition, EditorProblem, check_definition
from pgfactory.studio.author.run_parameters import ParameterField, field_of, parameter_fields, read_parameters
from pgfactory.studio.author.sections import Section
from pgfactory.studio.factory_page import FACTORY_PATH, Factory, FactoryPage
from pgfactory.studio.rendering import is_htmx, render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
PIPELINES_PATH = FACTORY_PATH + "/author/pipelines"
TextField = Annotated[str, Form()]


async def _form(request: Request) -> FormData:
    return await request.form()


Fields = Annotated[FormData, Depends(_form)]


@router.post(PIPELINES_PATH + "/new/debug-dialog")
def new_debug_dialog(request: Request, factory: Factory, user: User, name: TextField = "",
                     definition: TextField = "") -> Response:
    return _dialog(request, factory, user, name.strip(), definition, creating=True)


@router.post(PIPELINES_PATH + "/new/debug")
def new_debug(request: Request, factory: Factory, user: User, form: Fields) -> Response:
    return _debug(request, factory, user, _text(form, "name").strip(), form, creating=True)


@router.post(PIPELINES_PATH + "/{name}/debug-dialog")
def debug_dialog(request: Request, factory: Factory, user: User, name: str, definition: TextField = "") -> Response:
    return _dialog(request, factory, user, name, definition, creating=False)


@router.post(PIPELINES_PATH + "/{name}/debug")
def debug(request: Request, factory: Factory, user: User, name: str, form: Fields) -> Response:
    return _debug(request, factory, user, name, form, creating=False)


def _dialog(request: Request, factory: FactoryPage, user: Principal, name: str, definition: str, *,
            creating: bool) -> Response:
    require(user, TokenRole.OPERATOR, "running pipelines")
    checked = check_definition(service_of(request).resources, factory.scope, Section.PIPELINES, name, definition,
                               creating=creating)
    if checked.errors:
        return _render(request, factory, name, definition, [], creating=creating, problems=checked.errors, runnable=False)
    return _render(request, factory, name, definition, parameter_fields(_declared(checked)), creating=creating,
                   status_code=200)


def _debug(request: Request, factory: FactoryPage, user: Principal, name: str, form: FormData, *,
           creating: bool) -> Response:
    require(user, TokenRole.OPERATOR, "running pipelines")
    definition = _text(form, "definition")
    service = service_of(request)
    checked = check_definition(service.resources, factory.scope, Section.PIPELINES, name, definition, creating=creating)
    if checked.errors or checked.body is None:
        return _render(request, factory, name, definition, [], creating=creating, problems=checked.errors, runnable=False)
    entered = {key: value for key, value in form.items() if isinstance(value, str)}
    fields = parameter_fields(_declared(checked), entered)
    values, errors = read_parameters(fields, entered)
    if errors:
        return _render(request, factory, name, definition, fields, creating=creating, errors=errors)
    try:
        run_id = service.runs.create_debug_run(factory.scope, name, checked.body, values)
    except DefinitionError as error:
        field = field_of(error.property_path)
        if field is not None and any(candidate.field == field for candidate in fields):
            return _render(request, factory, name, definition, fields, creating=creating, errors={field: error.detail})
        return _render(request, factory, name, definition, fields, creating=creating,
                       problems=[EditorProblem(error.property_path or "", error.detail)])
    except QueueFullError as error:
        return _render(request, factory, name, definition, fields, creating=creating, problem=error, status_code=429)
    except PgFactoryError as error:
        return _render(request, factory, name, definition, fields, creating=creating, problem=error, status_code=400)
    target = factory.url("monitor", "runs", run_id)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _declared(checked: CheckedDefinition) -> Any:
    """The parameters the text declares (the text parsed: its properties are an object)."""
    properties = checked.body.get("properties") if checked.body is not None else None
    return properties.get("parameters") if isinstance(properties, dict) else None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _render(request: Request, factory: FactoryPage, name: str, definition: str, fields: list[ParameterField], *,
            creating: bool, errors: dict[str, str] | None = None, problems: list[EditorProblem] | None = None,
            problem: PgFactoryError | None = None, runnable: bool = True, status_code: int = 422) -> Response:
    """The dialog: the parameters' form, or (not ``runnable``) the text's problems that stop it from running."""
    action = factory.url("author", "pipelines", "new", "debug") if creating else factory.url("author", "pipelines", name,
                                                                                             "debug")
    return render(request, "author/_run_dialog.html", {
        "debug": True, "name": name, "creating": creating, "definition": definition, "action": action, "fields": fields,
        "unsaved": False, "runnable": runnable, "errors": errors or {}, "problems": problems or [],
        "problem": problem}, status_code=status_code)
