"""Baseline: the run history as it was before migrations, and the service's factories, resources, API tokens and run queue.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Stores that RunStore created before there were migrations already hold ``pipeline_runs`` and
``activity_runs`` exactly as below (from the same table definitions): their history is kept and
only the service's tables are added.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _definition_json() -> sa.JSON:
    # JSON text on PostgreSQL too, so that a definition keeps its key order.
    return sa.JSON(none_as_null=True)


def _utc() -> sa.DateTime:
    # pgfactory.store.schema.UtcDateTime converts in Python; the column itself is this.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("pipeline_runs"):
        _create_run_history()
    _create_service_tables()


def _create_run_history() -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("run_group_id", sa.String(64), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("pipeline_name", sa.String(260), nullable=False),
        sa.Column("parameters", _json(), nullable=False),
        sa.Column("run_dimension", _json(), nullable=False),
        sa.Column("annotations", _json(), nullable=False),
        sa.Column("invoked_by_name", sa.String(260), nullable=False),
        sa.Column("invoked_by_id", sa.String(64), nullable=False),
        sa.Column("invoked_by_type", sa.String(64), nullable=False),
        sa.Column("invoked_by_pipeline_name", sa.String(260), nullable=True),
        sa.Column("invoked_by_pipeline_run_id", sa.String(64), nullable=True),
        sa.Column("last_updated", _utc(), nullable=False),
        sa.Column("run_start", _utc(), nullable=False),
        sa.Column("run_end", _utc(), nullable=True),
        sa.Column("duration_in_ms", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_pipeline_runs"),
    )
    op.create_index("ix_pipeline_runs_invoked_by_pipeline_run_id", "pipeline_runs", ["invoked_by_pipeline_run_id"])
    op.create_index("ix_pipeline_runs_last_updated", "pipeline_runs", ["last_updated"])
    op.create_index("ix_pipeline_runs_pipeline_name_run_start", "pipeline_runs", ["pipeline_name", "run_start"])
    op.create_index("ix_pipeline_runs_run_start", "pipeline_runs", ["run_start", "run_id"])
    op.create_index("ix_pipeline_runs_status_run_start", "pipeline_runs", ["status", "run_start"])

    op.create_table(
        "activity_runs",
        sa.Column("activity_run_id", sa.String(64), nullable=False),
        sa.Column("pipeline_run_id", sa.String(64), nullable=False),
        sa.Column("parent_activity_run_id", sa.String(64), nullable=True),
        sa.Column("pipeline_name", sa.String(260), nullable=False),
        sa.Column("activity_name", sa.String(260), nullable=False),
        sa.Column("activity_type", sa.String(260), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("activity_run_start", _utc(), nullable=False),
        sa.Column("activity_run_end", _utc(), nullable=True),
        sa.Column("duration_in_ms", sa.BigInteger(), nullable=True),
        sa.Column("input", _json(), nullable=True),
        sa.Column("output", _json(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sa.Column("linked_service_name", sa.String(260), nullable=False),
        sa.Column("user_properties", _json(), nullable=False),
        sa.Column("retry_attempt", sa.Integer(), nullable=True),
        sa.Column("iteration_hash", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["pipeline_run_id"], ["pipeline_runs.run_id"],
                                name="fk_activity_runs_pipeline_run_id_pipeline_runs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("activity_run_id", name="pk_activity_runs"),
    )
    op.create_index("ix_activity_runs_pipeline_run_id_start", "activity_runs", ["pipeline_run_id", "activity_run_start"])


def _create_service_tables() -> None:
    op.create_table(
        "factories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.String(128), nullable=False),
        sa.Column("subscription_key", sa.String(128), nullable=False),
        sa.Column("resource_group", sa.String(128), nullable=False),
        sa.Column("resource_group_key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(260), nullable=False),
        sa.Column("name_key", sa.String(260), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("identity", _json(), nullable=True),
        sa.Column("properties", _definition_json(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_factories"),
        sa.UniqueConstraint("subscription_key", "resource_group_key", "name_key", name="uq_factories_subscription_key"),
    )
    op.create_table(
        "resources",
        sa.Column("factory_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name_key", sa.String(260), nullable=False),
        sa.Column("name", sa.String(260), nullable=False),
        sa.Column("properties", _definition_json(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["factory_id"], ["factories.id"], name="fk_resources_factory_id_factories", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("factory_id", "kind", "name_key", name="pk_resources"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_used_at", _utc(), nullable=True),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.CheckConstraint("role IN ('reader', 'operator', 'contributor')", name="ck_api_tokens_role"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("name", name="uq_api_tokens_name"),
    )
    op.create_table(
        "run_requests",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("factory_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_name", sa.String(260), nullable=False),
        sa.Column("parameters", _json(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("enqueued_at", _utc(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("heartbeat_at", _utc(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'finished')", name="ck_run_requests_state"),
        sa.ForeignKeyConstraint(["factory_id"], ["factories.id"], name="fk_run_requests_factory_id_factories",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["pipeline_runs.run_id"], name="fk_run_requests_run_id_pipeline_runs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", name="pk_run_requests"),
    )
    op.create_index("ix_run_requests_factory_id", "run_requests", ["factory_id"])
    op.create_index("ix_run_requests_state_enqueued_at", "run_requests", ["state", "enqueued_at", "run_id"])
    op.create_index("ix_run_requests_state_heartbeat_at", "run_requests", ["state", "heartbeat_at"])


def downgrade() -> None:
    for table in ("run_requests", "resources", "api_tokens", "factories", "activity_runs", "pipeline_runs"):
        op.drop_table(table)  # indexes go with their tables
