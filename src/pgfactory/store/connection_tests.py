"""The last test connection result of each linked service: what the staged report said, and when.

A new result replaces the one before (one row per factory and linked service name, compared
without case as ARM compares names). Rows hold the report's verdict (succeeded, the stage that
failed, its error code and message), never a value of the definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pgfactory.store.arm import Clock, name_key
from pgfactory.store.schema import connection_tests

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import RowMapping

    from pgfactory.store.database import StoreDatabase

MAX_MESSAGE = 2000  # a report's message is a sentence or two; a driver may append much more


@dataclass(frozen=True, slots=True)
class ConnectionTestRecord:
    name: str
    succeeded: bool
    failed_stage: str | None
    error_code: str | None
    message: str
    tested_at: datetime


class ConnectionTests:
    """Record, read and forget the last test connection result of linked services; thread-safe."""

    def __init__(self, database: StoreDatabase, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def record(self, factory_id: int, name: str, *, succeeded: bool, failed_stage: str | None, error_code: str | None,
               message: str) -> ConnectionTestRecord:
        """Keep this result as the linked service's last one (LookupError when the factory is gone)."""
        values = {"name": name, "succeeded": succeeded, "failed_stage": failed_stage, "error_code": error_code,
                  "message": message[:MAX_MESSAGE], "tested_at": self._clock()}
        statement = (self._database.insert(connection_tests)
                     .values(factory_id=factory_id, name_key=name_key(name), **values)
                     .on_conflict_do_update(index_elements=["factory_id", "name_key"], set_=values)
                     .returning(*connection_tests.c))
        try:
            with self._database.write() as connection:
                row = connection.execute(statement).mappings().one()
        except IntegrityError as error:  # the factory's foreign key: the factory was deleted meanwhile
            raise LookupError(f"no factory with id {factory_id}") from error
        return _record_from_row(row)

    def get(self, factory_id: int, name: str) -> ConnectionTestRecord | None:
        query = select(connection_tests).where(connection_tests.c.factory_id == factory_id,
                                               connection_tests.c.name_key == name_key(name))
        with self._database.read() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return _record_from_row(row) if row is not None else None

    def of(self, factory_id: int, names: Iterable[str]) -> dict[str, ConnectionTestRecord]:
        """The last results of ``names`` (a page of a listing) by lowered name; names never tested are absent."""
        keys = sorted({name_key(name) for name in names})
        if not keys:
            return {}
        query = select(connection_tests).where(connection_tests.c.factory_id == factory_id,
                                               connection_tests.c.name_key.in_(keys))
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return {row["name_key"]: _record_from_row(row) for row in rows}

    def delete(self, factory_id: int, name: str) -> bool:
        """Forget the linked service's result (it was deleted); False when there was none."""
        statement = delete(connection_tests).where(connection_tests.c.factory_id == factory_id,
                                                   connection_tests.c.name_key == name_key(name))
        with self._database.write() as connection:
            return connection.execute(statement).rowcount > 0


def _record_from_row(row: RowMapping) -> ConnectionTestRecord:
    return ConnectionTestRecord(name=row["name"], succeeded=row["succeeded"], failed_stage=row["failed_stage"],
                                error_code=row["error_code"], message=row["message"], tested_at=row["tested_at"])
