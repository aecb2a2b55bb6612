"""The assistant's replies as they are generated."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.conversations import replies, service
from app.conversations.graphql.types import Conversation, ConversationMessage
from app.graphql.context import Info
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import require

VIEW = "conversations.conversation.view"


def _message_gid(public_id: str) -> strawberry.ID:
    """The global id of the message the stored event names (`msg-7`)."""
    return global_id(ConversationMessage, public_id)


@strawberry.type(description="One step of an assistant reply being generated.")
class AssistantReplyEvent:
    seq: int = strawberry.field(
        description="Gap-free position in the conversation's reply stream; "
        "resume with `afterSeq`."
    )
    type: str = strawberry.field(
        description="`reply.delta` (more text), `reply.completed` (the stored "
        "answer) or `reply.failed` (the provider failed)."
    )
    text: str | None = strawberry.field(
        description="delta: the new text; completed: the whole answer."
    )
    message_id: strawberry.ID | None = strawberry.field(
        description="completed: the answer; failed: the partial answer kept "
        "(global ids of ConversationMessage)."
    )
    partial: bool = strawberry.field(
        description="failed: true when some text had arrived and was kept."
    )

    @classmethod
    def from_event(cls, event: events.Event) -> AssistantReplyEvent:
        message_id = event.data.get("message_id")
        return cls(
            seq=event.seq,
            type=event.type,
            text=event.data.get("text"),
            message_id=_message_gid(message_id) if message_id else None,
            partial=bool(event.data.get("partial")),
        )


@strawberry.type
class ConversationsSubscription:
    @strawberry.subscription(
        description="The assistant's replies in a conversation of yours as the "
        "provider streams them: events after `afterSeq` replayed from storage, "
        "then live, with no gap and no duplicate. Runs until you stop it."
    )
    async def assistant_reply(
        self, info: Info, conversation_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[AssistantReplyEvent, None]:
        user = require(info, VIEW)
        reader = service.Reader(user.user_id, user.can(service.VIEW_ALL_PERMISSION))
        key = key_of(conversation_id, Conversation, field="conversationId")
        async with info.context.db() as session:
            found = await service.get_conversation(session, reader, key)
        stream = replies.stream_of(found.id)
        async for event in events.subscribe(info.context.db, stream, after_seq):
            yield AssistantReplyEvent.from_event(event)
