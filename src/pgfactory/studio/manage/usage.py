"""Which linked services use a credential or an integration runtime: the list pages' "Used by" and the delete warnings.

A linked service names a credential as ``{"referenceName": ..., "type": "CredentialReference"}`` (Azure
Database for PostgreSQL's ``typeProperties.credential``, Key Vault's too) and its integration runtime as
``connectVia``, an ``IntegrationRuntimeReference``. Names are compared without case, as ADF compares them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgfactory.service.collections import COLLECTIONS, Collection
from pgfactory.service.resources import ResourceService, ResourceView
from pgfactory.service.scope import FactoryScope
from pgfactory.store import ResourceKind

LINKED_SERVICES = COLLECTIONS[ResourceKind.LINKED_SERVICES.value]
_PAGE = 500


def all_resources(resources: ResourceService, scope: FactoryScope, collection: Collection) -> list[ResourceView]:
    """Every resource of the collection (secrets masked), page after page, by name."""
    found: list[ResourceView] = []
    after: str | None = None
    while True:
        views, after = resources.list(scope, collection, after=after, limit=_PAGE)
        found += views
        if after is None:
            return found


def references(document: Any, reference_type: str) -> Iterator[str]:
    """The names of every ``reference_type`` reference anywhere in ``document``."""
    if isinstance(document, list):
        for item in document:
            yield from references(item, reference_type)
    elif isinstance(document, dict):
        name = document.get("referenceName")
        if document.get("type") == reference_type and isinstance(name, str):
            yield name
        for value in document.values():
            yield from references(value, reference_type)


def users_by_name(linked_services: list[ResourceView], reference_type: str) -> dict[str, list[str]]:
    """Referenced name (lower case) -> the names of the linked services that refer to it."""
    users: dict[str, list[str]] = {}
    for view in linked_services:
        for name in {name.lower() for name in references(view.properties, reference_type)}:
            users.setdefault(name, []).append(view.name)
    return users
