"""GraphQL mutations of AI conversations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.conversations import provider, service
from app.conversations.errors import (
    AiNotConfiguredError,
    AiProviderError,
    AiProviderTimeoutError,
    InvalidMessageFormatError,
)
from app.conversations.graphql.types import (
    AiServiceUnavailable,
    Conversation,
    ConversationMessage,
    ConversationNotFound,
    InvalidMessageFormat,
    SendMessageSuccess,
    StartConversationSuccess,
)
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission, require
from app.graphql.types import Error, error_from
from app.inventories.errors import InventoryNotFoundError
from app.inventories.graphql.schema import Inventory, InventoryNotFound

SendMessagePayload = Annotated[
    SendMessageSuccess
    | ConversationNotFound
    | InvalidMessageFormat
    | InventoryNotFound
    | AiServiceUnavailable,
    strawberry.union("SendMessagePayload"),
]
StartConversationPayload = Annotated[
    StartConversationSuccess | InventoryNotFound,
    strawberry.union("StartConversationPayload"),
]
SEND_ERRORS = (
    ConversationNotFound,
    InvalidMessageFormat,
    InventoryNotFound,
    AiServiceUnavailable,
)
AiFailure = AiNotConfiguredError | AiProviderError | AiProviderTimeoutError


def _user_id(info: Info) -> int:
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return p.user_id


def _unavailable(exc: AiFailure) -> AiServiceUnavailable:
    kept = getattr(exc, "conversation_id", None)
    return AiServiceUnavailable(
        message=exc.message,
        conversation_id=global_id(Conversation, f"conv-{kept}") if kept else None,
    )


def _inventory_key(raw: strawberry.ID | None) -> int | None:
    """The row id of the inventory a global id names (NotFoundError if none)."""
    if raw is None:
        return None
    return key_of(raw, Inventory, field="inventoryId")


def _failure(exc: Exception) -> Error | None:
    """The member naming `exc`'s condition; for what is missing, `field` is
    the argument that named it."""
    if isinstance(exc, NotFoundError):
        named = exc.details.get("field")
        if isinstance(exc, InventoryNotFoundError) or named == "inventoryId":
            return InventoryNotFound(message=exc.message, field="inventoryId")
        return ConversationNotFound(message=exc.message, field="conversationId")
    if isinstance(exc, InvalidMessageFormatError):
        return error_from(InvalidMessageFormat, exc)
    if isinstance(exc, AiFailure):
        return _unavailable(exc)
    return None


@strawberry.type
class ConversationsMutation:
    @strawberry.mutation(
        description="Ask the AI assistant; without conversationId a new one starts.",
        permission_classes=[HasPermission("conversations.message.create")],
    )
    async def send_message(
        self,
        info: Info,
        message: str,
        conversation_id: strawberry.ID | None = None,
        inventory_id: strawberry.ID | None = None,
    ) -> SendMessagePayload:
        async with expected(*SEND_ERRORS, via=_failure) as out:
            key = None
            if conversation_id is not None:
                key = key_of(conversation_id, Conversation, field="conversationId")
            exchange = await service.send_message(
                info.context.db,
                provider.from_settings(info.context.settings),
                require(info, "conversations.message.create"),
                message,
                key,
                _inventory_key(inventory_id),
            )
        return out.error or SendMessageSuccess(
            conversation=Conversation.from_model(exchange.conversation),
            user_message=ConversationMessage.from_model(exchange.question),
            ai_response=ConversationMessage.from_model(exchange.answer),
        )

    @strawberry.mutation(
        description="Start an empty conversation, optionally about an inventory.",
        permission_classes=[HasPermission("conversations.conversation.create")],
    )
    async def start_conversation(
        self,
        info: Info,
        title: str | None = None,
        inventory_id: strawberry.ID | None = None,
    ) -> StartConversationPayload:
        async with expected(InventoryNotFound, via=_failure, db=info.context.db) as out:
            inventory = _inventory_key(inventory_id)
            started = await service.start_conversation(
                out.session, _user_id(info), title, inventory
            )
        return out.error or StartConversationSuccess(
            conversation=Conversation.from_model(started)
        )
