"""netbox device links

Revision ID: netbox_0001
Revises: 0001 (depends on fleet_0001)
Create Date: 2026-12-04 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = "netbox_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "fleet_0001"  # the device table


def upgrade() -> None:
    op.create_table(
        "netbox_device_link",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("netbox_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_netbox_device_link_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_netbox_device_link")),
        sa.UniqueConstraint("netbox_id", name=op.f("uq_netbox_device_link_netbox_id")),
    )


def downgrade() -> None:
    op.drop_table("netbox_device_link")
