"""Envelopes of the resource kinds a factory folder holds, beside linked services.

Only what pgfactory reads is typed; the rest of each resource is kept as it was written.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pgfactory.models.base import AdfModel, AdfResource
from pgfactory.models.parameters import ParameterSpecification
from pgfactory.models.references import LinkedServiceReference


class ManagedIdentityCredentialTypeProperties(AdfModel):
    resource_id: str | None = None
    client_id: str | None = Field(default=None, alias="clientId")


class CredentialProperties(AdfModel):
    type: str
    description: str | None = None
    type_properties: dict[str, Any] = {}
    annotations: list[Any] | None = None


class CredentialResource(AdfResource):
    type: str | None = None
    properties: CredentialProperties


class DatasetProperties(AdfModel):
    type: str
    linked_service_name: LinkedServiceReference
    parameters: dict[str, ParameterSpecification] | None = None
    type_properties: dict[str, Any] = {}


class DatasetResource(AdfResource):
    type: str | None = None
    properties: DatasetProperties


class PipelineProperties(AdfModel):
    activities: list[dict[str, Any]] = []
    parameters: dict[str, ParameterSpecification] | None = None
    variables: dict[str, Any] | None = None


class PipelineResource(AdfResource):
    type: str | None = None
    properties: PipelineProperties


class IntegrationRuntimeProperties(AdfModel):
    type: Literal["Managed", "SelfHosted"] | str
    description: str | None = None
    type_properties: dict[str, Any] | None = None


class IntegrationRuntimeResource(AdfResource):
    type: str | None = None
    properties: IntegrationRuntimeProperties


class TriggerProperties(AdfModel):
    type: str
    pipelines: list[dict[str, Any]] | None = None
    type_properties: dict[str, Any] | None = None


class TriggerResource(AdfResource):
    type: str | None = None
    properties: TriggerProperties


class GlobalParameter(AdfModel):
    type: str
    value: Any = None


class FactoryProperties(AdfModel):
    global_parameters: dict[str, GlobalParameter] | None = None


class FactoryResource(AdfResource):
    location: str | None = None
    properties: FactoryProperties = FactoryProperties()
    identity: dict[str, Any] | None = None
