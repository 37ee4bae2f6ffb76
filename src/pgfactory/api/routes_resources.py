"""A factory's resources (linked services, datasets, pipelines, triggers, credentials, integration runtimes):
PUT, GET, DELETE one, list a page (``nextLink`` continues it). Secrets come back masked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

from pgfactory.api.routes_factories import FACTORY
from pgfactory.api.security import contributor, reader, service_of
from pgfactory.api.shapes import API_VERSION, resource_json
from pgfactory.service.collections import collection as find_collection
from pgfactory.service.scope import FactoryScope
from pgfactory.store import TokenRecord

router = APIRouter(tags=["resources"])
PAGE = 100
Caller = Annotated[TokenRecord, Depends(reader)]
Writer = Annotated[TokenRecord, Depends(contributor)]


@router.get(FACTORY + "/{collection}")
def list_resources(request: Request, subscription_id: str, resource_group: str, factory_name: str, collection: str,
                   _: Caller, skip_token: Annotated[str | None, Query(alias="$skipToken")] = None) -> dict[str, Any]:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    views, after = service_of(request).resources.list(scope, kind, after=skip_token, limit=PAGE)
    page: dict[str, Any] = {"value": [resource_json(scope, kind, view) for view in views]}
    if after is not None:
        page["nextLink"] = str(request.url.replace_query_params(**{"api-version": API_VERSION, "$skipToken": after}))
    return page


@router.put(FACTORY + "/{collection}/{name}")
def put_resource(request: Request, response: Response, subscription_id: str, resource_group: str, factory_name: str,
                 collection: str, name: str, _: Writer, body: Annotated[dict[str, Any], Body()],
                 if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    view, _created = service_of(request).resources.put(scope, kind, name, body, if_match=if_match)
    response.headers["ETag"] = view.etag
    return resource_json(scope, kind, view)  # 200 on create too: the official client accepts nothing else


@router.get(FACTORY + "/{collection}/{name}", response_model=None)
def get_resource(request: Request, response: Response, subscription_id: str, resource_group: str, factory_name: str,
                 collection: str, name: str, _: Caller,
                 if_none_match: Annotated[str | None, Header()] = None) -> dict[str, Any] | Response:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    kind = find_collection(collection)
    view = service_of(request).resources.get(scope, kind, name)
    if if_none_match is not None and if_none_match in (view.etag, "*"):
        return Response(status_code=304)
    response.headers["ETag"] = view.etag
    return resource_json(scope, kind, view)


@router.delete(FACTORY + "/{collection}/{name}", response_model=None)
def delete_resource(request: Request, subscription_id: str, resource_group: str, factory_name: str, collection: str,
                    name: str, _: Writer, if_match: Annotated[str | None, Header()] = None) -> Response:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    deleted = service_of(request).resources.delete(scope, find_collection(collection), name, if_match=if_match)
    return Response(status_code=200 if deleted else 204)
