"""Every SQL statement of AI conversations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, ConversationMessage


async def by_id(session: AsyncSession, conversation_id: int) -> Conversation | None:
    """The conversation with `conversation_id`, if any."""
    return await session.get(Conversation, conversation_id)


async def message_by_id(
    session: AsyncSession, message_id: int
) -> ConversationMessage | None:
    """The message with `message_id`, if any."""
    return await session.get(ConversationMessage, message_id)


def of_user(user_id: int) -> Select[tuple[Conversation]]:
    """A user's conversations, unordered."""
    return select(Conversation).where(Conversation.user_id == user_id)


async def page_of_user(
    session: AsyncSession, user_id: int, limit: int, offset: int
) -> list[Conversation]:
    """One page of a user's conversations, most recently active first."""
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def messages(
    session: AsyncSession, conversation_ids: Sequence[int]
) -> dict[int, list[ConversationMessage]]:
    """The messages of each conversation, oldest first."""
    rows = await session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id.in_(conversation_ids))
        .order_by(ConversationMessage.id)
    )
    found: dict[int, list[ConversationMessage]] = {i: [] for i in conversation_ids}
    for row in rows:
        found[row.conversation_id].append(row)
    return found


async def last_messages(
    session: AsyncSession, conversation_id: int, limit: int
) -> list[ConversationMessage]:
    """The newest `limit` messages of a conversation, oldest first."""
    rows = await session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
