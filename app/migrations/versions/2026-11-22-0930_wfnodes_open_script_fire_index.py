"""index the script fires whose execution may still be running

Revision ID: wfnodes_0001
Revises: wfexec_0001
Create Date: 2026-11-22 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wfnodes_0001"
down_revision: str | None = "wfexec_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_SCRIPT_FIRE = "status = 'fired' AND script_execution_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_schedule_fire_open_script",
        "schedule_fire",
        ["id"],
        unique=False,
        postgresql_where=sa.text(OPEN_SCRIPT_FIRE),
        sqlite_where=sa.text(OPEN_SCRIPT_FIRE),
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_fire_open_script", table_name="schedule_fire")
