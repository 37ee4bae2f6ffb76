"""The last test connection result of each linked service: one per name (ARM's case-insensitive names), replaced by the next."""

from __future__ import annotations

import pytest

from pgfactory.store import ResourceStore
from pgfactory.store.connection_tests import MAX_MESSAGE
from tests.store.databases import StepClock
from tests.store.samples import T0


@pytest.fixture
def factory_id(resource_store: ResourceStore) -> int:
    factory, _ = resource_store.factories.put("sub", "rg", "adf", location="eastus")
    return factory.id


def test_a_new_result_replaces_the_last_one_of_that_name(resource_store: ResourceStore, factory_id: int,
                                                          clock: StepClock) -> None:
    tests = resource_store.connection_tests
    first = tests.record(factory_id, "SalesPg", succeeded=False, failed_stage="authentication",
                         error_code="UserErrorPostgreSqlAuthenticationFailed", message="password authentication failed")
    assert (first.name, first.succeeded, first.failed_stage, first.tested_at) == ("SalesPg", False, "authentication", T0)
    later = clock.advance(60)
    tests.record(factory_id, "salespg", succeeded=True, failed_stage=None, error_code=None, message="all stages passed")
    latest = tests.get(factory_id, "SALESPG")
    assert latest is not None
    assert (latest.name, latest.succeeded, latest.failed_stage, latest.error_code, latest.tested_at) == (
        "salespg", True, None, None, later)


def test_a_page_of_names_gets_the_results_there_are(resource_store: ResourceStore, factory_id: int) -> None:
    tests = resource_store.connection_tests
    tests.record(factory_id, "A", succeeded=True, failed_stage=None, error_code=None, message="ok")
    tests.record(factory_id, "b", succeeded=False, failed_stage="dns", error_code="E", message="x" * (MAX_MESSAGE + 50))
    other, _ = resource_store.factories.put("sub", "rg", "other", location="eastus")
    tests.record(other.id, "C", succeeded=True, failed_stage=None, error_code=None, message="ok")
    found = tests.of(factory_id, ["a", "B", "C", "never-tested"])
    assert sorted(found) == ["a", "b"]
    assert len(found["b"].message) == MAX_MESSAGE  # a driver's long text is cut, not refused
    assert tests.of(factory_id, []) == {}


def test_results_go_with_their_linked_service_and_with_their_factory(resource_store: ResourceStore, factory_id: int) -> None:
    tests = resource_store.connection_tests
    tests.record(factory_id, "A", succeeded=True, failed_stage=None, error_code=None, message="ok")
    tests.record(factory_id, "B", succeeded=True, failed_stage=None, error_code=None, message="ok")
    assert tests.delete(factory_id, "a") and not tests.delete(factory_id, "a")
    assert tests.get(factory_id, "A") is None
    resource_store.factories.delete("sub", "rg", "adf")
    assert tests.get(factory_id, "B") is None
    with pytest.raises(LookupError):
        tests.record(factory_id, "B", succeeded=True, failed_stage=None, error_code=None, message="ok")
