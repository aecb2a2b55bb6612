"""GraphQL types of AI conversations."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.conversations import loaders, models
from app.graphql.context import Info
from app.graphql.types import Error


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


@strawberry.type(description="One message of a conversation with the AI assistant.")
class ConversationMessage:
    id: strawberry.ID = strawberry.field(description="Message id, e.g. `msg-7`.")
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
    def from_model(cls, m: models.ConversationMessage) -> ConversationMessage:
        return cls(
            id=strawberry.ID(m.public_id),
            text=m.text,
            is_user=m.is_user,
            created_at=m.created_at,
            partial=m.partial,
            quick_replies=list(m.quick_replies),
            suggested_actions=[SuggestedAction(**a) for a in m.suggested_actions],
        )


@strawberry.type(description="A conversation of one user with the AI assistant.")
class Conversation:
    id: strawberry.ID = strawberry.field(description="Conversation id: `conv-12`.")
    title: str | None = strawberry.field(description="Title, if any.")
    inventory_id: int | None = strawberry.field(
        description="The inventory the conversation is about, if any."
    )
    created_at: datetime = strawberry.field(description="When it was started.")
    updated_at: datetime = strawberry.field(description="Last message time.")
    pk: strawberry.Private[int]

    @strawberry.field(description="Its messages, oldest first.")
    async def messages(self, info: Info) -> list[ConversationMessage]:
        loader = loaders.messages_by_conversation(info.context.loaders, info.context.db)
        return [ConversationMessage.from_model(m) for m in await loader.load(self.pk)]

    @classmethod
    def from_model(cls, c: models.Conversation) -> Conversation:
        return cls(
            id=strawberry.ID(c.public_id),
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
        description="Where your message was kept (null: it was not stored)."
    )
