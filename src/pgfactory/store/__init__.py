"""Run history: pipeline and activity runs in ADF's shapes, kept in SQLite (default) or PostgreSQL."""

from __future__ import annotations

from pgfactory.store.records import ActivityRunRecord, InvokedBy, PipelineRunRecord, RunStatus, adf_timestamp
from pgfactory.store.run_store import RunStore
from pgfactory.store.state import state_dir

__all__ = [
    "ActivityRunRecord",
    "InvokedBy",
    "PipelineRunRecord",
    "RunStatus",
    "RunStore",
    "adf_timestamp",
    "state_dir",
]
