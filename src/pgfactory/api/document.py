"""What the published OpenAPI document says beyond the routes' signatures: the answers' shapes, ARM's
error envelope, the ``api-version`` every call carries, and what a path segment may hold.

The routes build their JSON in :mod:`pgfactory.api.shapes` and answer it as it is; the models here
only describe it (``responses=``), so that a client generator, or schemathesis checking every
answer against the document, sees what really comes back. Field names are ADF's, in camelCase.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from pgfactory.api.shapes import API_VERSION
from pgfactory.service.resources import MAX_NAME_LENGTH, NAME

# The collections as the official client spells them in paths (other casings are accepted too).
COLLECTION_SEGMENTS = ("linkedservices", "datasets", "pipelines", "triggers", "credentials", "integrationRuntimes")

Collection = Annotated[str, Path(description="A factory's collection; matched without case",
                                 json_schema_extra={"enum": list(COLLECTION_SEGMENTS)})]
# Documented only: a name ADF refuses is answered by the service with InvalidResourceName, a clearer 400.
ResourceName = Annotated[str, Path(description="A resource's name, as ADF allows it",
                                   json_schema_extra={"pattern": f"^{NAME.pattern}$", "maxLength": MAX_NAME_LENGTH})]


def api_version(version: Annotated[str, Query(alias="api-version", json_schema_extra={"enum": [API_VERSION]})]) -> None:
    """Declares ARM's ``api-version`` parameter for the document; the app's middleware checked its value already."""


class _Shape(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class CloudErrorBody(_Shape):
    code: str
    message: str
    target: str | None = None  # the property path the error is about, when there is one


class CloudError(_Shape):
    """ARM's error envelope, the body of every answer that is not a success."""

    error: CloudErrorBody


class ChildResource(_Shape):
    """A linked service, dataset, pipeline, trigger, credential or integration runtime; secrets masked."""

    id: str
    name: str
    type: str
    properties: dict[str, Any]
    etag: str


class ChildResourceList(_Shape):
    value: list[ChildResource]
    next_link: str | None = None  # absent on the last page


class Factory(_Shape):
    id: str
    name: str
    type: str
    location: str
    tags: dict[str, str]
    properties: dict[str, Any]
    e_tag: str  # "eTag", as ARM spells a factory's etag
    identity: dict[str, Any] | None = None


class FactoryListResponse(_Shape):
    value: list[Factory]


class CreateRunResponse(_Shape):
    run_id: str


class PipelineRunInvokedBy(_Shape):
    name: str
    id: str
    invoked_by_type: str
    pipeline_name: str | None = None
    pipeline_run_id: str | None = None


class PipelineRun(_Shape):
    id: str
    run_id: str
    run_group_id: str
    is_latest: bool
    pipeline_name: str
    parameters: dict[str, str]
    run_dimension: dict[str, str]
    invoked_by: PipelineRunInvokedBy
    last_updated: datetime
    run_start: datetime
    run_end: datetime | None
    duration_in_ms: int | None
    status: str
    message: str
    annotations: list[Any]
    debug_run_id: str | None


class PipelineRunsQueryResponse(_Shape):
    value: list[PipelineRun]
    continuation_token: str | None


class ActivityRun(_Shape):
    activity_name: str
    activity_type: str
    activity_run_id: str
    pipeline_name: str
    pipeline_run_id: str
    status: str
    activity_run_start: datetime
    activity_run_end: datetime | None
    duration_in_ms: int | None
    input: Any
    output: Any
    error: dict[str, Any]
    linked_service_name: str
    user_properties: dict[str, Any]
    retry_attempt: int | None
    iteration_hash: str
    parent_activity_run_id: str | None


class ActivityRunsQueryResponse(_Shape):
    value: list[ActivityRun]
    continuation_token: str | None


class ConnectionStage(_Shape):
    stage: str
    status: str
    elapsed_ms: float
    details: Any
    message: str | None = None
    hint: str | None = None
    error_code: str | None = None
    sqlstate: str | None = None


class ConnectionTestReport(_Shape):
    """testConnection's staged report: each stage, and the first that failed."""

    linked_service: str
    succeeded: bool
    failed_stage: str | None
    error_code: str | None
    message: str
    stages: list[ConnectionStage]


class Health(_Shape):
    status: str
    running: int


ERRORS: dict[int | str, dict[str, Any]] = {"default": {"model": CloudError, "description": "ARM's error envelope"}}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not Modified: the etag is the one in If-None-Match"}}
DELETED: dict[int | str, dict[str, Any]] = {200: {"description": "Deleted"}, 204: {"description": "There was nothing to delete"}}


def answers(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route whose 200 is ``model``."""
    return {200: {"model": model}}
