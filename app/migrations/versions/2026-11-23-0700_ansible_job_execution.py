"""every ansible job is backed by an execution

Revision ID: ansible_0002
Revises: ansible_0001
Create Date: 2026-11-23 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ansible_0002"
down_revision: str | None = "ansible_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ansible_job", sa.Column("execution_uuid", sa.String(length=36), nullable=True)
    )
    op.create_index(
        op.f("ix_ansible_job_execution_uuid"),
        "ansible_job",
        ["execution_uuid"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ansible_job_execution_uuid"), table_name="ansible_job")
    with op.batch_alter_table("ansible_job") as batch:
        batch.drop_column("execution_uuid")
