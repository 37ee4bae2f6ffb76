"""Test connection as the service offers it: a stored linked service by name, or an unsaved definition.

An unsaved definition may send the mask for a secret it does not change: the secret stored under
the same name fills it in, as a PUT would. Only a caller who may change the linked service gets
that (``stored_secrets_allowed``), unless the definition still points where the stored one does: a
changed server with the stored password would hand the password to whoever runs that server. The definitions it
refers to (credentials, the factory's name) come from the stored factory.

Every test of a named linked service, stored or about to be (an unsaved definition with a name),
is kept as that linked service's last result, which the studio's list shows; a definition without
a name is tested only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, test_connection
from pgfactory.errors import AuthorizationError, DefinitionError, NotFoundError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.factory import parse_resource
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.secrets import MASK
from pgfactory.secrets.at_rest import merge_for_put, unseal
from pgfactory.secrets.slots import SEALED_MARK, secret_texts
from pgfactory.service.collections import BY_MODEL_KIND
from pgfactory.service.resources import NAME

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceService
    from pgfactory.service.scope import FactoryScope
    from pgfactory.store.connection_tests import ConnectionTestRecord


def test_linked_service(resources: ResourceService, scope: FactoryScope, *, name: str | None,
                        definition: dict[str, Any] | None, parameters: dict[str, Any],
                        stored_secrets_allowed: bool) -> ConnectionTestReport:
    """The staged report for linked service ``name``, or for ``definition`` (``{"name"?, "properties"}``).

    ``stored_secrets_allowed``: whether a changed ``definition`` may use the stored secrets its masks stand for
    (give it to callers who may change the linked service).
    """
    record = resources.factory(scope)
    factory = resources.runnable_factory(record)
    kept_as = name  # the name the result is kept under; None for a definition without a name
    if definition is not None:
        kept_as = str(definition.get("name") or name or "") or None
        resource = _unsaved(resources, record.id, kept_as or "inline", definition, stored_secrets_allowed)
    elif name is not None:
        found = next((linked for stored_name, linked in factory.linked_services.items()
                      if stored_name.lower() == name.lower()), None)  # ARM names match without case
        if found is None:
            raise NotFoundError(f"linked service {name!r} was not found in factory {scope.factory_name!r}")
        resource = found
    else:
        raise DefinitionError("give linkedServiceName or linkedService", property_path="linkedServiceName",
                              code="InvalidRequestContent")
    report = test_connection(resource, factory=factory, parameters=parameters)
    if kept_as is not None and NAME.fullmatch(kept_as):
        failed = report.failed_stage
        resources.store.connection_tests.record(
            record.id, resource.name, succeeded=report.succeeded, failed_stage=failed.name if failed else None,
            error_code=failed.error_code if failed else None, message=failed.message if failed else "all stages passed")
    return report


test_linked_service.__test__ = False  # type: ignore[attr-defined]  # a service call, not a pytest test


def last_results(resources: ResourceService, scope: FactoryScope, names: Iterable[str]) -> dict[str, ConnectionTestRecord]:
    """The last test result of each of ``names`` that was tested, by lowered name (as ARM compares names)."""
    return resources.store.connection_tests.of(resources.factory(scope).id, names)


def _unsaved(resources: ResourceService, factory_id: int, name: str, definition: dict[str, Any],
             stored_secrets_allowed: bool) -> LinkedServiceResource:
    stored = resources.store.resources.get(factory_id, BY_MODEL_KIND[ModelKind.LINKED_SERVICE].stored, name)
    incoming = definition.get("properties")
    properties = merge_for_put(incoming, stored.properties if stored else None)
    if (not stored_secrets_allowed and _carries_stored_secrets(incoming)
            and (stored is None or _destination(properties) != _destination(stored.properties))):
        raise AuthorizationError(
            "testing a changed definition with stored secrets (sent as the mask) needs the contributor role: it could "
            "send them to another server; test the stored linked service by name, or type the secrets")
    model, problems = parse_resource(ModelKind.LINKED_SERVICE, {"name": name, "properties": unseal(properties, resources.key)},
                                     file=f"linkedService/{name}.json")
    if not isinstance(model, LinkedServiceResource):
        first = problems[0] if problems else None
        raise DefinitionError(first.message if first else "the linked service does not parse",
                              property_path=f"linkedService.{first.property_path}" if first else "linkedService",
                              code="InvalidResourceDefinition")
    return model


# The properties that decide where a linked service's secrets travel (the server, the vault, the Entra authority).
_DESTINATION = ("server", "port", "connectionString", "baseUrl", "tenant", "azureCloudType")


def _destination(properties: Any) -> tuple[Any, ...]:
    type_properties = properties.get("typeProperties") if isinstance(properties, dict) else None
    found = type_properties if isinstance(type_properties, dict) else {}
    # text, so that the port 5432 and "5432" (the same to the connector) compare equal
    return (properties.get("type") if isinstance(properties, dict) else None,
            *(str(found.get(key)) for key in _DESTINATION))


def _carries_stored_secrets(properties: Any) -> bool:
    """Whether ``properties`` stands for stored secrets: the mask, or a sealed text copied from a factory folder."""
    return any(text == MASK or text.startswith(SEALED_MARK) for text in secret_texts(properties).values())
