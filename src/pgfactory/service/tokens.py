"""API keys: issued once, stored hashed, checked on every request; roles that nest.

A key reads ``pgf_<id>_<secret>``: the id finds the stored token, the secret (256 random bits)
is compared with its SHA-256 in constant time. A key this random needs no slow hash: nothing can
guess it, and only its hash is stored. ``reader`` reads, ``operator`` also runs, cancels and tests
connections, ``contributor`` also changes resources.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from pgfactory.errors import AuthenticationError, AuthorizationError
from pgfactory.store import TokenRole
from pgfactory.store.records import utc_now

if TYPE_CHECKING:
    from pgfactory.store import ResourceStore, TokenRecord

PREFIX = "pgf"
_KEY = re.compile(rf"{PREFIX}_([A-Za-z0-9-]+)_([A-Za-z0-9_-]{{20,}})")
RANK = {TokenRole.READER: 0, TokenRole.OPERATOR: 1, TokenRole.CONTRIBUTOR: 2}
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is for people; writing it on every request would cost a write each


def issue(store: ResourceStore, name: str, role: TokenRole) -> tuple[TokenRecord, str]:
    """A new API key: its record, and the key itself, which is shown this once and never stored."""
    secret = secrets.token_urlsafe(32)
    record = store.tokens.create(name, role, _hash(secret))
    return record, f"{PREFIX}_{record.id}_{secret}"


def verify(store: ResourceStore, key: str) -> TokenRecord:
    """The token ``key`` belongs to; :class:`AuthenticationError` when it is malformed, unknown or revoked."""
    match = _KEY.fullmatch(key.strip())
    record = store.tokens.get(match[1]) if match else None
    if match is None or record is None or not hmac.compare_digest(record.secret_hash, _hash(match[2])):
        raise AuthenticationError("the bearer token is not a valid pgfactory API key")
    if record.revoked:
        raise AuthenticationError(f"API key {record.name!r} was revoked")
    if record.last_used_at is None or utc_now() - record.last_used_at > _TOUCH_EVERY:
        store.tokens.touch(record.id)
    return record


def allows(role: TokenRole, needed: TokenRole) -> bool:
    return RANK[role] >= RANK[needed]


def require(role: TokenRole, needed: TokenRole, *, action: str) -> None:
    if not allows(role, needed):
        raise AuthorizationError(f"{action} needs the {needed.value} role; the caller has {role.value}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
