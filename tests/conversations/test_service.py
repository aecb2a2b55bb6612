"""The conversations service on the test database, with the provider being a
local OpenAI-compatible server on 127.0.0.1 started by the test."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app import auth
from app.conversations import provider, service
from app.conversations.errors import AiNotConfiguredError, ConversationNotFoundError
from app.conversations.models import ConversationMessage
from app.db import Sessionmaker, unit_of_work
from app.users import repository as users_repository
from app.users import service as users_service
from tests.conftest import RunningApp, TokenFactory
from tests.conversations.conftest import API_KEY, MODEL
from tests.conversations.llm_server import LLMServer
from tests.sqlcount import count_statements


async def new_user(db: Sessionmaker, name: str) -> int:
    async with unit_of_work(db) as session:
        await users_service.ensure_builtin_roles(session)
        user = await users_service.create_user(
            session, name, "long-enough-password", roles=["operator"]
        )
    return user.id


def operator(user_id: int) -> auth.Principal:
    """The operator `user_id` as the service sees a caller."""
    _, permissions = users_service.BUILTIN_ROLES["operator"]
    return auth.Principal(user_id, "op", ("operator",), frozenset(permissions))


class TestSendMessage:
    async def test_sends_only_the_newest_history(
        self, db: Sessionmaker, llm: LLMServer
    ) -> None:
        user_id = await new_user(db, "chatty")
        async with unit_of_work(db) as session:
            started = await service.start_conversation(session, user_id, "long")
            session.add_all(
                ConversationMessage(
                    conversation_id=started.id, is_user=i % 2 == 0, text=f"m{i}"
                )
                for i in range(60)
            )
        ai = provider.Provider(llm.base_url, MODEL, SecretStr(API_KEY), 2.0)
        exchange = await service.send_message(
            db, ai, operator(user_id), "latest", started.id
        )

        sent = llm.requests[0]["body"]["messages"]
        assert len(sent) == 1 + service.HISTORY_LIMIT
        assert sent[1]["content"] == f"m{61 - service.HISTORY_LIMIT}"
        assert sent[-1] == {"role": "user", "content": "latest"}
        async with db() as session:
            texts = await session.scalars(
                select(ConversationMessage.text)
                .where(ConversationMessage.conversation_id == started.id)
                .order_by(ConversationMessage.id.desc())
                .limit(2)
            )
            assert list(texts) == [exchange.answer.text, "latest"]

    async def test_not_configured_stores_nothing(self, db: Sessionmaker) -> None:
        user_id = await new_user(db, "quiet")
        with pytest.raises(AiNotConfiguredError):
            await service.send_message(db, None, operator(user_id), "hello")
        async with db() as session:
            assert await service.list_conversations(session, user_id, 10, 0) == []


class TestGetConversation:
    async def test_owner_reader_and_stranger(self, db: Sessionmaker) -> None:
        owner, stranger = await new_user(db, "owner"), await new_user(db, "other")
        async with unit_of_work(db) as session:
            started = await service.start_conversation(session, owner)
        async with db() as session:
            found = await service.get_conversation(
                session, service.Reader(owner), started.id
            )
            assert found.id == started.id
            admin = service.Reader(stranger, reads_all=True)
            assert (await service.get_conversation(session, admin, started.id)).id
            with pytest.raises(ConversationNotFoundError):
                await service.get_conversation(
                    session, service.Reader(stranger), started.id
                )

    @pytest.mark.parametrize(
        "raw", ["conv-", "conv-x", "msg-1", "-1", "9" * 19, "\u0661\u0662"]
    )
    def test_parse_id_rejects(self, raw: str) -> None:
        with pytest.raises(ConversationNotFoundError):
            service.parse_id(raw)

    def test_parse_id(self) -> None:
        assert (service.parse_id("conv-12"), service.parse_id("12")) == (12, 12)


LIST = """{ conversations { totalCount edges { node { id
  messages { edges { node { id text } } } } } } }"""


class TestConversationsQueryCount:
    async def test_statements_do_not_grow_with_conversations(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("lister", roles=("operator",))
        async with db() as session:
            user = await users_repository.user_by_name(session, "lister")
        assert user is not None
        await app.gql(LIST, token=token)  # first use of the session: one-off reads
        counts = []
        for batch in (2, 6):
            async with unit_of_work(db) as session:
                for _ in range(batch):
                    c = await service.start_conversation(session, user.id)
                    question = ConversationMessage(is_user=True, text="q")
                    question.conversation_id = c.id
                    session.add(question)
            with count_statements() as statements:
                body = await app.gql(LIST, token=token)
            assert "errors" not in body
            counts.append(len(statements))
        # the caller (user, session and roles: one query), the count, the page,
        # one batch of messages
        assert counts == [4, 4]
