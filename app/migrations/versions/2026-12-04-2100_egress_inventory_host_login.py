"""An inventory host's own login: inventory_host.credential_id

Revision ID: egress_0001
Revises: fleet_0001
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "egress_0001"
down_revision: str | None = "fleet_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inventory_host") as batch:
        batch.add_column(sa.Column("credential_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_inventory_host_credential_id_credential",
            "credential",
            ["credential_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("inventory_host") as batch:
        batch.drop_constraint(
            "fk_inventory_host_credential_id_credential", type_="foreignkey"
        )
        batch.drop_column("credential_id")
