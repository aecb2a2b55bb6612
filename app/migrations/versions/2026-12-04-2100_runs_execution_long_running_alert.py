"""an execution remembers that its long-running alert was raised

Revision ID: runs_0001
Revises: executions_0001
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "runs_0001"
down_revision: str | None = "executions_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "execution",
        sa.Column(
            "long_running_alerted_at", app.db.UTCDateTime(timezone=True), nullable=True
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("execution") as batch:
        batch.drop_column("long_running_alerted_at")
