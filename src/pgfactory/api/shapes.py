"""The JSON the API answers with, in ARM's and ADF's shapes (azure-sdk-contract.md section 4).

The routes answer it in a JSONResponse, serialized as built: given a dict, FastAPI would first walk
every value through its jsonable_encoder, in Python (8 ms for a page of 100 pipelines).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pgfactory.service.collections import ARM_FACTORY_TYPE, Collection
from pgfactory.store.records import adf_timestamp

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceView
    from pgfactory.service.scope import FactoryScope
    from pgfactory.store import ActivityRunRecord, FactoryRecord, PipelineRunRecord

API_VERSION = "2018-06-01"


def factory_path(scope: FactoryScope) -> str:
    return (f"/subscriptions/{scope.subscription_id}/resourceGroups/{scope.resource_group}"
            f"/providers/Microsoft.DataFactory/factories/{scope.factory_name}")


def factory_json(record: FactoryRecord, properties: dict[str, Any]) -> dict[str, Any]:
    from pgfactory.service.scope import FactoryScope

    scope = FactoryScope(record.subscription_id, record.resource_group, record.name)
    shape: dict[str, Any] = {
        "id": factory_path(scope), "name": record.name, "type": ARM_FACTORY_TYPE, "location": record.location,
        "tags": record.tags,
        "properties": {**properties, "provisioningState": "Succeeded", "createTime": adf_timestamp(record.created_at),
                       "version": API_VERSION},
        "eTag": record.etag,  # a factory's etag is "eTag"; child resources say "etag"
    }
    if record.identity is not None:
        shape["identity"] = record.identity
    return shape


def resource_json(scope: FactoryScope, collection: Collection, view: ResourceView) -> dict[str, Any]:
    return {"id": f"{factory_path(scope)}/{collection.path}/{view.name}", "name": view.name, "type": collection.arm_type,
            "properties": view.properties, "etag": view.etag}


def pipeline_run_json(scope: FactoryScope, run: PipelineRunRecord) -> dict[str, Any]:
    return {**run.to_adf(), "id": f"{factory_path(scope)}/pipelineruns/{run.run_id}", "debugRunId": None}


def activity_run_json(run: ActivityRunRecord) -> dict[str, Any]:
    return run.to_adf()


def arm_error(code: str, message: str, target: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    return {"error": error}
