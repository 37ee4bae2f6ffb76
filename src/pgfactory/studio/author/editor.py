"""Pipelines and datasets: the lists, New (a name and JSON), the JSON editor checked as you type, save, delete.

Paths under ``{F}/author/pipelines`` and ``{F}/author/datasets``: the list; ``/new`` (GET the page, POST to
create, ``/new/validate``); ``/{name}`` (GET the editor, POST to save), ``/{name}/validate``,
``/{name}/delete``. Validation answers a fragment with every problem and, for a pipeline, the diagram of
the text as it stands (swapped out of band). Saving goes through :meth:`ResourceService.put` with the etag
the page was opened at, so a save never overwrites someone else's newer one unseen.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from pgfactory.errors import ConflictError, DefinitionError, PreconditionFailedError
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.resources import ResourceView
from pgfactory.store import ResourceKind, TokenRole
from pgfactory.studio.author.definitions import (
    CheckedDefinition,
    EditorProblem,
    check_definition,
    editor_text,
    read_definition,
    unchanged,
)
from pgfactory.studio.author.diagram import layout
from pgfactory.studio.author.listing import dataset_row, pipeline_row
from pgfactory.studio.author.sections import Section
from pgfactory.studio.author.usage import pipelines_using
from pgfactory.studio.factory_page import FACTORY_PATH, Factory, FactoryPage
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
SECTION_PATH = FACTORY_PATH + "/author/{section}"
PAGE = 100
TextField = Annotated[str, Form()]


@router.get(SECTION_PATH)
def resource_list(request: Request, factory: Factory, section: Section, after: str | None = None,
                  deleted: str = "") -> Response:
    views, next_after = service_of(request).resources.list(factory.scope, section.collection, after=after, limit=PAGE)
    rows = [pipeline_row(view) if section is Section.PIPELINES else dataset_row(view) for view in views]
    return render(request, "author/list.html", {"section": section, "rows": rows, "next_after": next_after,
                                                "deleted": deleted, "first_page": after is None})


@router.get(SECTION_PATH + "/new")
def new_page(request: Request, factory: Factory, section: Section, user: User) -> Response:
    require(user, TokenRole.CONTRIBUTOR, f"creating {section.label}s")
    linked_services = list(service_of(request).resources.every(factory.scope, COLLECTIONS[ResourceKind.LINKED_SERVICES]))
    text = editor_text(section.starter(linked_services)["properties"])
    return _editor_page(request, section, name="", text=text, checked=None)


@router.post(SECTION_PATH + "/new")
def create(request: Request, factory: Factory, section: Section, user: User, name: TextField = "",
           definition: TextField = "") -> Response:
    require(user, TokenRole.CONTRIBUTOR, f"creating {section.label}s")
    name = name.strip()
    checked = check_definition(service_of(request).resources, factory.scope, section, name, definition, creating=True)
    if checked.body is not None and not _name_refused(checked):
        try:
            service_of(request).resources.put(factory.scope, section.collection, name, checked.body, if_match=None,
                                              create_only=True)
        except DefinitionError as error:
            checked = _refused(checked, error)
        except ConflictError as error:  # created meanwhile under that name
            checked = CheckedDefinition(checked.body, [EditorProblem("name", error.message), *checked.problems])
        else:
            return RedirectResponse(factory.url("author", section, name) + "?saved=created", status_code=303)
    return _editor_page(request, section, name=name, text=definition, checked=checked, status_code=422)


@router.post(SECTION_PATH + "/new/validate")
def validate_new(request: Request, factory: Factory, section: Section, name: TextField = "",
                 definition: TextField = "") -> Response:
    checked = check_definition(service_of(request).resources, factory.scope, section, name.strip(), definition,
                               creating=True)
    return _checked_fragment(request, section, checked)


@router.get(SECTION_PATH + "/{name}")
def edit_page(request: Request, factory: Factory, section: Section, name: str, saved: str = "") -> Response:
    resources = service_of(request).resources
    view = resources.get(factory.scope, section.collection, name)
    text = editor_text(view.properties)
    checked = check_definition(resources, factory.scope, section, view.name, text, creating=False)
    return _editor_page(request, section, name=view.name, text=text, checked=checked, view=view, saved=saved)


@router.post(SECTION_PATH + "/{name}")
def save(request: Request, factory: Factory, section: Section, name: str, user: User, definition: TextField = "",
         etag: TextField = "") -> Response:
    require(user, TokenRole.CONTRIBUTOR, f"changing {section.label}s")
    resources = service_of(request).resources
    view = resources.get(factory.scope, section.collection, name)
    checked = check_definition(resources, factory.scope, section, view.name, definition, creating=False)
    status_code = 422
    if checked.body is not None and not _name_refused(checked):
        try:
            resources.put(factory.scope, section.collection, view.name, checked.body, if_match=etag or None)
        except DefinitionError as error:
            checked = _refused(checked, error)
        except PreconditionFailedError:
            status_code = 409
            checked = CheckedDefinition(checked.body, [EditorProblem(
                "", f"this {section.label} was saved by someone else after you opened it; copy your changes, reload the "
                    "page and apply them again"), *checked.problems])
        else:
            return RedirectResponse(factory.url("author", section, view.name) + "?saved=saved", status_code=303)
    return _editor_page(request, section, name=view.name, text=definition, checked=checked, view=view,
                        status_code=status_code)


@router.post(SECTION_PATH + "/{name}/validate")
def validate(request: Request, factory: Factory, section: Section, name: str, definition: TextField = "") -> Response:
    checked = check_definition(service_of(request).resources, factory.scope, section, name, definition, creating=False)
    return _checked_fragment(request, section, checked)


@router.post(SECTION_PATH + "/{name}/delete")
def delete(request: Request, factory: Factory, section: Section, name: str, user: User) -> Response:
    require(user, TokenRole.CONTRIBUTOR, f"deleting {section.label}s")
    resources = service_of(request).resources
    view = resources.get(factory.scope, section.collection, name)
    resources.delete(factory.scope, section.collection, view.name, if_match=None)
    return RedirectResponse(f"{factory.url('author', section)}?deleted={quote(view.name, safe='')}", status_code=303)


def _editor_page(request: Request, section: Section, *, name: str, text: str, checked: CheckedDefinition | None,
                 view: ResourceView | None = None, saved: str = "", status_code: int = 200) -> Response:
    factory: FactoryPage = request.state.factory
    resources = service_of(request).resources
    used_by = pipelines_using(resources.every(factory.scope, Section.PIPELINES.collection), section, view.name) \
        if view is not None else []
    context: dict[str, Any] = {
        "section": section, "name": name, "text": text, "checked": checked, "view": view, "saved": saved,
        "used_by": used_by, "creating": view is None, "unsaved": view is not None and not unchanged(text, view),
        "diagram": layout(_activities(checked or read_definition(text, name, section), view))
        if section is Section.PIPELINES else None,
    }
    return render(request, "author/edit.html", context, status_code=status_code)


def _checked_fragment(request: Request, section: Section, checked: CheckedDefinition) -> Response:
    activities = checked.activities
    diagram = layout(activities) if section is Section.PIPELINES and isinstance(activities, list) else None
    return render(request, "author/_checked.html", {"section": section, "checked": checked, "diagram": diagram})


def _activities(checked: CheckedDefinition, view: ResourceView | None) -> Any:
    """What the diagram draws: the text's activities when it parses, else the saved ones."""
    if checked.body is not None:
        return checked.activities
    if view is not None:
        return view.properties.get("activities")
    return None


def _name_refused(checked: CheckedDefinition) -> bool:
    """A problem with the name (taken, not allowed, not the resource's): a save would store the wrong thing."""
    return any(problem.path == "name" and problem.severity == "error" for problem in checked.problems)


def _refused(checked: CheckedDefinition, error: DefinitionError) -> CheckedDefinition:
    """The check's problems with the save's refusal among them (it is one of them unless the store saw more)."""
    path = error.property_path or ""
    if any(problem.path == path for problem in checked.errors):
        return checked
    return CheckedDefinition(checked.body, [EditorProblem(path, error.detail), *checked.problems])
