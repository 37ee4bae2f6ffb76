"""A factory's resources (linked services, datasets, pipelines, triggers, credentials, integration runtimes):
PUT, GET, DELETE one, list a page (``nextLink`` continues it). Secrets come back masked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from pgfactory.api.document import (
    DELETED,
    ERRORS,
    NOT_MODIFIED,
    ChildResource,
    ChildResourceList,
    Collection,
    ResourceName,
    answers,
    api_version,
)
from pgfactory.api.routes_factories import FACTORY
from pgfactory.api.security import Caller, Writer, service_of
from pgfactory.api.shapes import API_VERSION, resource_json
from pgfactory.service.collections import collection as find_collection
from pgfactory.service.scope import FactoryScope

router = APIRouter(tags=["resources"], dependencies=[Depends(api_version)], responses=ERRORS)
PAGE = 100


class ResourceBody(BaseModel):
    """A PUT's body: the definition under ``properties`` (anything else, such as a GET's ``id`` or ``etag``, is ignored)."""

    model_config = ConfigDict(extra="allow")
    properties: dict[str, Any]


@router.get(FACTORY + "/{collection}", response_model=None, responses=answers(ChildResourceList))
def list_resources(request: Request, subscription_id: str, resource_group: str, factory_name: str, collection: Collection,
                   _: Caller, skip_token: Annotated[str | None, Query(alias="$skipToken")] = None) -> JSONResponse:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    views, after = service_of(request).resources.list(scope, kind, after=skip_token, limit=PAGE)
    page: dict[str, Any] = {"value": [resource_json(scope, kind, view) for view in views]}
    if after is not None:
        page["nextLink"] = str(request.url.replace_query_params(**{"api-version": API_VERSION, "$skipToken": after}))
    return JSONResponse(page)


@router.put(FACTORY + "/{collection}/{name}", response_model=None, responses=answers(ChildResource))
def put_resource(request: Request, subscription_id: str, resource_group: str, factory_name: str,
                 collection: Collection, name: ResourceName, _: Writer, body: Annotated[ResourceBody, Body()],
                 if_match: Annotated[str | None, Header()] = None) -> JSONResponse:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    view, _created = service_of(request).resources.put(scope, kind, name, {"properties": body.properties}, if_match=if_match)
    # 200 on create too: the official client accepts nothing else.
    return JSONResponse(resource_json(scope, kind, view), headers={"ETag": view.etag})


@router.get(FACTORY + "/{collection}/{name}", response_model=None, responses={**answers(ChildResource), **NOT_MODIFIED})
def get_resource(request: Request, subscription_id: str, resource_group: str, factory_name: str,
                 collection: Collection, name: ResourceName, _: Caller,
                 if_none_match: Annotated[str | None, Header()] = None) -> Response:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    view = service_of(request).resources.get(scope, kind, name)
    if if_none_match is not None and if_none_match in (view.etag, "*"):
        return Response(status_code=304)
    return JSONResponse(resource_json(scope, kind, view), headers={"ETag": view.etag})


@router.delete(FACTORY + "/{collection}/{name}", response_model=None, response_class=Response, responses=DELETED)
def delete_resource(request: Request, subscription_id: str, resource_group: str, factory_name: str, collection: Collection,
                    name: ResourceName, _: Writer, if_match: Annotated[str | None, Header()] = None) -> Response:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    deleted = service_of(request).resources.delete(scope, find_collection(collection), name, if_match=if_match)
    return Response(status_code=200 if deleted else 204)
