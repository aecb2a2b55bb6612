"""identity: email verification and email 2FA codes

Revision ID: assist_0001
Revises: identity_0001
Create Date: 2026-12-04 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = "assist_0001"
down_revision: str | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_email_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_code")),
    )
    op.create_index(
        op.f("ix_email_code_user_id"), "email_code", ["user_id"], unique=False
    )
    op.add_column(
        "user",
        sa.Column(
            "email_verified_at", app.db.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.add_column(
        "user",
        sa.Column(
            "email_2fa_enabled", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade() -> None:
    op.drop_column("user", "email_2fa_enabled")
    op.drop_column("user", "email_verified_at")
    op.drop_index(op.f("ix_email_code_user_id"), table_name="email_code")
    op.drop_table("email_code")
