"""queryPipelineRuns pages from indexes in ADF's default order (newest first), per factory and per pipeline.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The index on (factory_id, last_updated) served the update window alone: SQLite, which keeps no
statistics on ranges, chose it and sorted every run in the window before returning a page (a
quarter of a second with 100,000 runs stored). It is replaced by indexes in run start order that
carry the window's column, so that a page reads about as many index entries as it returns.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_pipeline_runs_factory_id_last_updated", table_name="pipeline_runs")
    op.create_index("ix_pipeline_runs_factory_id_run_start", "pipeline_runs",
                    ["factory_id", "run_start", "run_id", "last_updated"])
    op.create_index("ix_pipeline_runs_factory_id_pipeline_name_run_start", "pipeline_runs",
                    ["factory_id", "pipeline_name", "run_start", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_runs_factory_id_pipeline_name_run_start", table_name="pipeline_runs")
    op.drop_index("ix_pipeline_runs_factory_id_run_start", table_name="pipeline_runs")
    op.create_index("ix_pipeline_runs_factory_id_last_updated", "pipeline_runs", ["factory_id", "last_updated"])
