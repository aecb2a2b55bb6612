"""pipelines: pipelines, executions, promotions, trigger cursor

Revision ID: pipelines_0001
Revises: 0001
Create Date: 2026-11-22 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "pipelines_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipeline",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline")),
    )
    op.create_index(op.f("ix_pipeline_org_id"), "pipeline", ["org_id"])
    op.create_index(op.f("ix_pipeline_workspace_id"), "pipeline", ["workspace_id"])
    op.create_table(
        "pipeline_execution",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("trigger_event", sa.JSON(), nullable=True),
        sa.Column("event_seq", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "lease_expires_at", app.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("execution_log", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipeline.id"],
            name=op.f("fk_pipeline_execution_pipeline_id_pipeline"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_execution")),
        sa.UniqueConstraint(
            "pipeline_id",
            "event_seq",
            name=op.f("uq_pipeline_execution_pipeline_id_event_seq"),
        ),
    )
    op.create_index(
        op.f("ix_pipeline_execution_pipeline_id"), "pipeline_execution", ["pipeline_id"]
    )
    op.create_index(
        "ix_pipeline_execution_started", "pipeline_execution", ["started_at"]
    )
    op.create_table(
        "pipeline_promotion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("execution_id", sa.Uuid(), nullable=True),
        sa.Column("entity_type", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("from_environment", sa.String(length=100), nullable=False),
        sa.Column("to_environment", sa.String(length=100), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("promoted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["pipeline_execution.id"],
            name=op.f("fk_pipeline_promotion_execution_id_pipeline_execution"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_promotion")),
    )
    op.create_index(
        op.f("ix_pipeline_promotion_execution_id"),
        "pipeline_promotion",
        ["execution_id"],
    )
    op.create_table(
        "pipeline_cursor",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipeline_cursor")),
    )


def downgrade() -> None:
    op.drop_table("pipeline_cursor")
    op.drop_table("pipeline_promotion")
    op.drop_table("pipeline_execution")
    op.drop_table("pipeline")
