"""GraphQL types of AI conversations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Select, select
from strawberry.scalars import JSON

from app import inputs
from app.conversations import loaders, models, service
from app.graphql.context import Info
from app.graphql.nodes import Entity, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate_items
from app.graphql.permissions import holds
from app.graphql.types import Error

if TYPE_CHECKING:
    from app.inventories.graphql.schema import Inventory

InventoryRef = Annotated["Inventory", strawberry.lazy("app.inventories.graphql.schema")]
VIEW = "conversations.conversation.view"


@strawberry.type(
    description="An action the assistant offers; it runs only when "
    "the user applies it (`applySuggestedAction`)."
)
class SuggestedAction:
    type: str = strawberry.field(
        description="`create_playbook`, `run_playbook` or `ssh_test`."
    )
    label: str = strawberry.field(description="Button text.")
    data: JSON = strawberry.field(
        description="create_playbook: {name, type, main, tasks}; run_playbook: "
        "{playbook_ids, inventory_id}; ssh_test: {inventory_ids}."
    )


def _key(prefix: str, raw: str) -> int | None:
    """The row id of `conv-12` / `msg-7` (with `prefix`), or None."""
    return inputs.parse_id(raw.removeprefix(prefix)) if raw.startswith(prefix) else None


def _own(info: Info, query: Select[Any], owner: Any) -> Select[Any]:
    """`query` narrowed to the caller's conversations unless they read all."""
    principal = info.context.principal
    if principal is not None and principal.can(service.VIEW_ALL_PERMISSION):
        return query
    return query.where(owner == (principal.user_id if principal else None))


@strawberry.type(description="One message of a conversation with the AI assistant.")
class ConversationMessage(Entity):
    table = models.ConversationMessage
    permission = VIEW
    key_field = "key"

    key: str = strawberry.field(
        description="Message id as the REST surfaces write it, e.g. `msg-7`."
    )
    text: str = strawberry.field(description="What was said.")
    is_user: bool = strawberry.field(description="True: the user; false: the AI.")
    created_at: datetime = strawberry.field(description="When it was stored.")
    partial: bool = strawberry.field(
        description="True: the provider broke off mid-answer; `text` is what "
        "had arrived."
    )
    quick_replies: list[str] = strawberry.field(
        description="Short replies the assistant offers to tap."
    )
    suggested_actions: list[SuggestedAction] = strawberry.field(
        description="Checked actions the assistant offers, by index."
    )

    @classmethod
    def parse_key(cls, raw: str) -> int | None:
        return _key("msg-", raw)

    @classmethod
    def scope(cls, info: Info, query: Select[Any]) -> Select[Any]:
        """Messages of the caller's conversations (all with view_all)."""
        owned = _own(info, select(models.Conversation.id), models.Conversation.user_id)
        return query.where(models.ConversationMessage.conversation_id.in_(owned))

    @classmethod
    def from_model(cls, m: models.ConversationMessage) -> ConversationMessage:
        return cls(
            key=m.public_id,
            text=m.text,
            is_user=m.is_user,
            created_at=m.created_at,
            partial=m.partial,
            quick_replies=list(m.quick_replies),
            suggested_actions=[SuggestedAction(**a) for a in m.suggested_actions],
        )


@strawberry.type(description="A conversation of one user with the AI assistant.")
class Conversation(Entity):
    table = models.Conversation
    permission = VIEW
    key_field = "key"

    key: str = strawberry.field(
        description="Conversation id as the REST surfaces write it: `conv-12`."
    )
    title: str | None = strawberry.field(description="Title, if any.")
    created_at: datetime = strawberry.field(description="When it was started.")
    updated_at: datetime = strawberry.field(description="Last message time.")
    pk: strawberry.Private[int]
    inventory_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The inventory the conversation is about; null when none, "
        "deleted, or you may not view inventories."
    )
    async def inventory(self, info: Info) -> InventoryRef | None:
        from app.inventories.graphql.schema import Inventory

        if self.inventory_id is None or not holds(info, Inventory.permission or ""):
            return None
        found = await row_loader(info, Inventory).load(self.inventory_id)
        return Inventory.from_model(found) if found is not None else None

    @strawberry.field(description="Its messages, oldest first.")
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[ConversationMessage]:  # fmt: skip
        loader = loaders.messages_by_conversation(info.context.loaders, info.context.db)
        found = await loader.load(self.pk)
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda m: (m.id,), direction, window, ConversationMessage.from_model
        )

    @classmethod
    def parse_key(cls, raw: str) -> int | None:
        return _key("conv-", raw)

    @classmethod
    def scope(cls, info: Info, query: Select[Any]) -> Select[Any]:
        """The caller's conversations (all with view_all)."""
        return _own(info, query, models.Conversation.user_id)

    @classmethod
    def from_model(cls, c: models.Conversation) -> Conversation:
        return cls(
            key=c.public_id,
            title=c.title,
            inventory_id=c.inventory_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
            pk=c.id,
        )


@strawberry.type(description="The AI assistant answered.")
class SendMessageSuccess:
    conversation: Conversation = strawberry.field(description="The conversation.")
    user_message: ConversationMessage = strawberry.field(
        description="The stored question."
    )
    ai_response: ConversationMessage = strawberry.field(
        description="The assistant's answer."
    )


@strawberry.type(description="The conversation was started.")
class StartConversationSuccess:
    conversation: Conversation = strawberry.field(description="The conversation.")


@strawberry.type(description="No conversation of yours has this id.")
class ConversationNotFound(Error):
    pass


@strawberry.type(description="The message is empty or too long.")
class InvalidMessageFormat(Error):
    pass


@strawberry.type(description="No AI provider is configured, or it failed or timed out.")
class AiServiceUnavailable(Error):
    conversation_id: strawberry.ID | None = strawberry.field(
        description="Where your message was kept, as a global id (null: it was "
        "not stored)."
    )
