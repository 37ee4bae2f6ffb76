"""Test connection as the service offers it: a stored linked service by name, or an unsaved definition.

An unsaved definition may send the mask for a secret it does not change: the secret stored under
the same name fills it in, as a PUT would. The definitions it refers to (credentials, the
factory's name) come from the stored factory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, test_connection
from pgfactory.errors import DefinitionError, NotFoundError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.factory import parse_resource
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.secrets.at_rest import merge_for_put, unseal
from pgfactory.service.collections import BY_MODEL_KIND

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceService
    from pgfactory.service.scope import FactoryScope


def test_linked_service(resources: ResourceService, scope: FactoryScope, *, name: str | None,
                        definition: dict[str, Any] | None, parameters: dict[str, Any]) -> ConnectionTestReport:
    """The staged report for linked service ``name``, or for ``definition`` (``{"name"?, "properties"}``)."""
    record = resources.factory(scope)
    factory = resources.runnable_factory(record)
    if definition is not None:
        resource = _unsaved(resources, record.id, str(definition.get("name") or name or "inline"), definition)
    elif name is not None:
        found = next((linked for stored_name, linked in factory.linked_services.items()
                      if stored_name.lower() == name.lower()), None)  # ARM names match without case
        if found is None:
            raise NotFoundError(f"linked service {name!r} was not found in factory {scope.factory_name!r}")
        resource = found
    else:
        raise DefinitionError("give linkedServiceName or linkedService", property_path="linkedServiceName",
                              code="InvalidRequestContent")
    return test_connection(resource, factory=factory, parameters=parameters)


test_linked_service.__test__ = False  # type: ignore[attr-defined]  # a service call, not a pytest test


def _unsaved(resources: ResourceService, factory_id: int, name: str, definition: dict[str, Any]) -> LinkedServiceResource:
    stored = resources.store.resources.get(factory_id, BY_MODEL_KIND[ModelKind.LINKED_SERVICE].stored, name)
    properties = merge_for_put(definition.get("properties"), stored.properties if stored else None)
    model, problems = parse_resource(ModelKind.LINKED_SERVICE, {"name": name, "properties": unseal(properties, resources.key)},
                                     file=f"linkedService/{name}.json")
    if not isinstance(model, LinkedServiceResource):
        first = problems[0] if problems else None
        raise DefinitionError(first.message if first else "the linked service does not parse",
                              property_path=f"linkedService.{first.property_path}" if first else "linkedService",
                              code="InvalidResourceDefinition")
    return model
