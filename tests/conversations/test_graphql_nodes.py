"""Conversations and messages as Nodes: own rows only, a paged list, global ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.conversations import service
from app.conversations.graphql.types import Conversation, ConversationMessage
from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.inventories.graphql.schema import Inventory
from app.users.models import User
from tests.conftest import RunningApp
from tests.connections import assert_constant_statements, walk
from tests.conversations.llm_server import LLMServer

H = dict[str, str]
LIST = """query($first: Int, $after: String, $last: Int, $before: String,
  $direction: OrderDirection) {
  conversations(first: $first, after: $after, last: $last, before: $before,
                direction: $direction) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id key title messages { edges { node { id } } } } } } }"""
ONE = "query($id: ID!) { conversation(id: $id) { id key title } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
SEND = """mutation($m: String!) { sendMessage(message: $m) {
  ... on SendMessageSuccess { conversation { id } aiResponse { id key } } } }"""
APPLY = """mutation($id: ID!) { applySuggestedAction(messageId: $id, index: 0) {
  __typename ... on Error { code field } } }"""


def token(h: H) -> str:
    return h["Authorization"].removeprefix("Bearer ")


async def user_id(db: Sessionmaker, username: str) -> int:
    async with db() as session:
        found = await session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


async def seed(db: Sessionmaker, owner: int, count: int, start: int = 0) -> list[str]:
    """`count` conversations of `owner` through the service; their `conv-N` keys."""
    async with unit_of_work(db) as session:
        return [
            (await service.start_conversation(session, owner, f"c{i}")).public_id
            for i in range(start, start + count)
        ]


async def data(app: RunningApp, h: H, query: str, **variables: Any) -> Any:
    body = await app.gql(query, variables, token(h))
    assert "errors" not in body, body
    return body["data"]


class TestConversationList:
    async def test_pages_both_ways_own_only(
        self, app: RunningApp, db: Sessionmaker, operator: H, other_operator: H
    ) -> None:
        mine = await seed(db, await user_id(db, "op-one"), 5)
        await seed(db, await user_id(db, "op-two"), 2)
        ids = await walk(app, token(operator), LIST, "conversations", 2)
        assert sorted(ids) == sorted(global_id(Conversation, k) for k in mine)
        oldest_first = await walk(
            app, token(operator), LIST, "conversations", 3, {"direction": "ASC"}
        )
        assert oldest_first == list(reversed(ids))

    async def test_statements_do_not_grow(
        self, app: RunningApp, db: Sessionmaker, operator: H
    ) -> None:
        owner = await user_id(db, "op-one")
        made: list[str] = []

        async def grow(n: int) -> None:
            made.extend(await seed(db, owner, n - len(made), len(made)))

        # first: 40 keeps the nested message lists under the query cost limit
        await assert_constant_statements(
            app, token(operator), LIST, "conversations", grow, variables={"first": 40}
        )


class TestGetters:
    async def test_own_absent_malformed_other_type_and_others(
        self,
        app: RunningApp,
        db: Sessionmaker,
        operator: H,
        other_operator: H,
        admin: H,
    ) -> None:
        (key,) = await seed(db, await user_id(db, "op-one"), 1)
        gid = global_id(Conversation, key)
        found = await data(app, operator, ONE, id=gid)
        assert found["conversation"] == {"id": gid, "key": key, "title": "c0"}
        for raw in (
            global_id(Conversation, "conv-999999"),
            global_id(Conversation, "nonsense"),
            key,
            global_id(Inventory, key.removeprefix("conv-")),
        ):
            assert (await data(app, operator, ONE, id=raw))["conversation"] is None
        assert (await data(app, other_operator, ONE, id=gid))["conversation"] is None
        assert (await data(app, other_operator, NODE, id=gid))["node"] is None
        assert (await data(app, admin, NODE, id=gid))["node"]["id"] == gid


class TestMessages:
    async def test_message_nodes_and_actions_take_global_ids(
        self, ai_app: RunningApp, llm: LLMServer, operator: H, other_operator: H
    ) -> None:
        llm.reply = "Sure."
        sent = (await data(ai_app, operator, SEND, m="hi"))["sendMessage"]
        answer = sent["aiResponse"]
        assert answer["id"] == global_id(ConversationMessage, answer["key"])
        node = (await data(ai_app, operator, NODE, id=answer["id"]))["node"]
        assert node == {"__typename": "ConversationMessage", "id": answer["id"]}
        hidden = await data(ai_app, other_operator, NODE, id=answer["id"])
        assert hidden["node"] is None
        for raw in (sent["conversation"]["id"], answer["key"]):
            applied = await data(ai_app, operator, APPLY, id=raw)
            assert applied["applySuggestedAction"] == {
                "__typename": "SuggestedActionNotFound",
                "code": "SUGGESTED_ACTION_NOT_FOUND",
                "field": "messageId",
            }
