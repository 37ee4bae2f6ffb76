"""The linked service envelope, common to every connector type."""

from __future__ import annotations

from typing import Any

from pgfactory.models.base import AdfModel, AdfResource
from pgfactory.models.parameters import ParameterSpecification
from pgfactory.models.references import IntegrationRuntimeReference


class LinkedServiceProperties(AdfModel):
    type: str
    version: str | None = None
    type_properties: dict[str, Any] = {}
    connect_via: IntegrationRuntimeReference | None = None
    description: str | None = None
    parameters: dict[str, ParameterSpecification] | None = None
    annotations: list[Any] | None = None


class LinkedServiceResource(AdfResource):
    type: str | None = None
    properties: LinkedServiceProperties
