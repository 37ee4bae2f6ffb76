"""The durable run queue: pipeline runs that ``createRun`` accepted, waiting for a service instance to run them.

A request is ``queued`` until an instance claims it (``running``, with the instance's id and a
heartbeat it renews) and ``finished`` when its run has ended. Instances claim the oldest queued
request first; on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several processes claim at once
without ever taking the same request, on SQLite the claim is one UPDATE and writers take turns.
A running request whose heartbeat stopped belongs to an instance that died: another instance
finds it with :meth:`RunQueue.stale_running` and takes it over, one instance per request.

Times come from the service hosts' clocks: instances that share a PostgreSQL store need clocks
in step to well within the staleness they allow.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from pgfactory.store.arm import Clock
from pgfactory.store.records import RunStatus
from pgfactory.store.run_store import insert_pipeline_run
from pgfactory.store.schema import run_requests

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from sqlalchemy import RowMapping

    from pgfactory.store.database import StoreDatabase
    from pgfactory.store.records import PipelineRunRecord


class RequestState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class RunOptions:
    """``createRun``'s query options: rerun with the parameters of ``reference_pipeline_run_id``, in its run
    group when ``is_recovery``, from ``start_activity_name`` or from the activities that failed.

    ``draft`` makes the run a debug run: the pipeline's ``properties`` as the editor held them, run in
    place of the saved pipeline of that name (which need not exist). Its secrets are sealed, as in a
    stored pipeline; the store keeps it in the request's JSON, so that a rerun repeats the same draft.
    """

    reference_pipeline_run_id: str | None = None
    start_activity_name: str | None = None
    is_recovery: bool = False
    start_from_failure: bool = False
    draft: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """ADF's names for the options, as the store keeps them (a debug run's draft beside them)."""
        options: dict[str, Any] = {
            "referencePipelineRunId": self.reference_pipeline_run_id, "startActivityName": self.start_activity_name,
            "isRecovery": self.is_recovery, "startFromFailure": self.start_from_failure}
        if self.draft is not None:
            options["draft"] = self.draft
        return options

    @classmethod
    def from_json(cls, options: dict[str, Any]) -> RunOptions:
        draft = options.get("draft")
        return cls(reference_pipeline_run_id=options.get("referencePipelineRunId"),
                   start_activity_name=options.get("startActivityName"),
                   is_recovery=bool(options.get("isRecovery")), start_from_failure=bool(options.get("startFromFailure")),
                   draft=draft if isinstance(draft, dict) else None)


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A pipeline run to execute; ``run_id`` is also its pipeline run's id."""

    run_id: str
    factory_id: int
    pipeline_name: str
    parameters: dict[str, Any]
    options: RunOptions
    state: RequestState
    enqueued_at: datetime
    claimed_by: str | None
    heartbeat_at: datetime | None


_QUEUED = run_requests.c.state == RequestState.QUEUED.value
_RUNNING = run_requests.c.state == RequestState.RUNNING.value


class RunQueue:
    """Enqueue, claim, keep alive and finish run requests; thread-safe, and process-safe on PostgreSQL."""

    def __init__(self, database: StoreDatabase, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def enqueue(self, factory_id: int, run: PipelineRunRecord, options: RunOptions | None = None, *,
                parameters: dict[str, Any] | None = None) -> RunRequest:
        """Record ``run`` (status Queued) and its request in one transaction: both are stored, or neither.

        ``parameters`` are what the request runs with, when they differ from the run record's (the
        service seals SecureString parameters in the request and masks them in the record).
        """
        if run.status != RunStatus.QUEUED:
            raise ValueError(f"a run enters the queue Queued, not {run.status}")
        row = {"run_id": run.run_id, "factory_id": factory_id, "pipeline_name": run.pipeline_name,
               "parameters": run.parameters if parameters is None else parameters,
               "options": (options or RunOptions()).to_json(),
               "state": RequestState.QUEUED.value, "enqueued_at": self._clock(), "claimed_by": None, "heartbeat_at": None}
        with self._database.write() as connection:
            insert_pipeline_run(connection, run, factory_id=factory_id)
            stored = connection.execute(run_requests.insert().values(row).returning(*run_requests.c)).mappings().one()
        return _request_from_row(stored)

    def get(self, run_id: str) -> RunRequest | None:
        with self._database.read() as connection:
            row = connection.execute(select(run_requests).where(run_requests.c.run_id == run_id)).mappings().one_or_none()
        return _request_from_row(row) if row is not None else None

    def claim_next(self, instance_id: str) -> RunRequest | None:
        """Take the oldest queued request for ``instance_id`` (now running, heartbeat now); None when none waits."""
        oldest_queued = (select(run_requests.c.run_id).where(_QUEUED)
                         .order_by(run_requests.c.enqueued_at, run_requests.c.run_id).limit(1)
                         .with_for_update(skip_locked=True).scalar_subquery())  # SQLite has no FOR UPDATE; it needs none
        statement = (update(run_requests).where(run_requests.c.run_id == oldest_queued, _QUEUED)
                     .values(state=RequestState.RUNNING.value, claimed_by=instance_id, heartbeat_at=self._clock())
                     .returning(*run_requests.c))
        with self._database.write() as connection:
            row = connection.execute(statement).mappings().one_or_none()
        return _request_from_row(row) if row is not None else None

    def heartbeat(self, instance_id: str, run_ids: Iterable[str]) -> set[str]:
        """Renew the heartbeat of the requests ``instance_id`` runs; returns those it still holds (another
        instance may have taken over one whose heartbeat was late, and the run must then stop here)."""
        wanted = list(run_ids)
        if not wanted:
            return set()
        statement = (update(run_requests)
                     .where(run_requests.c.run_id.in_(wanted), run_requests.c.claimed_by == instance_id, _RUNNING)
                     .values(heartbeat_at=self._clock()).returning(run_requests.c.run_id))
        with self._database.write() as connection:
            return set(connection.execute(statement).scalars())

    def finish(self, run_id: str) -> bool:
        """Mark the request finished (its run ended, whichever way); False when there is no such request."""
        statement = update(run_requests).where(run_requests.c.run_id == run_id).values(state=RequestState.FINISHED.value)
        with self._database.write() as connection:
            return connection.execute(statement).rowcount > 0

    def cancel_queued(self, run_id: str) -> bool:
        """Finish the request if no instance has claimed it yet; False when one has (it must stop the run) or
        there is no such request. A cancel that wins here leaves the run for the caller to mark Cancelled."""
        statement = update(run_requests).where(run_requests.c.run_id == run_id, _QUEUED).values(
            state=RequestState.FINISHED.value)
        with self._database.write() as connection:
            return connection.execute(statement).rowcount > 0

    def count_queued(self) -> int:
        with self._database.read() as connection:
            return connection.execute(select(func.count()).select_from(run_requests).where(_QUEUED)).scalar_one()

    def stale_running(self, older_than: timedelta) -> builtins.list[RunRequest]:
        """Running requests whose last heartbeat is more than ``older_than`` ago, the longest silent first."""
        query = (select(run_requests).where(_RUNNING, run_requests.c.heartbeat_at < self._clock() - older_than)
                 .order_by(run_requests.c.heartbeat_at, run_requests.c.run_id))
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_request_from_row(row) for row in rows]

    def take_over(self, run_id: str, instance_id: str, *, older_than: timedelta) -> RunRequest | None:
        """Claim a running request for ``instance_id`` if its heartbeat is still more than ``older_than`` old;
        None when it is not (its instance came back, another instance took it, or it finished). Of several
        instances that found the same stale request, exactly one gets it."""
        now = self._clock()
        statement = (update(run_requests)
                     .where(run_requests.c.run_id == run_id, _RUNNING, run_requests.c.heartbeat_at < now - older_than)
                     .values(claimed_by=instance_id, heartbeat_at=now).returning(*run_requests.c))
        with self._database.write() as connection:
            row = connection.execute(statement).mappings().one_or_none()
        return _request_from_row(row) if row is not None else None


def _request_from_row(row: RowMapping) -> RunRequest:
    return RunRequest(
        run_id=row["run_id"], factory_id=row["factory_id"], pipeline_name=row["pipeline_name"],
        parameters=row["parameters"], options=RunOptions.from_json(row["options"]), state=RequestState(row["state"]),
        enqueued_at=row["enqueued_at"], claimed_by=row["claimed_by"], heartbeat_at=row["heartbeat_at"])
