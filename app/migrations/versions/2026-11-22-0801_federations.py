"""federations: federations and their services

Revision ID: federations_0001
Revises: 0001
Create Date: 2026-11-22 08:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "federations_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_federation_org_id_name")),
    )
    op.create_index(op.f("ix_federation_org_id"), "federation", ["org_id"])


def downgrade() -> None:
    op.drop_table("federation")
