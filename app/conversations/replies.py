"""A reply as it is generated: stored events on the conversation's stream.

Each piece of text the provider streams is appended as `reply.delta`
(`{"text"}`); the stored answer ends it with `reply.completed` (`{"message_id",
"text"}`), a provider failure with `reply.failed` (`{"message_id", "partial"}`:
the partial answer kept, if any text had arrived). Subscribers replay the
stream after a seq, then tail it live (`events.subscribe`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.conversations.models import ConversationMessage
from app.db import Sessionmaker, unit_of_work


def stream_of(conversation_id: int) -> str:
    """The event stream of one conversation's replies."""
    return f"conversation:{conversation_id}"


@dataclass
class Relay:
    """Publishes one reply of a conversation while it is generated."""

    db: Sessionmaker
    conversation_id: int
    pieces: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything streamed so far."""
        return "".join(self.pieces)

    async def emit(self, piece: str) -> None:
        """Store and publish one piece of text (committed before the next)."""
        self.pieces.append(piece)
        async with unit_of_work(self.db) as session:
            await self._append(session, "reply.delta", {"text": piece})

    async def completed(
        self, session: AsyncSession, answer: ConversationMessage
    ) -> None:
        """End the reply with the stored answer, in the caller's transaction."""
        data = {"message_id": answer.public_id, "text": answer.text}
        await self._append(session, "reply.completed", data)

    async def failed(
        self, session: AsyncSession, kept: ConversationMessage | None
    ) -> None:
        """End the reply as failed; `kept` is the partial answer stored, if any."""
        data = {"message_id": kept.public_id if kept else None, "partial": bool(kept)}
        await self._append(session, "reply.failed", data)

    async def _append(
        self, session: AsyncSession, kind: str, data: dict[str, object]
    ) -> None:
        stream = stream_of(self.conversation_id)
        await events.append(session, stream, [(kind, data)])
