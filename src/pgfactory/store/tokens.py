"""API tokens: a name, a role, and a hash of the secret (the secret itself is never stored).

The store makes up each token's id; the API layer hands out the id with the secret (so that a
request's token finds its row by id and is checked against the hash) and chooses the hash.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from pgfactory.errors import ConflictError
from pgfactory.store.arm import Clock
from pgfactory.store.schema import api_tokens

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import RowMapping

    from pgfactory.store.database import StoreDatabase


class TokenRole(StrEnum):
    """Readers read; operators also run and cancel pipelines; contributors also change resources."""

    READER = "reader"
    OPERATOR = "operator"
    CONTRIBUTOR = "contributor"


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    name: str
    role: TokenRole
    secret_hash: str = field(repr=False)  # not the secret, but nothing a log line needs either
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class ApiTokens:
    """Issue, look up, list and revoke API tokens; thread-safe."""

    def __init__(self, database: StoreDatabase, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def create(self, name: str, role: TokenRole, secret_hash: str) -> TokenRecord:
        """A new token under a new id; :class:`~pgfactory.errors.ConflictError` when ``name`` is taken."""
        row = {"id": uuid.uuid4().hex, "name": name, "role": TokenRole(role).value, "secret_hash": secret_hash,
               "created_at": self._clock()}
        statement = self._database.insert(api_tokens).values(row).on_conflict_do_nothing().returning(*api_tokens.c)
        with self._database.write() as connection:
            created = connection.execute(statement).mappings().one_or_none()
        if created is None:
            raise ConflictError(f"an API token named '{name}' exists already")
        return _token_from_row(created)

    def get(self, token_id: str) -> TokenRecord | None:
        with self._database.read() as connection:
            row = connection.execute(select(api_tokens).where(api_tokens.c.id == token_id)).mappings().one_or_none()
        return _token_from_row(row) if row is not None else None

    def list(self) -> builtins.list[TokenRecord]:
        """Every token, revoked ones too, by name."""
        with self._database.read() as connection:
            rows = connection.execute(select(api_tokens).order_by(api_tokens.c.name)).mappings().all()
        return [_token_from_row(row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke the token for good; False when no active token has that id (unknown, or revoked before)."""
        statement = (update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=self._clock()))
        with self._database.write() as connection:
            return connection.execute(statement).rowcount > 0

    def touch(self, token_id: str) -> None:
        """Record that the token was used now."""
        statement = update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=self._clock())
        with self._database.write() as connection:
            connection.execute(statement)


def _token_from_row(row: RowMapping) -> TokenRecord:
    return TokenRecord(id=row["id"], name=row["name"], role=TokenRole(row["role"]), secret_hash=row["secret_hash"],
                       created_at=row["created_at"], last_used_at=row["last_used_at"], revoked_at=row["revoked_at"])
