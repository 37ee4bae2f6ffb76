"""Tables of the metadata store: what the migrations in ``migrations/`` build, and what a test holds them to.

The same tables serve SQLite (the default, in the state folder) and PostgreSQL (a shared store):
JSON becomes JSONB on PostgreSQL (resource definitions excepted, to keep their key order), times
are stored in UTC and come back timezone-aware on both.
Indexes follow the queries: newest runs first (optionally per pipeline or status), runs updated in
a time window (ADF's ``lastUpdatedAfter``/``lastUpdatedBefore``), child runs of a parent run
(recursive cancel), and a pipeline run's activity runs in start order.

The service's tables: factories and their child resources under ARM's case-insensitive names (a
``*_key`` column holds the lowered name that uniqueness and paging use; the name column keeps the
casing of the latest PUT), API tokens (only a hash of each secret), the durable run queue
(oldest queued first; running requests whose heartbeat stopped), and the last test connection result
of each linked service.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

# Deterministic constraint names, so that later migrations can refer to them on every database.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend; SQLite has no zones, so UTC is stored naive there."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"run times must be timezone-aware, got naive {value.isoformat()}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json() -> JSON:
    # none_as_null: a missing output or error is SQL NULL, not the JSON text 'null'.
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _definition_json() -> JSON:
    # Resource definitions stay JSON text on PostgreSQL too (JSONB would sort their keys): a
    # definition comes back in the order it was written, as ADF's git folders and editors show it.
    return JSON(none_as_null=True)


_ID = 64
_NAME = 260
_STATUS = 16

pipeline_runs = Table(
    "pipeline_runs", metadata,
    Column("run_id", String(_ID), primary_key=True),
    Column("run_group_id", String(_ID), nullable=False),
    Column("is_latest", Boolean, nullable=False),
    Column("pipeline_name", String(_NAME), nullable=False),
    Column("parameters", _json(), nullable=False),
    Column("run_dimension", _json(), nullable=False),
    Column("annotations", _json(), nullable=False),
    Column("invoked_by_name", String(_NAME), nullable=False),
    Column("invoked_by_id", String(_ID), nullable=False),
    Column("invoked_by_type", String(64), nullable=False),
    Column("invoked_by_pipeline_name", String(_NAME)),
    Column("invoked_by_pipeline_run_id", String(_ID), index=True),
    Column("last_updated", UtcDateTime(), nullable=False, index=True),
    Column("run_start", UtcDateTime(), nullable=False),
    Column("run_end", UtcDateTime()),
    Column("duration_in_ms", BigInteger),
    Column("status", String(_STATUS), nullable=False),
    Column("message", Text, nullable=False),
    # The service's factory (factories.id) the run belongs to; NULL for runs of the command line.
    Column("factory_id", Integer),
    Index("ix_pipeline_runs_run_start", "run_start", "run_id"),
    # queryPipelineRuns: a factory's runs newest first (ADF's default order), the update window checked in the
    # index itself; and the same for one pipeline. An index on (factory_id, last_updated) would serve the
    # window alone, and SQLite, with no statistics on ranges, prefers it and sorts every run in the window.
    Index("ix_pipeline_runs_factory_id_run_start", "factory_id", "run_start", "run_id", "last_updated"),
    Index("ix_pipeline_runs_factory_id_pipeline_name_run_start", "factory_id", "pipeline_name", "run_start", "run_id"),
    Index("ix_pipeline_runs_pipeline_name_run_start", "pipeline_name", "run_start"),
    Index("ix_pipeline_runs_status_run_start", "status", "run_start"),
)

activity_runs = Table(
    "activity_runs", metadata,
    Column("activity_run_id", String(_ID), primary_key=True),
    Column("pipeline_run_id", String(_ID), ForeignKey("pipeline_runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("parent_activity_run_id", String(_ID)),
    Column("pipeline_name", String(_NAME), nullable=False),
    Column("activity_name", String(_NAME), nullable=False),
    Column("activity_type", String(_NAME), nullable=False),
    Column("status", String(_STATUS), nullable=False),
    Column("activity_run_start", UtcDateTime(), nullable=False),
    Column("activity_run_end", UtcDateTime()),
    Column("duration_in_ms", BigInteger),
    Column("input", _json()),
    Column("output", _json()),
    Column("error", _json()),
    Column("linked_service_name", String(_NAME), nullable=False),
    Column("user_properties", _json(), nullable=False),
    Column("retry_attempt", Integer),
    Column("iteration_hash", String(128), nullable=False),
    Index("ix_activity_runs_pipeline_run_id_start", "pipeline_run_id", "activity_run_start"),
)

_ETAG = 64
# ARM's path segments: subscription ids are GUIDs, resource group names run to 90 characters.
_SEGMENT = 128

factories = Table(
    "factories", metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", String(_SEGMENT), nullable=False),
    Column("subscription_key", String(_SEGMENT), nullable=False),
    Column("resource_group", String(_SEGMENT), nullable=False),
    Column("resource_group_key", String(_SEGMENT), nullable=False),
    Column("name", String(_NAME), nullable=False),
    Column("name_key", String(_NAME), nullable=False),
    Column("location", String(64), nullable=False),
    Column("tags", _json(), nullable=False),
    Column("identity", _json()),
    Column("properties", _definition_json(), nullable=False),
    Column("etag", String(_ETAG), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Also the index of listing by subscription (and resource group) in name order.
    UniqueConstraint("subscription_key", "resource_group_key", "name_key"),
)

resources = Table(
    "resources", metadata,
    Column("factory_id", Integer, ForeignKey("factories.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    # The primary key (factory, kind, lowered name) is also the index that pages a listing.
    Column("name_key", String(_NAME), primary_key=True),
    Column("name", String(_NAME), nullable=False),
    Column("properties", _definition_json(), nullable=False),
    Column("etag", String(_ETAG), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    CheckConstraint("role IN ('reader', 'operator', 'contributor')", name="role"),
)

# The last test connection of each linked service (a new test replaces it); what the report said, no definition value.
connection_tests = Table(
    "connection_tests", metadata,
    Column("factory_id", Integer, ForeignKey("factories.id", ondelete="CASCADE"), primary_key=True),
    Column("name_key", String(_NAME), primary_key=True),
    Column("name", String(_NAME), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("failed_stage", String(32)),
    Column("error_code", String(128)),
    Column("message", Text, nullable=False),
    Column("tested_at", UtcDateTime(), nullable=False),
)

run_requests = Table(
    "run_requests", metadata,
    Column("run_id", String(_ID), ForeignKey("pipeline_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("factory_id", Integer, ForeignKey("factories.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("pipeline_name", String(_NAME), nullable=False),
    Column("parameters", _json(), nullable=False),
    Column("options", _json(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("enqueued_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(128)),
    Column("heartbeat_at", UtcDateTime()),
    CheckConstraint("state IN ('queued', 'running', 'finished')", name="state"),
    Index("ix_run_requests_state_enqueued_at", "state", "enqueued_at", "run_id"),
    Index("ix_run_requests_state_heartbeat_at", "state", "heartbeat_at"),
)
