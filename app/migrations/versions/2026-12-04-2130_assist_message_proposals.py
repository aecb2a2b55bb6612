"""conversations: quick replies, suggested actions, partial answers

Revision ID: assist_0002
Revises: conversations_0001
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "assist_0002"
down_revision: str | None = "conversations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversation_message",
        sa.Column("quick_replies", sa.JSON(), nullable=False, server_default="[]"),
    )
    op.add_column(
        "conversation_message",
        sa.Column(
            "suggested_actions", sa.JSON(), nullable=False, server_default="[]"
        ),
    )
    op.add_column(
        "conversation_message",
        sa.Column("partial", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("conversation_message", "partial")
    op.drop_column("conversation_message", "suggested_actions")
    op.drop_column("conversation_message", "quick_replies")
