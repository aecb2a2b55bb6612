"""GraphQL sendMessage/startConversation and conversation(s) queries.

The AI provider is a local OpenAI-compatible server on 127.0.0.1 started by
the test (`llm_server.py`); no real LLM is called.
"""

from __future__ import annotations

from typing import Any

from app.conversations.graphql.types import Conversation
from app.graphql.nodes import global_id
from app.inventories.graphql.schema import Inventory
from tests.conftest import RunningApp
from tests.conversations.conftest import API_KEY
from tests.conversations.llm_server import LLMServer

H = dict[str, str]
SEND = """
mutation($m: String!, $c: ID) {
  sendMessage(message: $m, conversationId: $c) {
    __typename
    ... on SendMessageSuccess {
      conversation { id title }
      userMessage { id text isUser }
      aiResponse { id text isUser }
    }
    ... on Error { message }
    ... on AiServiceUnavailable { conversationId }
  }
}
"""
START = """
mutation($t: String, $i: ID) {
  startConversation(title: $t, inventoryId: $i) {
    __typename
    ... on StartConversationSuccess { conversation { id title inventory { id } } }
    ... on Error { message field }
  }
}
"""
ONE = """
query($id: ID!) {
  conversation(id: $id) { id title
    messages { edges { node { text isUser createdAt } } } }
}
"""
LIST = """{ conversations { edges { node { id title
  messages { edges { node { text isUser } } } } } } }"""


def _nodes(connection: dict[str, Any]) -> list[Any]:
    return [e["node"] for e in connection["edges"]]


def token(h: H) -> str:
    return h["Authorization"].removeprefix("Bearer ")


async def gql(app: RunningApp, h: H, query: str, **variables: Any) -> Any:
    body = await app.gql(query, variables, token=token(h))
    assert "errors" not in body, body
    return body["data"]


class TestSendMessage:
    async def test_conversation_and_history(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        llm.reply = "Sure."
        first = (await gql(ai_app, operator, SEND, m="help me"))["sendMessage"]
        assert first["__typename"] == "SendMessageSuccess"
        conversation = first["conversation"]
        assert conversation["title"] == "help me"
        assert (first["userMessage"]["isUser"], first["aiResponse"]) == (
            True,
            {"id": first["aiResponse"]["id"], "text": "Sure.", "isUser": False},
        )
        again = await gql(ai_app, operator, SEND, m="more", c=conversation["id"])
        assert again["sendMessage"]["conversation"]["id"] == conversation["id"]
        assert [m["role"] for m in llm.requests[1]["body"]["messages"]] == [
            "system",
            "user",
            "assistant",
            "user",
        ]
        found = (await gql(ai_app, operator, ONE, id=conversation["id"]))[
            "conversation"
        ]
        assert [(m["text"], m["isUser"]) for m in _nodes(found["messages"])] == [
            ("help me", True),
            ("Sure.", False),
            ("more", True),
            ("Sure.", False),
        ]

    async def test_provider_failure_names_the_kept_conversation(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        llm.status, llm.error_body = 500, f"boom {API_KEY}"
        payload = (await gql(ai_app, operator, SEND, m="q"))["sendMessage"]
        assert payload["__typename"] == "AiServiceUnavailable"
        assert API_KEY not in str(payload)
        found = await gql(ai_app, operator, ONE, id=payload["conversationId"])
        assert [m["text"] for m in _nodes(found["conversation"]["messages"])] == ["q"]

    async def test_not_configured(self, app: RunningApp, operator: H) -> None:
        payload = (await gql(app, operator, SEND, m="q"))["sendMessage"]
        assert payload["__typename"] == "AiServiceUnavailable"
        assert payload["conversationId"] is None

    async def test_unknown_conversation_and_empty_message(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        for raw in ("conv-424242", global_id(Conversation, "conv-424242")):
            unknown = await gql(ai_app, operator, SEND, m="q", c=raw)
            assert unknown["sendMessage"]["__typename"] == "ConversationNotFound"
        empty = await gql(ai_app, operator, SEND, m=" ")
        assert empty["sendMessage"]["__typename"] == "InvalidMessageFormat"
        assert llm.requests == []


class TestConversations:
    async def test_each_user_lists_their_own(
        self, ai_app: RunningApp, operator: H, other_operator: H, admin: H
    ) -> None:
        mine = await gql(ai_app, operator, START, t="mine")
        conversation = mine["startConversation"]["conversation"]
        assert (conversation["title"], conversation["inventory"]) == ("mine", None)
        await gql(ai_app, other_operator, START, t="theirs")
        listed = [
            e["node"]
            for e in (await gql(ai_app, operator, LIST))["conversations"]["edges"]
        ]
        assert [(c["title"], _nodes(c["messages"])) for c in listed] == [("mine", [])]
        assert (await gql(ai_app, other_operator, ONE, id=conversation["id"])) == {
            "conversation": None
        }
        seen = await gql(ai_app, admin, ONE, id=conversation["id"])
        assert seen["conversation"]["title"] == "mine"

    async def test_unknown_inventory(self, ai_app: RunningApp, operator: H) -> None:
        for raw in (global_id(Inventory, 999999), global_id(Conversation, "conv-1")):
            started = (await gql(ai_app, operator, START, i=raw))["startConversation"]
            assert (started["__typename"], started["field"]) == (
                "InventoryNotFound",
                "inventoryId",
            )
