"""Pipeline runs name the factory they ran in, so that queryPipelineRuns answers per factory.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Runs recorded before (by the command line, which has no factory in the store) keep NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pipeline_runs") as table:
        table.add_column(sa.Column("factory_id", sa.Integer(), nullable=True))
    op.create_index("ix_pipeline_runs_factory_id_last_updated", "pipeline_runs", ["factory_id", "last_updated"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_runs_factory_id_last_updated", table_name="pipeline_runs")
    with op.batch_alter_table("pipeline_runs") as table:
        table.drop_column("factory_id")
