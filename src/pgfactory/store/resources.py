"""A factory's child resources (linked services, datasets, pipelines, ...): ADF's JSON kept as it was PUT.

``properties`` is stored verbatim: the API layer has encrypted secrets before it calls here, and
masks them after. A listing pages by key (the lowered name after which the next page starts), so
that a page costs the same wherever it is and writes between pages neither repeat nor skip names.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pgfactory.store.arm import Clock, etag_matches, name_key, precondition_failed, put_row
from pgfactory.store.schema import resources

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement, RowMapping

    from pgfactory.store.database import StoreDatabase


class ResourceKind(StrEnum):
    """A factory's collections, as ARM's paths name them (lowered: ARM paths are case-insensitive)."""

    LINKED_SERVICES = "linkedservices"
    DATASETS = "datasets"
    PIPELINES = "pipelines"
    TRIGGERS = "triggers"
    CREDENTIALS = "credentials"
    INTEGRATION_RUNTIMES = "integrationruntimes"
    DATA_FLOWS = "dataflows"
    GLOBAL_PARAMETERS = "globalparameters"


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """A stored resource; ``name_key`` is what a listing's next page starts after."""

    factory_id: int
    kind: ResourceKind
    name: str
    name_key: str
    properties: dict[str, Any]
    etag: str
    created_at: datetime
    updated_at: datetime


class Resources:
    """Create or replace, get, list and delete the resources of factories; thread-safe."""

    def __init__(self, database: StoreDatabase, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def put(self, factory_id: int, kind: ResourceKind, name: str, properties: dict[str, Any], *,
            if_match: str | None = None, create_only: bool = False) -> tuple[ResourceRecord, bool]:
        """Create the resource or replace its properties (and name casing); returns it and whether it is new.

        ``if_match`` (HTTP If-Match): ``*`` asks that the resource exist, an etag that it still carry
        it; otherwise :class:`~pgfactory.errors.PreconditionFailedError`. ``create_only``: a resource
        of that name must not exist yet (:class:`~pgfactory.errors.ConflictError`). A factory that
        does not exist (deleted meanwhile, say) raises LookupError.
        """
        kind = ResourceKind(kind)
        key = {"factory_id": factory_id, "kind": kind.value, "name_key": name_key(name)}
        try:
            with self._database.write() as connection:
                row, created = put_row(connection, self._database, resources, key, {"name": name, "properties": properties},
                                       if_match=if_match, now=self._clock(), label=_label(kind, name),
                                       create_only=create_only)
        except IntegrityError as error:  # the only constraint left to break is the factory's foreign key
            raise LookupError(f"no factory with id {factory_id}") from error
        return _resource_from_row(row), created

    def get(self, factory_id: int, kind: ResourceKind, name: str) -> ResourceRecord | None:
        with self._database.read() as connection:
            row = connection.execute(select(resources).where(_at(factory_id, kind, name))).mappings().one_or_none()
        return _resource_from_row(row) if row is not None else None

    def delete(self, factory_id: int, kind: ResourceKind, name: str, *, if_match: str | None = None) -> bool:
        """Delete the resource; False when there was none. With ``if_match``, a resource that is missing or
        carries another etag raises :class:`~pgfactory.errors.PreconditionFailedError` instead."""
        statement = delete(resources).where(_at(factory_id, kind, name), etag_matches(resources, if_match))
        with self._database.write() as connection:
            deleted = connection.execute(statement).rowcount > 0
        if not deleted and if_match is not None:
            raise precondition_failed(_label(ResourceKind(kind), name), if_match)
        return deleted

    def list(self, factory_id: int, kind: ResourceKind, *, after_name_key: str | None = None,
             limit: int = 100) -> builtins.list[ResourceRecord]:
        """Up to ``limit`` resources of one kind by lowered name, those after ``after_name_key`` when given.

        A caller that asks for ``limit + 1`` learns whether a next page exists without another query.
        """
        query = select(resources).where(resources.c.factory_id == factory_id, resources.c.kind == ResourceKind(kind).value)
        if after_name_key is not None:
            query = query.where(resources.c.name_key > after_name_key)
        query = query.order_by(resources.c.name_key).limit(limit)
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_resource_from_row(row) for row in rows]


def _at(factory_id: int, kind: ResourceKind, name: str) -> ColumnElement[bool]:
    return ((resources.c.factory_id == factory_id) & (resources.c.kind == ResourceKind(kind).value)
            & (resources.c.name_key == name_key(name)))


def _label(kind: ResourceKind, name: str) -> str:
    return f"{kind.value} '{name}'"


def _resource_from_row(row: RowMapping) -> ResourceRecord:
    return ResourceRecord(
        factory_id=row["factory_id"], kind=ResourceKind(row["kind"]), name=row["name"], name_key=row["name_key"],
        properties=row["properties"], etag=row["etag"], created_at=row["created_at"], updated_at=row["updated_at"])
