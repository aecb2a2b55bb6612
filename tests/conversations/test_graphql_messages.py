"""A conversation's messages are a connection, oldest first, paged both ways
from the messages loader: a page of conversations costs the same statements
whatever its size."""

from __future__ import annotations

from app.conversations import service
from app.conversations.graphql.types import Conversation
from app.conversations.models import ConversationMessage as MessageRow
from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.users import repository as users_repository
from tests.conftest import RunningApp, TokenFactory
from tests.connections import PAGE, assert_constant_statements, walk

MESSAGES_OF = f"""query($id: ID!, $first: Int, $after: String, $last: Int,
  $before: String) {{ node(id: $id) {{ ... on Conversation {{
  messages(first: $first, after: $after, last: $last, before: $before) {{
  {PAGE} edges {{ cursor node {{ id text }} }} }} }} }} }}"""
CONVERSATIONS = f"""query($first: Int) {{ conversations(first: $first) {{ {PAGE}
  edges {{ node {{ id messages(last: 1) {{ totalCount edges {{ node {{ text }} }} }}
  }} }} }} }}"""


async def converse(db: Sessionmaker, username: str, count: int, said: int) -> list[str]:
    """`count` conversations of `username`, each of `said` messages; their keys."""
    async with db() as session:
        user = await users_repository.user_by_name(session, username)
    assert user is not None
    keys = []
    async with unit_of_work(db) as session:
        for _ in range(count):
            c = await service.start_conversation(session, user.id)
            for n in range(said):
                row = MessageRow(is_user=n % 2 == 0, text=f"m{n}")
                row.conversation_id = c.id
                session.add(row)
            keys.append(c.public_id)
    return keys


class TestConversationMessages:
    async def test_pages_forward_and_backward_oldest_first(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("talker", roles=("operator",))
        [key] = await converse(db, "talker", 1, 8)
        variables = {"id": global_id(Conversation, key)}
        found = await walk(app, token, MESSAGES_OF, "node.messages", 3, variables)
        assert len(found) == 8
        body = await app.gql(MESSAGES_OF, {**variables, "first": 8}, token)
        edges = body["data"]["node"]["messages"]["edges"]
        assert [e["node"]["text"] for e in edges] == [f"m{n}" for n in range(8)]
        assert found == [e["node"]["id"] for e in edges]

    async def test_statements_do_not_grow_with_conversations(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("lister", roles=("operator",))
        have = [0]

        async def grow(n: int) -> None:
            await converse(db, "lister", n - have[0], 3)
            have[0] = max(have[0], n)

        await assert_constant_statements(
            app, token, CONVERSATIONS, "conversations", grow
        )
        body = await app.gql(CONVERSATIONS, {"first": 1}, token)
        messages = body["data"]["conversations"]["edges"][0]["node"]["messages"]
        assert messages == {"totalCount": 3, "edges": [{"node": {"text": "m2"}}]}
