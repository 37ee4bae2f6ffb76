"""The metadata store: run history, and the service's factories, resources, API tokens and run queue.

SQLite in the state folder by default, PostgreSQL by URL; the schema comes from Alembic migrations.
"""

from __future__ import annotations

from pgfactory.store.factories import FactoryRecord
from pgfactory.store.migrate import upgrade_store
from pgfactory.store.records import ActivityRunRecord, InvokedBy, PipelineRunRecord, RunStatus, adf_timestamp
from pgfactory.store.resource_store import ResourceStore
from pgfactory.store.resources import ResourceKind, ResourceRecord
from pgfactory.store.run_queue import RequestState, RunOptions, RunRequest
from pgfactory.store.run_store import RunStore
from pgfactory.store.state import state_dir
from pgfactory.store.tokens import TokenRecord, TokenRole

__all__ = [
    "ActivityRunRecord",
    "FactoryRecord",
    "InvokedBy",
    "PipelineRunRecord",
    "RequestState",
    "ResourceKind",
    "ResourceRecord",
    "ResourceStore",
    "RunOptions",
    "RunRequest",
    "RunStatus",
    "RunStore",
    "TokenRecord",
    "TokenRole",
    "adf_timestamp",
    "state_dir",
    "upgrade_store",
]
