"""cron trigger nodes of workflows and when each is next due

Revision ID: wfnodes_0002
Revises: wfnodes_0001
Create Date: 2026-11-22 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "wfnodes_0002"
down_revision: str | None = "wfnodes_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workflow_cron_trigger",
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("cron_expression", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            name=op.f("fk_workflow_cron_trigger_workflow_id_workflow"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workflow_id", "node_id", name=op.f("pk_workflow_cron_trigger")
        ),
    )
    op.create_index(
        op.f("ix_workflow_cron_trigger_next_run_at"),
        "workflow_cron_trigger",
        ["next_run_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_workflow_cron_trigger_next_run_at"),
        table_name="workflow_cron_trigger",
    )
    op.drop_table("workflow_cron_trigger")
