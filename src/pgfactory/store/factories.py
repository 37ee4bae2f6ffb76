"""Data factories of the service: one per subscription, resource group and name, as ARM addresses them.

All three path segments are compared without case (ARM does); a factory keeps the casing of the
latest PUT of each. Deleting a factory deletes its resources and its run requests with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from pgfactory.store.arm import Clock, name_key, put_row
from pgfactory.store.schema import factories

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement, RowMapping

    from pgfactory.store.database import StoreDatabase


@dataclass(frozen=True, slots=True)
class FactoryRecord:
    """A stored factory. ``properties`` holds what the PUT body's ``properties`` held (ADF's
    ``publicNetworkAccess``, ``repoConfiguration``, ...), verbatim; ``id`` is the store's own."""

    id: int
    subscription_id: str
    resource_group: str
    name: str
    location: str
    tags: dict[str, str]
    identity: dict[str, Any] | None
    properties: dict[str, Any]
    etag: str
    created_at: datetime
    updated_at: datetime


class Factories:
    """Create or replace, get, list and delete factories; thread-safe."""

    def __init__(self, database: StoreDatabase, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def put(self, subscription_id: str, resource_group: str, name: str, *, location: str,
            tags: dict[str, str] | None = None, identity: dict[str, Any] | None = None,
            properties: dict[str, Any] | None = None, if_match: str | None = None) -> tuple[FactoryRecord, bool]:
        """Create the factory or replace everything but its id and creation time; returns it and whether it is new.

        ``if_match`` (HTTP If-Match): ``*`` asks that the factory exist, an etag that it still carry
        it; otherwise :class:`~pgfactory.errors.PreconditionFailedError`.
        """
        key = {"subscription_key": name_key(subscription_id), "resource_group_key": name_key(resource_group),
               "name_key": name_key(name)}
        values = {"subscription_id": subscription_id, "resource_group": resource_group, "name": name,
                  "location": location, "tags": tags or {}, "identity": identity, "properties": properties or {}}
        with self._database.write() as connection:
            row, created = put_row(connection, self._database, factories, key, values, if_match=if_match,
                                   now=self._clock(), label=f"factory '{name}'")
        return _factory_from_row(row), created

    def get(self, subscription_id: str, resource_group: str, name: str) -> FactoryRecord | None:
        query = select(factories).where(_at(subscription_id, resource_group, name))
        with self._database.read() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return _factory_from_row(row) if row is not None else None

    def get_by_id(self, factory_id: int) -> FactoryRecord | None:
        with self._database.read() as connection:
            row = connection.execute(select(factories).where(factories.c.id == factory_id)).mappings().one_or_none()
        return _factory_from_row(row) if row is not None else None

    def list(self, subscription_id: str | None, resource_group: str | None = None) -> list[FactoryRecord]:
        """The factories of a subscription (None: of every one), or of one of its resource groups, by name
        (then resource group)."""
        query = select(factories)
        if subscription_id is not None:
            query = query.where(factories.c.subscription_key == name_key(subscription_id))
        if resource_group is not None:
            query = query.where(factories.c.resource_group_key == name_key(resource_group))
        query = query.order_by(factories.c.name_key, factories.c.resource_group_key)
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_factory_from_row(row) for row in rows]

    def delete(self, subscription_id: str, resource_group: str, name: str) -> bool:
        """Delete the factory with its resources and run requests; False when there was none."""
        with self._database.write() as connection:
            deleted = connection.execute(delete(factories).where(_at(subscription_id, resource_group, name))).rowcount
        return deleted > 0


def _at(subscription_id: str, resource_group: str, name: str) -> ColumnElement[bool]:
    return ((factories.c.subscription_key == name_key(subscription_id))
            & (factories.c.resource_group_key == name_key(resource_group))
            & (factories.c.name_key == name_key(name)))


def _factory_from_row(row: RowMapping) -> FactoryRecord:
    return FactoryRecord(
        id=row["id"], subscription_id=row["subscription_id"], resource_group=row["resource_group"], name=row["name"],
        location=row["location"], tags=row["tags"], identity=row["identity"], properties=row["properties"],
        etag=row["etag"], created_at=row["created_at"], updated_at=row["updated_at"])
