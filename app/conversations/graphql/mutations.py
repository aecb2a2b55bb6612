"""GraphQL mutations of AI conversations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.conversations import provider, service
from app.conversations.errors import (
    AiNotConfiguredError,
    AiProviderError,
    AiProviderTimeoutError,
    ConversationNotFoundError,
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
from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, require
from app.inventories.errors import InventoryNotFoundError
from app.inventories.graphql.schema import InventoryNotFound

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
AiFailure = AiNotConfiguredError | AiProviderError | AiProviderTimeoutError


def _user_id(info: Info) -> int:
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return p.user_id


def _unavailable(exc: AiFailure) -> AiServiceUnavailable:
    kept = getattr(exc, "conversation_id", None)
    return AiServiceUnavailable(
        message=exc.message,
        conversation_id=strawberry.ID(f"conv-{kept}") if kept else None,
    )


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
        inventory_id: int | None = None,
    ) -> SendMessagePayload:
        try:
            exchange = await service.send_message(
                info.context.db,
                provider.from_settings(info.context.settings),
                require(info, "conversations.message.create"),
                message,
                service.parse_id(str(conversation_id)) if conversation_id else None,
                inventory_id,
            )
        except ConversationNotFoundError as exc:
            return ConversationNotFound(message=exc.message)
        except InvalidMessageFormatError as exc:
            return InvalidMessageFormat(message=exc.message)
        except InventoryNotFoundError as exc:
            return InventoryNotFound(message=exc.message)
        except (AiNotConfiguredError, AiProviderError, AiProviderTimeoutError) as exc:
            return _unavailable(exc)
        return SendMessageSuccess(
            conversation=Conversation.from_model(exchange.conversation),
            user_message=ConversationMessage.from_model(exchange.question),
            ai_response=ConversationMessage.from_model(exchange.answer),
        )

    @strawberry.mutation(
        description="Start an empty conversation, optionally about an inventory.",
        permission_classes=[HasPermission("conversations.conversation.create")],
    )
    async def start_conversation(
        self, info: Info, title: str | None = None, inventory_id: int | None = None
    ) -> StartConversationPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                started = await service.start_conversation(
                    session, _user_id(info), title, inventory_id
                )
        except InventoryNotFoundError as exc:
            return InventoryNotFound(message=exc.message)
        return StartConversationSuccess(conversation=Conversation.from_model(started))
