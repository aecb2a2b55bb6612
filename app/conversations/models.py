"""Conversations with the AI assistant and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Conversation(Base):
    """A conversation one user holds with the AI assistant."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(200))
    inventory_id: Mapped[int | None] = mapped_column(
        ForeignKey("inventory.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def public_id(self) -> str:
        """The id as Ansible Hub writes it: `conv-12`."""
        return f"conv-{self.id}"


class ConversationMessage(Base):
    """One message of a conversation, from the user or from the assistant."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        Index("ix_conversation_message_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE")
    )
    is_user: Mapped[bool]
    text: Mapped[str] = mapped_column(Text)
    # What the assistant proposed with this answer (its `propose` tool call):
    # reply texts, and checked actions `{"type", "label", "data"}`.
    quick_replies: Mapped[list[str]] = mapped_column(JSON, default=list)
    suggested_actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # True: the provider broke off mid-answer; `text` is what had arrived.
    partial: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def public_id(self) -> str:
        """The id as Ansible Hub writes it: `msg-7`."""
        return f"msg-{self.id}"
