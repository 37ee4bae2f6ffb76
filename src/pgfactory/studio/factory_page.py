"""The factory a studio page is about: its three ARM names in the URL, checked to exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from pgfactory.service.scope import FactoryScope
from pgfactory.store.factories import FactoryRecord
from pgfactory.studio.rendering import studio_root
from pgfactory.studio.session import User, service_of

FACTORY_PATH = "/f/{subscription_id}/{resource_group}/{factory_name}"


@dataclass(frozen=True)
class FactoryPage:
    scope: FactoryScope
    record: FactoryRecord
    base: str  # the factory's URL in the studio: /studio/f/<subscription>/<group>/<factory>

    @property
    def name(self) -> str:
        return self.record.name

    def url(self, *parts: str) -> str:
        """The studio URL of ``parts`` under this factory (each part quoted: names may hold spaces)."""
        return "/".join([self.base, *(quote(part, safe="") for part in parts)])


async def factory_page(request: Request, subscription_id: str, resource_group: str, factory_name: str,
                       _: User) -> FactoryPage:
    """The factory of the URL; :class:`NotFoundError` (a 404 page) when the store has none by those names."""
    scope = FactoryScope(subscription_id, resource_group, factory_name)
    record = await run_in_threadpool(service_of(request).resources.factory, scope)
    base = "/".join([studio_root(request), "f", *(quote(name, safe="") for name in
                                                  (record.subscription_id, record.resource_group, record.name))])
    page = FactoryPage(scope, record, base)
    request.state.factory = page
    return page


Factory = Annotated[FactoryPage, Depends(factory_page)]
