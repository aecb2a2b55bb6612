"""DataLoaders of AI conversations: one query per batch, on its own session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from strawberry.dataloader import DataLoader

from app.conversations import service
from app.conversations.models import ConversationMessage
from app.db import Sessionmaker


def messages_by_conversation(
    loaders: dict[str, Any], db: Sessionmaker
) -> DataLoader[int, list[ConversationMessage]]:
    """This request's loader of each conversation's messages, made on first use."""
    if "conversations" not in loaders:

        async def load(ids: Sequence[int]) -> list[list[ConversationMessage]]:
            async with db() as session:
                found = await service.messages_of(session, list(ids))
            return [found[i] for i in ids]

        loaders["conversations"] = DataLoader(load_fn=load)
    return cast(DataLoader[int, list[ConversationMessage]], loaders["conversations"])
