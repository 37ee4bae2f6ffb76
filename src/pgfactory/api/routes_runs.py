"""Runs: createRun, get, cancel, queryPipelineRuns, queryActivityruns; and testConnection (the staged report)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pgfactory.api.document import (
    ERRORS,
    ActivityRunsQueryResponse,
    ConnectionTestReport,
    CreateRunResponse,
    PipelineRun,
    PipelineRunsQueryResponse,
    ResourceName,
    answers,
    api_version,
)
from pgfactory.api.routes_factories import FACTORY
from pgfactory.api.security import Caller, Runner, service_of
from pgfactory.api.shapes import activity_run_json, pipeline_run_json
from pgfactory.errors import DefinitionError
from pgfactory.service import tokens
from pgfactory.service.connection_tests import test_linked_service
from pgfactory.service.scope import FactoryScope
from pgfactory.store import RunOptions, TokenRole
from pgfactory.store.run_queries import RunFilter, RunQuery, parse_time

router = APIRouter(tags=["runs"], dependencies=[Depends(api_version)], responses=ERRORS)
PAGE = 100


class RunQueryFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operand: str
    operator: str
    values: list[str]


class RunQueryOrderBy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    order_by: str = Field(alias="orderBy")
    order: Literal["ASC", "DESC"]


class RunFilterParameters(BaseModel):
    """ADF's RunFilterParameters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # Read by parse_time (ADF's seven fractional digits, a missing zone meaning UTC), so typed str, documented as times.
    last_updated_after: str = Field(alias="lastUpdatedAfter", json_schema_extra={"format": "date-time"})
    last_updated_before: str = Field(alias="lastUpdatedBefore", json_schema_extra={"format": "date-time"})
    continuation_token: str | None = Field(default=None, alias="continuationToken")
    filters: list[RunQueryFilter] = []
    order_by: list[RunQueryOrderBy] = Field(default=[], alias="orderBy")

    def query(self) -> RunQuery:
        times = []
        for name, text in (("lastUpdatedAfter", self.last_updated_after), ("lastUpdatedBefore", self.last_updated_before)):
            try:
                times.append(parse_time(text))
            except ValueError:
                raise DefinitionError(f"{text!r} is not an ISO 8601 time", property_path=name,
                                      code="InvalidRequestContent") from None
        return RunQuery(times[0], times[1],
                        filters=tuple(RunFilter(f.operand, f.operator, tuple(f.values)) for f in self.filters),
                        order_by=tuple((o.order_by, o.order == "DESC") for o in self.order_by),
                        offset=_offset(self.continuation_token), limit=PAGE)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise DefinitionError("continuationToken is not one this service gave out", property_path="continuationToken",
                              code="InvalidRequestContent") from None
    if not isinstance(offset, int) or offset < 0:
        raise DefinitionError("continuationToken is not one this service gave out", property_path="continuationToken",
                              code="InvalidRequestContent")
    return offset


def _token(query: RunQuery, more: bool) -> str | None:
    if not more:
        return None
    return base64.urlsafe_b64encode(json.dumps({"offset": query.offset + query.limit}).encode()).decode()


@router.post(FACTORY + "/pipelines/{pipeline_name}/createRun", response_model=None, responses=answers(CreateRunResponse))
def create_run(request: Request, subscription_id: str, resource_group: str, factory_name: str, pipeline_name: ResourceName,
               _: Runner, body: Annotated[dict[str, Any] | None, Body()] = None,
               reference_pipeline_run_id: Annotated[str | None, Query(alias="referencePipelineRunId")] = None,
               is_recovery: Annotated[bool, Query(alias="isRecovery")] = False,
               start_activity_name: Annotated[str | None, Query(alias="startActivityName")] = None,
               start_from_failure: Annotated[bool, Query(alias="startFromFailure")] = False) -> JSONResponse:
    options = RunOptions(reference_pipeline_run_id=reference_pipeline_run_id, is_recovery=is_recovery,
                         start_activity_name=start_activity_name or None, start_from_failure=start_from_failure)
    run_id = service_of(request).runs.create_run(FactoryScope(subscription_id, resource_group, factory_name),
                                                 pipeline_name, body, options)
    return JSONResponse({"runId": run_id})


@router.get(FACTORY + "/pipelineruns/{run_id}", response_model=None, responses=answers(PipelineRun))
def get_run(request: Request, subscription_id: str, resource_group: str, factory_name: str, run_id: str,
            _: Caller) -> JSONResponse:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    return JSONResponse(pipeline_run_json(scope, service_of(request).runs.get_run(scope, run_id)))


@router.post(FACTORY + "/pipelineruns/{run_id}/cancel")
def cancel_run(request: Request, subscription_id: str, resource_group: str, factory_name: str, run_id: str,
               _: Runner, is_recursive: Annotated[bool, Query(alias="isRecursive")] = False) -> dict[str, Any]:
    service_of(request).runs.cancel(FactoryScope(subscription_id, resource_group, factory_name), run_id,
                                    recursive=is_recursive)
    return {}


@router.post(FACTORY + "/queryPipelineRuns", response_model=None, responses=answers(PipelineRunsQueryResponse))
def query_pipeline_runs(request: Request, subscription_id: str, resource_group: str, factory_name: str, _: Caller,
                        body: Annotated[RunFilterParameters, Body()]) -> JSONResponse:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    query = body.query()
    runs, more = service_of(request).runs.query_runs(scope, query)
    return JSONResponse({"value": [pipeline_run_json(scope, run) for run in runs], "continuationToken": _token(query, more)})


@router.post(FACTORY + "/pipelineruns/{run_id}/queryActivityruns", response_model=None,
             responses=answers(ActivityRunsQueryResponse))
def query_activity_runs(request: Request, subscription_id: str, resource_group: str, factory_name: str, run_id: str,
                        _: Caller, body: Annotated[RunFilterParameters, Body()]) -> JSONResponse:
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    query = body.query()
    runs, more = service_of(request).runs.query_activity_runs(scope, run_id, query)
    return JSONResponse({"value": [activity_run_json(run) for run in runs], "continuationToken": _token(query, more)})


class TestConnectionRequest(BaseModel):
    """A stored linked service by name, or an inline definition (masked secrets keep the stored ones)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    linked_service_name: str | None = Field(default=None, alias="linkedServiceName")
    linked_service: dict[str, Any] | None = Field(default=None, alias="linkedService")
    parameters: dict[str, Any] = {}


@router.post(FACTORY + "/testConnection", response_model=None, responses=answers(ConnectionTestReport))
def test_connection_route(request: Request, subscription_id: str, resource_group: str, factory_name: str,
                          caller: Runner, body: Annotated[TestConnectionRequest, Body()]) -> JSONResponse:
    report = test_linked_service(service_of(request).resources, FactoryScope(subscription_id, resource_group, factory_name),
                                 name=body.linked_service_name, definition=body.linked_service, parameters=body.parameters,
                                 stored_secrets_allowed=tokens.allows(caller.role, TokenRole.CONTRIBUTOR))
    return JSONResponse(report.to_dict())
