"""ARM's rules for the service's tables: names compared without case, opaque etags, and If-Match.

ARM matches names case-insensitively and answers with the casing of the latest PUT: a row keeps
that casing in ``name`` and the lowered name, which uniqueness and paging use, in ``name_key``.
Every write gives a row a new etag, quoted as ARM quotes them (``"<uuid>"``). A conditional write
names the etag it expects (``If-Match``); ``*`` asks only that the row exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, true, update

from pgfactory.errors import ConflictError, PreconditionFailedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import ColumnElement, Connection, RowMapping, Table

    from pgfactory.store.database import StoreDatabase

# Where the service's tables take "now" from: utc_now, or a test's own clock.
Clock = Callable[[], datetime]
ANY_ETAG = "*"


def name_key(name: str) -> str:
    """The form in which ARM compares names: ``MyPipeline`` and ``mypipeline`` are one resource."""
    return name.lower()


def new_etag() -> str:
    return f'"{uuid.uuid4()}"'


def etag_matches(table: Table, if_match: str | None) -> ColumnElement[bool]:
    """The condition ``if_match`` puts on a row: none for no If-Match or ``*``, else that etag."""
    if if_match is None or if_match == ANY_ETAG:
        return true()
    return table.c.etag == if_match


def put_row(connection: Connection, database: StoreDatabase, table: Table, key: Mapping[str, Any],
            values: Mapping[str, Any], *, if_match: str | None, now: datetime, label: str,
            create_only: bool = False) -> tuple[RowMapping, bool]:
    """Create or replace the row at ``key`` with ``values`` and a new etag; returns the row and whether it is new.

    Without ``if_match`` the row is created when missing; with it, the row must exist (and carry
    that etag unless it is ``*``) or :class:`PreconditionFailedError` is raised. ``create_only``
    refuses to replace a row (:class:`ConflictError`): two creators of one name never overwrite
    each other. Each step is a
    single writing statement, so that concurrent writers of one name serialize on the row: an
    INSERT that finds the name taken (or being taken by a transaction that has not committed yet)
    does nothing, and the UPDATE after it sees the committed row.
    """
    changes = {**values, "etag": new_etag(), "updated_at": now}
    at_key = and_(*(table.c[column] == value for column, value in key.items()))
    replace = update(table).where(at_key, etag_matches(table, if_match)).values(changes).returning(*table.c)
    while True:
        if if_match is None:
            create = (database.insert(table).values({**key, **changes, "created_at": now})
                      .on_conflict_do_nothing().returning(*table.c))
            created = connection.execute(create).mappings().one_or_none()
            if created is not None:
                return created, True
            if create_only:
                raise ConflictError(f"{label} already exists")
        replaced = connection.execute(replace).mappings().one_or_none()
        if replaced is not None:
            return replaced, False
        if if_match is not None:
            raise precondition_failed(label, if_match)
        # Without If-Match: another writer deleted the row between the two statements; create it again.


def precondition_failed(label: str, if_match: str) -> PreconditionFailedError:
    """The error of a write whose If-Match failed; ``label`` names the resource (``pipeline 'Load'``)."""
    if if_match == ANY_ETAG:
        return PreconditionFailedError(f"{label} does not exist, and If-Match * asks that it does")
    return PreconditionFailedError(f"{label} does not exist or has changed: its etag is not {if_match}")
