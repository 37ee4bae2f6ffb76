"""Signing in and out, the factory list (with New factory), and a factory's overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from pgfactory.errors import AuthenticationError, DefinitionError
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION
from pgfactory.store import TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.rendering import render, studio_root
from pgfactory.studio.session import SESSION_COOKIE, User, check_csrf, require, service_of, set_cookie

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": _local(next, request)})


@router.post("/login")
async def login(request: Request, api_key: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    target = _local(next, request)
    if not api_key.strip():
        return render(request, "login.html", {"next": target, "error": "Enter an API key."}, status_code=400)
    try:
        await run_in_threadpool(service_of(request).authenticate, api_key)
    except AuthenticationError as error:
        return render(request, "login.html", {"next": target, "error": error.message}, status_code=400)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, api_key.strip(), path=studio_root(request) or "/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse(f"{studio_root(request)}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=studio_root(request) or "/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/")
def factories(request: Request, _: User) -> Response:
    records = service_of(request).resources.factories()
    return render(request, "factories.html", {"factories": records, "defaults": _defaults()})


@router.post("/factories")
def create_factory(request: Request, user: User, name: Annotated[str, Form()] = "",
                   resource_group: Annotated[str, Form()] = DEFAULT_RESOURCE_GROUP,
                   subscription_id: Annotated[str, Form()] = DEFAULT_SUBSCRIPTION) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "creating factories")
    service = service_of(request)
    scope = FactoryScope(subscription_id.strip(), resource_group.strip(), name.strip())
    try:
        if not scope.subscription_id or not scope.resource_group:
            raise DefinitionError("give a subscription and a resource group", property_path="resource_group")
        if any(record.name.lower() == scope.factory_name.lower() and record.resource_group.lower() == scope.resource_group.lower()
               and record.subscription_id.lower() == scope.subscription_id.lower() for record in service.resources.factories()):
            raise DefinitionError(f"factory {scope.factory_name!r} already exists in this resource group",
                                  property_path="name")
        service.resources.put_factory(scope, {"properties": {}}, if_match=None)
    except DefinitionError as error:
        entered = {"name": name, "resource_group": resource_group, "subscription_id": subscription_id}
        return render(request, "factories.html", {"factories": service.resources.factories(), "defaults": entered,
                                                  "error": error}, status_code=400)
    base = f"{studio_root(request)}/f/{scope.subscription_id}/{scope.resource_group}/{scope.factory_name}"
    return RedirectResponse(base + "/", status_code=303)


@router.get(FACTORY_PATH + "/")
def overview(request: Request, factory: Factory) -> Response:
    resources = service_of(request).resources
    counts = {}
    for collection in COLLECTIONS.values():
        views, more = resources.list(factory.scope, collection, after=None, limit=_COUNTED)
        counts[collection.label] = f"{len(views)}+" if more else str(len(views))
    return render(request, "overview.html", {"counts": counts})


_COUNTED = 999


def _defaults() -> dict[str, str]:
    return {"name": "", "resource_group": DEFAULT_RESOURCE_GROUP, "subscription_id": DEFAULT_SUBSCRIPTION}


def _local(target: str, request: Request) -> str:
    """Where to go after signing in: a studio page only (an absolute URL here would be an open redirect)."""
    root = studio_root(request)
    if target.startswith(f"{root}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{root}/"
