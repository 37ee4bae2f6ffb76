"""Factories: PUT, GET, DELETE one; list by subscription or resource group."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from pgfactory.api.document import DELETED, ERRORS, NOT_MODIFIED, Factory, FactoryListResponse, answers, api_version
from pgfactory.api.security import Caller, Writer, service_of
from pgfactory.api.shapes import factory_json
from pgfactory.service.scope import FactoryScope

router = APIRouter(tags=["factories"], dependencies=[Depends(api_version)], responses=ERRORS)
PROVIDER = "/providers/Microsoft.DataFactory/factories"
FACTORY = "/subscriptions/{subscription_id}/resourceGroups/{resource_group}" + PROVIDER + "/{factory_name}"


@router.put(FACTORY, response_model=None, responses=answers(Factory))
def put_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Writer,
                body: Annotated[dict[str, Any], Body()],
                if_match: Annotated[str | None, Header()] = None) -> JSONResponse:
    service = service_of(request)
    record, _created = service.resources.put_factory(FactoryScope(subscription_id, resource_group, factory_name), body,
                                                     if_match=if_match)
    return JSONResponse(factory_json(record, service.resources.factory_properties(record)))


@router.get(FACTORY, response_model=None, responses={**answers(Factory), **NOT_MODIFIED})
def get_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Caller,
                if_none_match: Annotated[str | None, Header()] = None) -> Response:
    service = service_of(request)
    record = service.resources.factory(FactoryScope(subscription_id, resource_group, factory_name))
    if if_none_match is not None and if_none_match in (record.etag, "*"):
        return Response(status_code=304)
    return JSONResponse(factory_json(record, service.resources.factory_properties(record)))


@router.delete(FACTORY, status_code=200, response_model=None, response_class=Response, responses=DELETED)
def delete_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Writer) -> Response:
    deleted = service_of(request).store.factories.delete(subscription_id, resource_group, factory_name)
    return Response(status_code=200 if deleted else 204)


@router.get("/subscriptions/{subscription_id}" + PROVIDER, response_model=None, responses=answers(FactoryListResponse))
def list_factories(request: Request, subscription_id: str, _: Caller) -> JSONResponse:
    service = service_of(request)
    return JSONResponse({"value": [factory_json(record, service.resources.factory_properties(record))
                                   for record in service.store.factories.list(subscription_id)]})


@router.get("/subscriptions/{subscription_id}/resourceGroups/{resource_group}" + PROVIDER, response_model=None,
            responses=answers(FactoryListResponse))
def list_factories_in_group(request: Request, subscription_id: str, resource_group: str, _: Caller) -> JSONResponse:
    service = service_of(request)
    return JSONResponse({"value": [factory_json(record, service.resources.factory_properties(record))
                                   for record in service.store.factories.list(subscription_id, resource_group)]})
