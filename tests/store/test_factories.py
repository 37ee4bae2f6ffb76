from __future__ import annotations

import re

import pytest

from pgfactory.errors import PreconditionFailedError
from pgfactory.store import PipelineRunRecord, ResourceKind, ResourceStore
from tests.store.databases import StepClock
from tests.store.samples import T0

SUBSCRIPTION = "12345678-aaaa-bbbb-cccc-1234567890ab"
ETAG = re.compile(r'^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"$')


def test_a_factory_is_created_then_replaced_keeping_its_id_and_creation_time(
        resource_store: ResourceStore, clock: StepClock) -> None:
    created, is_new = resource_store.factories.put(
        SUBSCRIPTION, "rg", "adf1", location="eastus", tags={"env": "test"}, identity={"type": "SystemAssigned"},
        properties={"publicNetworkAccess": "Enabled"})
    assert is_new and ETAG.match(created.etag)
    assert (created.location, created.tags, created.identity, created.properties) == (
        "eastus", {"env": "test"}, {"type": "SystemAssigned"}, {"publicNetworkAccess": "Enabled"})
    assert created.created_at == created.updated_at == T0
    later = clock.advance(5)
    replaced, is_new = resource_store.factories.put(SUBSCRIPTION, "rg", "adf1", location="westeurope")
    assert not is_new
    assert (replaced.id, replaced.created_at, replaced.updated_at) == (created.id, T0, later)
    assert (replaced.location, replaced.tags, replaced.identity, replaced.properties) == ("westeurope", {}, None, {})
    assert replaced.etag != created.etag and ETAG.match(replaced.etag)
    assert resource_store.factories.get(SUBSCRIPTION, "rg", "adf1") == replaced


def test_factory_paths_are_case_insensitive_and_keep_the_latest_casing(resource_store: ResourceStore) -> None:
    first, _ = resource_store.factories.put(SUBSCRIPTION.upper(), "MyGroup", "SalesADF", location="eastus")
    second, is_new = resource_store.factories.put(SUBSCRIPTION, "mygroup", "salesadf", location="eastus")
    assert not is_new and second.id == first.id
    # As ARM does: the casing of the latest PUT.
    assert (second.subscription_id, second.resource_group, second.name) == (SUBSCRIPTION, "mygroup", "salesadf")
    assert resource_store.factories.get(SUBSCRIPTION.upper(), "MYGROUP", "SALESADF") == second


def test_factories_are_listed_by_subscription_and_resource_group_in_name_order(resource_store: ResourceStore) -> None:
    for group, name in [("rg-b", "delta"), ("rg-a", "Charlie"), ("rg-a", "alpha"), ("rg-b", "Bravo")]:
        resource_store.factories.put(SUBSCRIPTION, group, name, location="eastus")
    resource_store.factories.put("another-subscription", "rg-a", "aaa", location="eastus")
    assert [f.name for f in resource_store.factories.list(SUBSCRIPTION)] == ["alpha", "Bravo", "Charlie", "delta"]
    assert [f.name for f in resource_store.factories.list(SUBSCRIPTION.upper(), "RG-A")] == ["alpha", "Charlie"]
    assert resource_store.factories.list("nobody's") == []


def test_one_name_in_two_resource_groups_is_two_factories(resource_store: ResourceStore) -> None:
    one, _ = resource_store.factories.put(SUBSCRIPTION, "rg-1", "adf", location="eastus")
    two, is_new = resource_store.factories.put(SUBSCRIPTION, "rg-2", "adf", location="eastus")
    assert is_new and one.id != two.id


def test_a_factory_put_with_if_match_needs_the_current_etag(resource_store: ResourceStore) -> None:
    with pytest.raises(PreconditionFailedError, match="factory 'adf1' does not exist"):
        resource_store.factories.put(SUBSCRIPTION, "rg", "adf1", location="eastus", if_match="*")
    created, _ = resource_store.factories.put(SUBSCRIPTION, "rg", "adf1", location="eastus")
    with pytest.raises(PreconditionFailedError) as failed:
        resource_store.factories.put(SUBSCRIPTION, "rg", "adf1", location="westus", if_match='"stale"')
    assert failed.value.code == "PreconditionFailed"
    assert resource_store.factories.get(SUBSCRIPTION, "rg", "adf1") == created
    replaced, is_new = resource_store.factories.put(SUBSCRIPTION, "rg", "adf1", location="westus", if_match=created.etag)
    assert not is_new and replaced.location == "westus"


def test_deleting_a_factory_deletes_its_resources_and_run_requests(resource_store: ResourceStore) -> None:
    doomed, _ = resource_store.factories.put(SUBSCRIPTION, "rg", "doomed", location="eastus")
    kept, _ = resource_store.factories.put(SUBSCRIPTION, "rg", "kept", location="eastus")
    for factory_id in (doomed.id, kept.id):
        resource_store.resources.put(factory_id, ResourceKind.PIPELINES, "Load", {"activities": []})
        resource_store.queue.enqueue(factory_id, PipelineRunRecord(run_id=f"run-{factory_id}", pipeline_name="Load",
                                                                   status="Queued", run_start=T0))
    assert resource_store.factories.delete(SUBSCRIPTION, "RG", "DOOMED")
    assert resource_store.factories.get(SUBSCRIPTION, "rg", "doomed") is None
    assert resource_store.resources.list(doomed.id, ResourceKind.PIPELINES) == []
    assert resource_store.queue.get(f"run-{doomed.id}") is None
    assert [r.name for r in resource_store.resources.list(kept.id, ResourceKind.PIPELINES)] == ["Load"]
    assert resource_store.queue.count_queued() == 1
    assert not resource_store.factories.delete(SUBSCRIPTION, "rg", "doomed")
