"""Where a run's records go: the run store, and whoever watches the run (the CLI's live view).

Before a record leaves the engine, the clear text of every secret the run knows (SecureString
parameters) is replaced by the mask wherever it appears in inputs, outputs, errors and
parameters: an expression may well have copied it there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from pgfactory.activities import Progress
from pgfactory.models.secrets import MASK
from pgfactory.store.records import ActivityRunRecord, PipelineRunRecord
from pgfactory.store.run_store import RunStore

Record = TypeVar("Record", PipelineRunRecord, ActivityRunRecord)


class RunObserver(Protocol):
    def pipeline_run_changed(self, run: PipelineRunRecord) -> None: ...

    def activity_run_changed(self, run: ActivityRunRecord) -> None: ...

    def activity_progress(self, activity_run_id: str, progress: Progress) -> None:
        """Counters a running activity reported (rows, bytes); watched, not stored."""
        ...


class History:
    def __init__(self, store: RunStore | None, observers: Iterable[RunObserver] = (), secrets: Iterable[str] = ()) -> None:
        self.store = store
        self.observers = list(observers)
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def with_secrets(self, secrets: Iterable[str]) -> History:
        return History(self.store, self.observers, [*self.secrets, *secrets])

    def pipeline_run_created(self, run: PipelineRunRecord) -> None:
        run = self.scrubbed(run)
        if self.store is not None:
            self.store.create_pipeline_run(run)
        for observer in self.observers:
            observer.pipeline_run_changed(run)

    def pipeline_run_changed(self, run: PipelineRunRecord) -> None:
        run = self.scrubbed(run)
        if self.store is not None:
            self.store.update_pipeline_run(run)
        for observer in self.observers:
            observer.pipeline_run_changed(run)

    def activity_run_changed(self, run: ActivityRunRecord) -> None:
        run = self.scrubbed(run)
        if self.store is not None:
            self.store.upsert_activity_run(run)
        for observer in self.observers:
            observer.activity_run_changed(run)

    def activity_progress(self, activity_run_id: str, progress: Progress) -> None:
        for observer in self.observers:
            observer.activity_progress(activity_run_id, progress)

    def scrubbed(self, record: Record) -> Record:
        """A copy of ``record`` without the clear text of the run's secrets."""
        if not self.secrets:
            return record
        changes = {
            field.name: self.scrub(getattr(record, field.name))
            for field in dataclasses.fields(record)
            if field.name in {"input", "output", "error", "parameters", "message"}
        }
        return dataclasses.replace(record, **changes)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, MASK)
            return value
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value
