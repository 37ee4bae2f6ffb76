from __future__ import annotations

import threading
from typing import Any

import pytest

from pgfactory.errors import ConflictError, PreconditionFailedError
from pgfactory.store import ResourceKind, ResourceStore
from tests.store.databases import StepClock
from tests.store.samples import T0

LINKED_SERVICE: dict[str, Any] = {
    "type": "AzurePostgreSql",
    "version": "2.0",
    "typeProperties": {"server": "pg.example.internal", "port": 5432, "sslMode": 2,
                       "password": {"type": "SecureString", "value": "encrypted:AAAA"}},
    "annotations": ["é ✓"],
    "description": None,
}


@pytest.fixture
def factory_id(resource_store: ResourceStore) -> int:
    factory, _ = resource_store.factories.put("sub", "rg", "adf", location="eastus")
    return factory.id


def test_a_resource_is_created_then_replaced_with_a_new_etag_each_time(
        resource_store: ResourceStore, factory_id: int, clock: StepClock) -> None:
    created, is_new = resource_store.resources.put(factory_id, ResourceKind.LINKED_SERVICES, "pg", LINKED_SERVICE)
    assert is_new and created.created_at == created.updated_at == T0
    later = clock.advance(1)
    replaced, is_new = resource_store.resources.put(factory_id, ResourceKind.LINKED_SERVICES, "pg", {"type": "Other"})
    assert not is_new and replaced.properties == {"type": "Other"}
    assert (replaced.created_at, replaced.updated_at) == (T0, later)
    assert len({created.etag, replaced.etag}) == 2 and replaced.etag.startswith('"') and replaced.etag.endswith('"')
    assert resource_store.resources.get(factory_id, ResourceKind.LINKED_SERVICES, "pg") == replaced


def test_properties_come_back_as_written_with_their_key_order(resource_store: ResourceStore, factory_id: int) -> None:
    # Keys in no sorted order: JSONB would reorder them; the store keeps definitions as JSON text.
    properties = {"typeProperties": {"z": 1, "a": [3, {"y": None, "b": True}]}, "type": "Wait", "description": "ü"}
    resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", properties)
    stored = resource_store.resources.get(factory_id, ResourceKind.PIPELINES, "p")
    assert stored is not None and stored.properties == properties
    assert list(stored.properties) == list(properties)
    assert list(stored.properties["typeProperties"]["a"][1]) == ["y", "b"]


def test_names_are_case_insensitive_and_keep_the_latest_casing(resource_store: ResourceStore, factory_id: int) -> None:
    resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "LoadSales", {"activities": []})
    renamed, is_new = resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "loadsales", {"activities": [1]})
    assert not is_new and (renamed.name, renamed.name_key) == ("loadsales", "loadsales")
    assert resource_store.resources.get(factory_id, ResourceKind.PIPELINES, "LOADSALES") == renamed
    # One name under two kinds is two resources.
    _, is_new = resource_store.resources.put(factory_id, ResourceKind.DATASETS, "LoadSales", {})
    assert is_new


def test_if_match_star_needs_an_existing_resource(resource_store: ResourceStore, factory_id: int) -> None:
    with pytest.raises(PreconditionFailedError, match="pipelines 'p' does not exist"):
        resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", {}, if_match="*")
    assert resource_store.resources.get(factory_id, ResourceKind.PIPELINES, "p") is None
    resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", {})
    _, is_new = resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "P", {"v": 2}, if_match="*")
    assert not is_new


def test_if_match_with_a_stale_etag_changes_nothing(resource_store: ResourceStore, factory_id: int) -> None:
    first, _ = resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", {"v": 1})
    second, _ = resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", {"v": 2}, if_match=first.etag)
    with pytest.raises(PreconditionFailedError, match="its etag is not"):
        resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "p", {"v": 3}, if_match=first.etag)
    with pytest.raises(PreconditionFailedError):
        resource_store.resources.delete(factory_id, ResourceKind.PIPELINES, "p", if_match=first.etag)
    assert resource_store.resources.get(factory_id, ResourceKind.PIPELINES, "p") == second


def test_delete_says_whether_there_was_a_resource(resource_store: ResourceStore, factory_id: int) -> None:
    created, _ = resource_store.resources.put(factory_id, ResourceKind.TRIGGERS, "nightly", {})
    assert resource_store.resources.delete(factory_id, ResourceKind.TRIGGERS, "NIGHTLY", if_match=created.etag)
    assert resource_store.resources.get(factory_id, ResourceKind.TRIGGERS, "nightly") is None
    assert not resource_store.resources.delete(factory_id, ResourceKind.TRIGGERS, "nightly")
    with pytest.raises(PreconditionFailedError):
        resource_store.resources.delete(factory_id, ResourceKind.TRIGGERS, "nightly", if_match="*")


def test_listing_pages_by_lowered_name_within_one_factory_and_kind(resource_store: ResourceStore, factory_id: int) -> None:
    names = ["delta", "Alpha", "echo", "Charlie", "bravo", "golf", "Foxtrot"]
    for name in names:
        resource_store.resources.put(factory_id, ResourceKind.DATASETS, name, {})
    resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "aaa", {})
    other, _ = resource_store.factories.put("sub", "rg", "other", location="eastus")
    resource_store.resources.put(other.id, ResourceKind.DATASETS, "aardvark", {})

    pages: list[list[str]] = []
    after: str | None = None
    while page := resource_store.resources.list(factory_id, ResourceKind.DATASETS, after_name_key=after, limit=3):
        pages.append([resource.name for resource in page])
        after = page[-1].name_key
    assert pages == [["Alpha", "bravo", "Charlie"], ["delta", "echo", "Foxtrot"], ["golf"]]


def test_a_resource_of_a_missing_factory_is_refused(resource_store: ResourceStore) -> None:
    with pytest.raises(LookupError, match="no factory with id 999"):
        resource_store.resources.put(999, ResourceKind.PIPELINES, "p", {})


def test_an_unknown_kind_is_refused(resource_store: ResourceStore, factory_id: int) -> None:
    with pytest.raises(ValueError, match="'widgets' is not a valid ResourceKind"):
        resource_store.resources.put(factory_id, "widgets", "p", {})  # type: ignore[arg-type]


def test_concurrent_creates_of_one_name_make_one_resource(resource_store: ResourceStore, factory_id: int) -> None:
    writers = 8
    start_together = threading.Barrier(writers)
    outcomes: list[bool] = []
    failures: list[BaseException] = []

    def put(writer: int) -> None:
        try:
            start_together.wait()
            _, is_new = resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "Same", {"writer": writer})
            outcomes.append(is_new)
        except BaseException as error:  # a writer that fails must fail the test, not vanish with its thread
            failures.append(error)

    threads = [threading.Thread(target=put, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(outcomes) == [False] * (writers - 1) + [True]
    assert len(resource_store.resources.list(factory_id, ResourceKind.PIPELINES)) == 1


def test_concurrent_create_only_puts_of_one_name_let_one_win_and_refuse_the_others(
        resource_store: ResourceStore, factory_id: int) -> None:
    writers = 6
    start_together = threading.Barrier(writers)
    created: list[int] = []
    refused: list[int] = []

    def put(writer: int) -> None:
        start_together.wait()
        try:
            resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "Same", {"writer": writer}, create_only=True)
            created.append(writer)
        except ConflictError:
            refused.append(writer)

    threads = [threading.Thread(target=put, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1 and len(refused) == writers - 1
    stored = resource_store.resources.get(factory_id, ResourceKind.PIPELINES, "SAME")
    assert stored is not None and stored.properties == {"writer": created[0]}  # the winner's, never overwritten
