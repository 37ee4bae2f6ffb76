"""Trigger now: the parameters dialog, and the run of the saved pipeline it creates through the service's createRun.

Trigger now runs the saved definition, as in ADF (Debug, in :mod:`.debug`, runs the editor's text). So the
dialog is asked for with the editor's text, and when that differs from the saved pipeline the dialog says
to save first (or to debug) instead of running something other than what the user sees. A run that is
created sends the browser to its Monitor page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from pgfactory.errors import DefinitionError, PgFactoryError, QueueFullError
from pgfactory.store import RunOptions, TokenRole
from pgfactory.studio.author.definitions import unchanged
from pgfactory.studio.author.run_parameters import ParameterField, field_of, parameter_fields, read_parameters
from pgfactory.studio.author.sections import Section
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.rendering import is_htmx, render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
PIPELINE_PATH = FACTORY_PATH + "/author/pipelines/{name}"
_PIPELINES = Section.PIPELINES.collection


async def _form(request: Request) -> FormData:
    return await request.form()


Fields = Annotated[FormData, Depends(_form)]


@router.post(PIPELINE_PATH + "/run-dialog")
def run_dialog(request: Request, factory: Factory, name: str, user: User,
               definition: Annotated[str | None, Form()] = None) -> Response:
    """The dialog; ``definition`` is the editor's text, which must be what is saved."""
    require(user, TokenRole.OPERATOR, "running pipelines")
    view = service_of(request).resources.get(factory.scope, _PIPELINES, name)
    unsaved = definition is not None and not unchanged(definition, view)
    fields = parameter_fields(view.properties.get("parameters"))
    return render(request, "author/_run_dialog.html", {"debug": False, "name": view.name, "fields": fields,
                                                       "unsaved": unsaved, "errors": {}, "problem": None})


@router.post(PIPELINE_PATH + "/runs")
def trigger_now(request: Request, factory: Factory, name: str, user: User, form: Fields) -> Response:
    require(user, TokenRole.OPERATOR, "running pipelines")
    service = service_of(request)
    view = service.resources.get(factory.scope, _PIPELINES, name)
    entered = {key: value for key, value in form.items() if isinstance(value, str)}
    fields = parameter_fields(view.properties.get("parameters"), entered)
    values, errors = read_parameters(fields, entered)
    if errors:
        return _dialog_again(request, view.name, fields, errors)
    try:
        run_id = service.runs.create_run(factory.scope, view.name, values, RunOptions())
    except DefinitionError as error:
        field = field_of(error.property_path)
        if field is not None and any(candidate.field == field for candidate in fields):
            return _dialog_again(request, view.name, fields, {field: error.detail})
        return _dialog_again(request, view.name, fields, {}, problem=error)
    except QueueFullError as error:
        return _dialog_again(request, view.name, fields, {}, problem=error, status_code=429)
    except PgFactoryError as error:
        return _dialog_again(request, view.name, fields, {}, problem=error, status_code=400)
    target = factory.url("monitor", "runs", run_id)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _dialog_again(request: Request, name: str, fields: list[ParameterField], errors: dict[str, str], *,
                  problem: PgFactoryError | None = None, status_code: int = 422) -> Response:
    return render(request, "author/_run_dialog.html", {"debug": False, "name": name, "fields": fields, "unsaved": False,
                                                       "errors": errors, "problem": problem}, status_code=status_code)
