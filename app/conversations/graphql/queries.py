"""GraphQL queries of AI conversations."""

from __future__ import annotations

import strawberry

from app.conversations import service
from app.conversations.errors import ConversationNotFoundError
from app.conversations.graphql.types import Conversation
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

VIEW = "conversations.conversation.view"


def _reader(info: Info) -> service.Reader:
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return service.Reader(p.user_id, p.can(service.VIEW_ALL_PERMISSION))


@strawberry.type
class ConversationsQuery:
    @strawberry.field(
        description="One conversation: yours, or anyone's with view_all.",
        permission_classes=[HasPermission(VIEW)],
    )
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        try:
            async with info.context.db() as session:
                found = await service.get_conversation(
                    session, _reader(info), service.parse_id(str(id))
                )
        except ConversationNotFoundError:
            return None
        return Conversation.from_model(found)

    @strawberry.field(
        description="Your conversations, most recently active first.",
        permission_classes=[HasPermission(VIEW)],
    )
    async def conversations(
        self, info: Info, first: int = 20, offset: int = 0
    ) -> list[Conversation]:
        async with info.context.db() as session:
            rows = await service.list_conversations(
                session, _reader(info).user_id, min(max(first, 0), 100), max(offset, 0)
            )
        return [Conversation.from_model(c) for c in rows]
