from __future__ import annotations

import pytest

from pgfactory.errors import ConflictError
from pgfactory.store import ResourceStore, TokenRole
from tests.store.databases import StepClock
from tests.store.samples import T0


def test_a_token_comes_back_by_id_with_its_role_and_hash(resource_store: ResourceStore) -> None:
    token = resource_store.tokens.create("ci", TokenRole.OPERATOR, "scrypt$salt$hash")
    assert (token.name, token.role, token.secret_hash, token.created_at) == ("ci", TokenRole.OPERATOR, "scrypt$salt$hash", T0)
    assert token.last_used_at is None and not token.revoked
    assert resource_store.tokens.get(token.id) == token
    assert resource_store.tokens.get("unknown") is None
    assert "scrypt$salt$hash" not in repr(token)


def test_token_ids_are_made_up_by_the_store(resource_store: ResourceStore) -> None:
    first = resource_store.tokens.create("a", TokenRole.READER, "h1")
    second = resource_store.tokens.create("b", TokenRole.READER, "h2")
    assert first.id != second.id and len(first.id) == 32


def test_a_token_name_is_taken_once(resource_store: ResourceStore) -> None:
    resource_store.tokens.create("deploy", TokenRole.CONTRIBUTOR, "h1")
    with pytest.raises(ConflictError, match="an API token named 'deploy' exists already") as conflict:
        resource_store.tokens.create("deploy", TokenRole.READER, "h2")
    assert conflict.value.code == "Conflict"
    assert [token.secret_hash for token in resource_store.tokens.list()] == ["h1"]


def test_tokens_are_listed_by_name_revoked_ones_too(resource_store: ResourceStore) -> None:
    for name in ["zeta", "alpha", "mid"]:
        resource_store.tokens.create(name, TokenRole.READER, f"hash-{name}")
    resource_store.tokens.revoke(resource_store.tokens.list()[0].id)
    listed = resource_store.tokens.list()
    assert [(token.name, token.revoked) for token in listed] == [("alpha", True), ("mid", False), ("zeta", False)]


def test_revoking_is_once_and_for_good(resource_store: ResourceStore, clock: StepClock) -> None:
    token = resource_store.tokens.create("ci", TokenRole.READER, "h")
    revoked_at = clock.advance(10)
    assert resource_store.tokens.revoke(token.id)
    clock.advance(10)
    assert not resource_store.tokens.revoke(token.id)
    assert not resource_store.tokens.revoke("unknown")
    stored = resource_store.tokens.get(token.id)
    assert stored is not None and stored.revoked_at == revoked_at


def test_touch_records_the_last_use(resource_store: ResourceStore, clock: StepClock) -> None:
    token = resource_store.tokens.create("ci", TokenRole.READER, "h")
    used_at = clock.advance(42)
    resource_store.tokens.touch(token.id)
    stored = resource_store.tokens.get(token.id)
    assert stored is not None and stored.last_used_at == used_at


def test_an_unknown_role_is_refused(resource_store: ResourceStore) -> None:
    with pytest.raises(ValueError, match="'admin' is not a valid TokenRole"):
        resource_store.tokens.create("x", "admin", "h")  # type: ignore[arg-type]
