"""GraphQL queries of AI conversations."""

from __future__ import annotations

import strawberry

from app.conversations import models, service
from app.conversations.graphql.types import VIEW, Conversation
from app.graphql.context import Info
from app.graphql.nodes import key_or_none, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission, require


@strawberry.type
class ConversationsQuery:
    @strawberry.field(
        description="One conversation: yours, or anyone's with view_all; null "
        "when absent or not visible.",
        permission_classes=[HasPermission(VIEW)],
    )
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        key = key_or_none(id, Conversation)
        loader = row_loader(info, Conversation)
        row = await loader.load(key) if key is not None else None
        return Conversation.from_model(row) if row is not None else None

    @strawberry.field(
        description="Your own conversations by last activity (most recent first "
        "unless `direction: ASC`), one page at a time.",
        permission_classes=[HasPermission(VIEW)],
    )
    async def conversations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[Conversation]:
        query = service.conversation_query(require(info, VIEW).user_id)
        keys = [models.Conversation.updated_at, models.Conversation.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, direction, window, Conversation.from_model
        )
