from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from pgfactory.store import PipelineRunRecord, RequestState, ResourceStore, RunOptions, RunStatus
from tests.store.databases import StepClock
from tests.store.samples import T0


def queued_run(run_id: str, **changes: Any) -> PipelineRunRecord:
    return PipelineRunRecord(**{"run_id": run_id, "pipeline_name": "Load", "status": RunStatus.QUEUED,
                                "run_start": T0, "parameters": {"day": "2024-05-01", "ids": [1, 2]}, **changes})


@pytest.fixture
def factory_id(resource_store: ResourceStore) -> int:
    factory, _ = resource_store.factories.put("sub", "rg", "adf", location="eastus")
    return factory.id


def test_enqueue_stores_the_queued_run_and_its_request(resource_store: ResourceStore, factory_id: int) -> None:
    options = RunOptions(reference_pipeline_run_id="earlier", start_activity_name="Copy", is_recovery=True,
                         start_from_failure=True)
    run = queued_run("r1")
    request = resource_store.queue.enqueue(factory_id, run, options)
    assert (request.run_id, request.factory_id, request.pipeline_name, request.state) == ("r1", factory_id, "Load",
                                                                                            RequestState.QUEUED)
    assert (request.parameters, request.options, request.enqueued_at) == ({"day": "2024-05-01", "ids": [1, 2]}, options, T0)
    assert request.claimed_by is None and request.heartbeat_at is None
    assert resource_store.queue.get("r1") == request
    assert resource_store.runs.get_pipeline_run("r1") == run
    assert resource_store.queue.count_queued() == 1


def test_a_request_that_cannot_be_stored_leaves_no_run_behind(resource_store: ResourceStore) -> None:
    # The run is written first, then the request, whose factory does not exist: the transaction
    # rolls back both, so no Queued run waits for a request that will never come.
    with pytest.raises(IntegrityError):
        resource_store.queue.enqueue(999, queued_run("orphan"))
    assert resource_store.runs.get_pipeline_run("orphan") is None
    assert resource_store.queue.get("orphan") is None


def test_a_run_id_is_enqueued_once(resource_store: ResourceStore, factory_id: int) -> None:
    resource_store.queue.enqueue(factory_id, queued_run("r1"))
    with pytest.raises(IntegrityError):
        resource_store.queue.enqueue(factory_id, queued_run("r1", pipeline_name="Other"))
    assert resource_store.queue.count_queued() == 1


def test_only_queued_runs_enter_the_queue(resource_store: ResourceStore, factory_id: int) -> None:
    with pytest.raises(ValueError, match="Queued, not InProgress"):
        resource_store.queue.enqueue(factory_id, queued_run("r1", status=RunStatus.IN_PROGRESS))


def test_the_oldest_queued_request_is_claimed_first(resource_store: ResourceStore, factory_id: int,
                                                    clock: StepClock) -> None:
    for run_id in ["first", "second", "third"]:
        resource_store.queue.enqueue(factory_id, queued_run(run_id))
        clock.advance(1)
    claimed_at = clock.advance(10)
    claimed = [resource_store.queue.claim_next("instance-1") for _ in range(4)]
    assert [request.run_id if request else None for request in claimed] == ["first", "second", "third", None]
    first = claimed[0]
    assert first is not None
    assert (first.state, first.claimed_by, first.heartbeat_at) == (RequestState.RUNNING, "instance-1", claimed_at)
    assert resource_store.queue.count_queued() == 0


def test_a_heartbeat_renews_only_the_instances_own_running_requests(resource_store: ResourceStore, factory_id: int,
                                                                    clock: StepClock) -> None:
    for run_id in ["mine", "theirs", "waiting"]:
        resource_store.queue.enqueue(factory_id, queued_run(run_id))
        clock.advance(1)
    assert resource_store.queue.claim_next("me") is not None
    assert resource_store.queue.claim_next("them") is not None
    beat_at = clock.advance(5)
    assert resource_store.queue.heartbeat("me", ["mine", "theirs", "waiting", "unknown"]) == {"mine"}
    assert resource_store.queue.heartbeat("me", []) == set()
    mine, theirs = resource_store.queue.get("mine"), resource_store.queue.get("theirs")
    assert mine is not None and theirs is not None
    assert mine.heartbeat_at == beat_at and theirs.heartbeat_at == T0 + timedelta(seconds=3)


def test_requests_whose_heartbeat_stopped_are_found_and_taken_over_once(
        resource_store: ResourceStore, factory_id: int, clock: StepClock) -> None:
    for run_id in ["silent", "alive"]:
        resource_store.queue.enqueue(factory_id, queued_run(run_id))
        clock.advance(1)
    resource_store.queue.claim_next("crashed")
    resource_store.queue.claim_next("healthy")
    clock.advance(30)
    resource_store.queue.heartbeat("healthy", ["alive"])
    clock.advance(40)
    minute = timedelta(minutes=1)
    assert [request.run_id for request in resource_store.queue.stale_running(minute)] == ["silent"]
    assert resource_store.queue.stale_running(timedelta(minutes=2)) == []

    taken = resource_store.queue.take_over("silent", "rescuer", older_than=minute)
    assert taken is not None and (taken.claimed_by, taken.heartbeat_at) == ("rescuer", clock.now)
    # Another instance that found the same stale request comes too late, and so does the one that crashed.
    assert resource_store.queue.take_over("silent", "second-rescuer", older_than=minute) is None
    assert resource_store.queue.take_over("alive", "rescuer", older_than=minute) is None
    assert resource_store.queue.heartbeat("crashed", ["silent"]) == set()
    assert resource_store.queue.stale_running(minute) == []


def test_finished_requests_are_neither_claimed_nor_stale(resource_store: ResourceStore, factory_id: int,
                                                         clock: StepClock) -> None:
    resource_store.queue.enqueue(factory_id, queued_run("done"))
    resource_store.queue.claim_next("me")
    assert resource_store.queue.finish("done")
    clock.advance(3600)
    assert resource_store.queue.stale_running(timedelta(seconds=1)) == []
    assert resource_store.queue.claim_next("me") is None
    finished = resource_store.queue.get("done")
    assert finished is not None and finished.state == RequestState.FINISHED
    assert not resource_store.queue.finish("unknown")


def test_a_request_can_be_cancelled_only_while_it_waits(resource_store: ResourceStore, factory_id: int) -> None:
    resource_store.queue.enqueue(factory_id, queued_run("waiting"))
    resource_store.queue.enqueue(factory_id, queued_run("started"))
    assert resource_store.queue.cancel_queued("waiting")
    claimed = resource_store.queue.claim_next("me")
    assert claimed is not None and claimed.run_id == "started"
    assert not resource_store.queue.cancel_queued("started")
    assert not resource_store.queue.cancel_queued("unknown")
    started = resource_store.queue.get("started")
    assert started is not None and started.state == RequestState.RUNNING


def test_two_claimers_never_take_the_same_request(resource_store: ResourceStore, factory_id: int) -> None:
    # Each claimer has a store of its own (its own engine and connections), as two processes would.
    requests = 200
    for index in range(requests):
        resource_store.queue.enqueue(factory_id, queued_run(f"run-{index:03}"))
    url = resource_store.database.engine.url
    claimers = [ResourceStore(url), ResourceStore(url)]
    start_together = threading.Barrier(len(claimers))
    claimed: list[list[str]] = [[] for _ in claimers]
    failures: list[BaseException] = []

    def claim_all(index: int) -> None:
        try:
            start_together.wait()
            while request := claimers[index].queue.claim_next(f"instance-{index}"):
                claimed[index].append(request.run_id)
        except BaseException as error:  # a claimer that fails must fail the test, not vanish with its thread
            failures.append(error)

    threads = [threading.Thread(target=claim_all, args=(index,)) for index in range(len(claimers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for claimer in claimers:
        claimer.close()
    assert failures == []
    counts = Counter(run_id for claims in claimed for run_id in claims)
    assert sorted(counts) == [f"run-{index:03}" for index in range(requests)]
    assert set(counts.values()) == {1}
    for index, claims in enumerate(claimed):
        for run_id in claims:
            request = resource_store.queue.get(run_id)
            assert request is not None and request.claimed_by == f"instance-{index}"
