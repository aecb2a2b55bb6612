"""schedule fires record the script execution they started

Revision ID: wfexec_0001
Revises: 0001
Create Date: 2026-11-22 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wfexec_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "workflows_0001"


def upgrade() -> None:
    op.add_column(
        "schedule_fire",
        sa.Column("script_execution_id", sa.String(length=36), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("schedule_fire") as batch:
        batch.drop_column("script_execution_id")
