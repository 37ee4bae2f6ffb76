"""The linked service envelope, common to every connector type."""

from __future__ import annotations

from typing import Any

from pgfactory.errors import DefinitionError
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


def parameter_values(resource: LinkedServiceResource, given: dict[str, Any], *, file: str | None = None) -> dict[str, Any]:
    """The values of ``@linkedService()`` parameters: ``given`` over the declared defaults."""
    declared = resource.properties.parameters or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DefinitionError(
            f"parameter(s) {', '.join(unknown)} are not declared; declared: {', '.join(sorted(declared)) or 'none'}",
            file=file, resource=resource.name, property_path="properties.parameters",
        )
    values = {name: spec.default_value for name, spec in declared.items()}
    values.update(given)
    missing = sorted(name for name, item in values.items() if item is None)
    if missing:
        raise DefinitionError(
            f"parameter(s) {', '.join(missing)} have no value and no defaultValue",
            file=file, resource=resource.name, property_path="properties.parameters",
        )
    return values
