"""The last test connection result of each linked service, shown by the studio's list of linked services.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

One row per factory and linked service name (ARM's lowered name): a new test replaces it. It holds
what the staged report says (succeeded, the stage that failed, its code and message), never a value
of the definition. Deleting the factory deletes its rows; deleting a linked service deletes its row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connection_tests",
        sa.Column("factory_id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(260), nullable=False),
        sa.Column("name", sa.String(260), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("failed_stage", sa.String(32), nullable=True),
        sa.Column("error_code", sa.String(128), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["factory_id"], ["factories.id"], name="fk_connection_tests_factory_id_factories",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("factory_id", "name_key", name="pk_connection_tests"),
    )


def downgrade() -> None:
    op.drop_table("connection_tests")
