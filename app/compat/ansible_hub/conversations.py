"""Ansible Hub AI conversation API (ansible-hub.md "AI 對話 API")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictInt, StrictStr, ValidationError
from starlette.responses import Response

from app.compat.ansible_hub import ok, surface
from app.compat.base import Call, invalid_from_pydantic
from app.compat.timefmt import iso_z
from app.conversations import provider, service
from app.conversations.errors import InvalidMessageFormatError
from app.conversations.models import Conversation, ConversationMessage
from app.db import unit_of_work

VIEW = "conversations.conversation.view"


class MessageContext(BaseModel):
    conversation_id: StrictStr | None = None
    inventory_id: StrictInt | None = None


class MessageBody(BaseModel):
    message: StrictStr
    context: MessageContext | None = None


class StartContext(BaseModel):
    inventory_id: StrictInt | None = None


class StartBody(BaseModel):
    title: StrictStr | None = Field(default=None, max_length=200)
    context: StartContext | None = None


def message_shape(m: ConversationMessage) -> dict[str, Any]:
    """A message as the spec's Message model: `time` is `6:30 pm` (UTC)."""
    clock = f"{m.created_at.hour % 12 or 12}:{m.created_at.minute:02d}"
    return {
        "id": m.public_id,
        "text": m.text,
        "time": f"{clock} {'am' if m.created_at.hour < 12 else 'pm'}",
        "is_user": m.is_user,
        "created_at": iso_z(m.created_at),
    }


def conversation_shape(
    c: Conversation, messages: list[ConversationMessage]
) -> dict[str, Any]:
    """A conversation as the spec's Conversation model."""
    return {
        "conversation_id": c.public_id,
        "title": c.title,
        "messages": [message_shape(m) for m in messages],
        "created_at": iso_z(c.created_at),
        "updated_at": iso_z(c.updated_at),
    }


async def _message_body(call: Call) -> MessageBody:
    try:
        return MessageBody.model_validate(await call.json())
    except ValidationError as exc:
        bad = invalid_from_pydantic(exc)
        raise InvalidMessageFormatError(bad.message, details=bad.details) from None


@surface.route("POST", "/ai/messages", permission="conversations.message.create")
async def send_message(call: Call) -> Response:
    body = await _message_body(call)
    context = body.context or MessageContext()
    raw_id = context.conversation_id
    exchange = await service.send_message(
        call.db,
        provider.from_settings(call.settings),
        call.user(),
        body.message,
        service.parse_id(raw_id) if raw_id is not None else None,
        context.inventory_id,
    )
    return ok(
        {
            "conversation_id": exchange.conversation.public_id,
            "user_message": message_shape(exchange.question),
            "ai_response": message_shape(exchange.answer),
            "quick_replies": exchange.answer.quick_replies,
            "suggested_actions": exchange.answer.suggested_actions,
        }
    )


@surface.route("GET", "/ai/conversations/{conversation_id}", permission=VIEW)
async def get_conversation(call: Call) -> Response:
    user = call.user()
    reader = service.Reader(user.user_id, user.can(service.VIEW_ALL_PERMISSION))
    wanted = service.parse_id(call.request.path_params["conversation_id"])
    async with call.db() as session:
        conversation = await service.get_conversation(session, reader, wanted)
        messages = await service.messages_of(session, [conversation.id])
    return ok(conversation_shape(conversation, messages[conversation.id]))


@surface.route(
    "POST", "/ai/conversations", permission="conversations.conversation.create"
)
async def start_conversation(call: Call) -> Response:
    body = await call.body(StartBody)
    inventory_id = body.context.inventory_id if body.context else None
    async with unit_of_work(call.db) as session:
        conversation = await service.start_conversation(
            session, call.user().user_id, body.title, inventory_id
        )
    shape = conversation_shape(conversation, [])
    return ok(shape, status=201, message="新對話已創建")
