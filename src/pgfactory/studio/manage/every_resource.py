"""Every resource of one collection of a factory, page after page, through the service (masked views)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgfactory.service.collections import Collection
    from pgfactory.service.resources import ResourceService, ResourceView
    from pgfactory.service.scope import FactoryScope

_PAGE = 500


def every_resource(resources: ResourceService, scope: FactoryScope, collection: Collection) -> Iterator[ResourceView]:
    """The collection's resources in name order (pickers and usage lookups need them all, not a page)."""
    after: str | None = None
    while True:
        views, after = resources.list(scope, collection, after=after, limit=_PAGE)
        yield from views
        if after is None:
            return
