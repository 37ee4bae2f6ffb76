"""Factories: PUT, GET, DELETE one; list by subscription or resource group."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response

from pgfactory.api.security import contributor, reader, service_of
from pgfactory.api.shapes import factory_json
from pgfactory.service.scope import FactoryScope
from pgfactory.store import TokenRecord

router = APIRouter(tags=["factories"])
PROVIDER = "/providers/Microsoft.DataFactory/factories"
FACTORY = "/subscriptions/{subscription_id}/resourceGroups/{resource_group}" + PROVIDER + "/{factory_name}"
Caller = Annotated[TokenRecord, Depends(reader)]
Writer = Annotated[TokenRecord, Depends(contributor)]


@router.put(FACTORY)
def put_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Writer,
                body: Annotated[dict[str, Any], Body()],
                if_match: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    service = service_of(request)
    record, _created = service.resources.put_factory(FactoryScope(subscription_id, resource_group, factory_name), body,
                                                     if_match=if_match)
    return factory_json(record, service.resources.factory_properties(record))


@router.get(FACTORY, response_model=None)
def get_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Caller,
                if_none_match: Annotated[str | None, Header()] = None) -> dict[str, Any] | Response:
    service = service_of(request)
    record = service.resources.factory(FactoryScope(subscription_id, resource_group, factory_name))
    if if_none_match is not None and if_none_match in (record.etag, "*"):
        return Response(status_code=304)
    return factory_json(record, service.resources.factory_properties(record))


@router.delete(FACTORY, status_code=200, response_model=None)
def delete_factory(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Writer) -> Response:
    deleted = service_of(request).store.factories.delete(subscription_id, resource_group, factory_name)
    return Response(status_code=200 if deleted else 204)


@router.get("/subscriptions/{subscription_id}" + PROVIDER)
def list_factories(request: Request, subscription_id: str, _: Caller) -> dict[str, Any]:
    service = service_of(request)
    return {"value": [factory_json(record, service.resources.factory_properties(record))
                      for record in service.store.factories.list(subscription_id)]}


@router.get("/subscriptions/{subscription_id}/resourceGroups/{resource_group}" + PROVIDER)
def list_factories_in_group(request: Request, subscription_id: str, resource_group: str, _: Caller) -> dict[str, Any]:
    service = service_of(request)
    return {"value": [factory_json(record, service.resources.factory_properties(record))
                      for record in service.store.factories.list(subscription_id, resource_group)]}
