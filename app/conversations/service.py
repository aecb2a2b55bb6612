"""Business rules of AI conversations: ownership, history, asking the provider."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth, inputs
from app.ansible import service as playbooks_service
from app.conversations import grounding, proposals, replies, repository
from app.conversations import provider as ai
from app.conversations.errors import (
    AiNotConfiguredError,
    AiProviderError,
    AiProviderTimeoutError,
    ConversationNotFoundError,
    InvalidMessageFormatError,
    SuggestedActionNotFoundError,
)
from app.conversations.models import Conversation, ConversationMessage
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import found_or_raise
from app.inventories import service as inventories_service
from app.settings import Settings

# Not covered by the viewer's `*.*.view`: reading other users' conversations.
VIEW_ALL_PERMISSION = auth.checked_permission("conversations.conversation.view_all")
MAX_MESSAGE_CHARS = 20_000
HISTORY_LIMIT = 50  # newest messages sent to the provider with each question
CONTEXT_NAMES = 50  # playbook and inventory names listed in the system prompt
SYSTEM_PROMPT = (
    "You are the assistant of Ansible Auto Control Hub, an Ansible automation "
    "platform. Help the user write and run Ansible playbooks and manage "
    "inventories. Answer in the language the user writes in. Use the tools to "
    "look up inventories, playbooks, jobs, executions, devices and alerts "
    "rather than guessing."
)


@dataclass(frozen=True)
class Reader:
    """Who reads conversations: their owner, or someone allowed to read all."""

    user_id: int
    reads_all: bool = False


@dataclass(frozen=True)
class Exchange:
    """A question and the assistant's answer, in their conversation."""

    conversation: Conversation
    question: ConversationMessage
    answer: ConversationMessage


def parse_id(raw: str) -> int:
    """`conv-12` (or `12`) to 12; anything else is ConversationNotFoundError."""
    return found_or_raise(
        inputs.parse_id(raw.removeprefix("conv-")), ConversationNotFoundError(raw[:64])
    )


async def get_conversation(
    session: AsyncSession, reader: Reader, conversation_id: int
) -> Conversation:
    """The conversation, if `reader` owns it or reads all; else not found."""
    found = await repository.by_id(session, conversation_id)
    if found is None or not (reader.reads_all or found.user_id == reader.user_id):
        raise ConversationNotFoundError(f"conv-{conversation_id}")
    return found


def conversation_query(user_id: int) -> Select[tuple[Conversation]]:
    """The user's own conversations, unordered (for keyset pages)."""
    return repository.of_user(user_id)


async def list_conversations(
    session: AsyncSession, user_id: int, limit: int, offset: int
) -> list[Conversation]:
    """One page of the user's own conversations, most recently active first."""
    return await repository.page_of_user(session, user_id, limit, offset)


async def messages_of(
    session: AsyncSession, conversation_ids: Sequence[int]
) -> dict[int, list[ConversationMessage]]:
    """The messages of each conversation, oldest first."""
    return await repository.messages(session, conversation_ids)


async def start_conversation(
    session: AsyncSession,
    user_id: int,
    title: str | None = None,
    inventory_id: int | None = None,
) -> Conversation:
    """A new, empty conversation of `user_id`, about an inventory if given."""
    if inventory_id is not None:
        await inventories_service.get_inventory(session, inventory_id)
    conversation = Conversation(
        user_id=user_id,
        title=(title or "").strip()[:200] or None,
        inventory_id=inventory_id,
    )
    session.add(conversation)
    await session.flush()
    return conversation


def _checked_text(text: str) -> str:
    """`text` if it is a message worth sending; else InvalidMessageFormatError."""
    if not text.strip():
        raise InvalidMessageFormatError("message must not be empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidMessageFormatError(
            f"message must be at most {MAX_MESSAGE_CHARS} characters"
        )
    return text


async def _target(
    session: AsyncSession,
    user_id: int,
    conversation_id: int | None,
    inventory_id: int | None,
    text: str,
) -> Conversation:
    """The sender's conversation to append to (a new one without an id)."""
    if conversation_id is None:
        return await start_conversation(session, user_id, text[:80], inventory_id)
    conversation = await get_conversation(session, Reader(user_id), conversation_id)
    if inventory_id is not None:
        await inventories_service.get_inventory(session, inventory_id)
        conversation.inventory_id = inventory_id
    return conversation


async def _add(
    session: AsyncSession, conversation: Conversation, *, is_user: bool, text: str
) -> ConversationMessage:
    """Append a message and mark the conversation as just active."""
    message = ConversationMessage(
        conversation_id=conversation.id, is_user=is_user, text=text
    )
    session.add(message)
    conversation.updated_at = utcnow()
    await session.flush()
    return message


async def _system_prompt(session: AsyncSession, conversation: Conversation) -> str:
    """What the assistant should know: names only, never configs or secrets."""
    playbooks = await playbooks_service.list_playbooks(session, per_page=CONTEXT_NAMES)
    inventories, _ = await inventories_service.list_inventories(
        session, None, CONTEXT_NAMES, 0
    )
    lines = [SYSTEM_PROMPT]
    if playbooks.items:
        names = ", ".join(p.name for p in playbooks.items)
        lines.append(f"Ansible playbooks on this platform: {names}.")
    if inventories:
        names = ", ".join(f"{i.name} (group {i.group})" for i in inventories)
        lines.append(f"Inventories on this platform: {names}.")
    if conversation.inventory_id is not None:
        current = await inventories_service.get_inventory(
            session, conversation.inventory_id
        )
        lines.append(f"This conversation is about the inventory {current.name}.")
    return "\n".join(lines)


async def _prompt(
    session: AsyncSession, conversation: Conversation
) -> list[ai.ChatMessage]:
    """The system prompt, then the newest HISTORY_LIMIT messages, oldest first."""
    history = await repository.last_messages(session, conversation.id, HISTORY_LIMIT)
    prompt: list[ai.ChatMessage] = [
        {"role": "system", "content": await _system_prompt(session, conversation)}
    ]
    prompt.extend(
        {"role": "user" if m.is_user else "assistant", "content": m.text}
        for m in history
    )
    return prompt


async def _keep_partial(
    db: Sessionmaker, conversation: Conversation, relay: replies.Relay
) -> None:
    """Store what the provider streamed before it failed, marked partial."""
    async with unit_of_work(db) as session:
        session.add(conversation)
        kept = None
        if relay.text:
            kept = await _add(session, conversation, is_user=False, text=relay.text)
            kept.partial = True
        await relay.failed(session, kept)


async def send_message(
    db: Sessionmaker,
    provider: ai.Provider | None,
    user: auth.Principal,
    text: str,
    conversation_id: int | None = None,
    inventory_id: int | None = None,
) -> Exchange:
    """Store the user's message, ask the provider with the history, store its answer.

    The model may read the platform through tools under `user`'s permissions.
    The question is committed before the provider is called, so it stays in
    the history when the provider fails (AiProviderError carries the
    conversation id); no transaction is open while waiting for the provider.
    """
    if provider is None:
        raise AiNotConfiguredError
    text = _checked_text(text)
    async with unit_of_work(db) as session:
        conversation = await _target(
            session, user.user_id, conversation_id, inventory_id, text
        )
        question = await _add(session, conversation, is_user=True, text=text)
        prompt = await _prompt(session, conversation)
    relay = replies.Relay(db, conversation.id)
    try:
        reply = await grounding.answer(db, provider, user, prompt, relay.emit)
    except (AiProviderError, AiProviderTimeoutError) as exc:
        await _keep_partial(db, conversation, relay)
        exc.conversation_id = conversation.id
        exc.message += f" (訊息已保存於對話 {conversation.public_id})"
        exc.details["conversation_id"] = conversation.public_id
        raise
    async with unit_of_work(db) as session:
        session.add(conversation)
        answer = await _add(session, conversation, is_user=False, text=reply.text)
        answer.quick_replies = reply.proposal.quick_replies
        answer.suggested_actions = reply.proposal.actions
        await relay.completed(session, answer)
    return Exchange(conversation, question, answer)


async def apply_suggested_action(
    db: Sessionmaker,
    settings: Settings,
    user: auth.Principal,
    message_id: str,
    index: int,
) -> proposals.Applied:
    """Perform action `index` offered by answer `msg-N` of one of the caller's
    conversations, with the caller's permissions."""
    digits = message_id.removeprefix("msg-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise SuggestedActionNotFoundError
    async with db() as session:
        message = found_or_raise(
            await repository.message_by_id(session, int(digits)),
            SuggestedActionNotFoundError(),
        )
        try:  # only the asker applies: reading all conversations is not enough
            await get_conversation(
                session, Reader(user.user_id), message.conversation_id
            )
        except ConversationNotFoundError:
            raise SuggestedActionNotFoundError from None
    if not 0 <= index < len(message.suggested_actions):
        raise SuggestedActionNotFoundError
    return await proposals.apply(db, settings, user, message.suggested_actions[index])
