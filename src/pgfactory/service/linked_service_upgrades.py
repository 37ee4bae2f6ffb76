"""Upgrade a stored 1.0 ``AzurePostgreSql`` linked service to 2.0, in place.

The conversion is ``pgfactory upgrade-linked-service``'s (:mod:`pgfactory.connectors.postgres.upgrade`),
run on the stored definition with its secrets opened: the password inside a 1.0 connection string
becomes 2.0's ``password``, and is sealed again when the result is stored. Nothing secret leaves
the service; the caller gets the masked view and the upgrade's notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pgfactory.connectors.postgres.upgrade import upgrade_linked_service
from pgfactory.errors import NotFoundError
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.secrets.at_rest import unseal
from pgfactory.service.collections import COLLECTIONS

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceService, ResourceView
    from pgfactory.service.scope import FactoryScope

LINKED_SERVICES = COLLECTIONS["linkedservices"]


def upgrade_stored_linked_service(resources: ResourceService, scope: FactoryScope,
                                  name: str) -> tuple[ResourceView, list[str]]:
    """Store the 2.0 form of linked service ``name`` in place of its 1.0 form; returns it (masked) and the notes.

    :class:`DefinitionError` when it cannot be upgraded (already 2.0, a connection string that is an
    expression or a Key Vault secret, ...); :class:`PreconditionFailedError` when it changed meanwhile.
    """
    stored = resources.store.resources.get(resources.factory(scope).id, LINKED_SERVICES.stored, name)
    if stored is None:
        raise NotFoundError(f"linked service {name!r} was not found in factory {scope.factory_name!r}")
    legacy = LinkedServiceResource.model_validate({"name": stored.name,
                                                   "properties": unseal(stored.properties, resources.key)})
    result = upgrade_linked_service(legacy, file=f"linkedService/{stored.name}.json")
    upgraded = result.linked_service.to_json()
    view, _ = resources.put(scope, LINKED_SERVICES, stored.name, {"properties": upgraded["properties"]},
                            if_match=stored.etag)
    return view, result.notes
