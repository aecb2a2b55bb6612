"""The assistantReply subscription: the provider streams (`stream: true`,
server-sent chunks from `llm_server.py` on 127.0.0.1), subscribers see the
reply as it comes, resume after a seq, and a provider breaking off mid-answer
leaves a stored partial reply."""

from __future__ import annotations

import asyncio
from typing import Any

from app.conversations.graphql.types import ConversationMessage
from app.graphql.nodes import global_id
from tests.conftest import RunningApp
from tests.conversations.llm_server import LLMServer
from tests.conversations.test_rest import ask
from tests.gqlws import Subscriber, connect

H = dict[str, str]
START = """mutation { startConversation(title: "live") {
  ... on StartConversationSuccess { conversation { id key } } } }"""
REPLY = """subscription($c: ID!, $a: Int!) { assistantReply(conversationId: $c,
  afterSeq: $a) { seq type text messageId partial } }"""
MESSAGES = """query($c: ID!) { conversation(id: $c) {
  messages { edges { node { id text isUser partial } } } } }"""


async def _conversation(app: RunningApp, h: H) -> tuple[str, str]:
    """A new conversation's global id (GraphQL) and `conv-N` key (REST)."""
    response = await app.http.post("/graphql", json={"query": START}, headers=h)
    found = response.json()["data"]["startConversation"]["conversation"]
    return found["id"], found["key"]


async def _until_end(sub: Subscriber) -> list[dict[str, Any]]:
    seen = []
    while True:
        event = (await asyncio.wait_for(sub.next_data(), 10))["assistantReply"]
        seen.append(event)
        if event["type"] != "reply.delta":
            return seen


def _token(h: H) -> str:
    return h["Authorization"].removeprefix("Bearer ")


class TestAssistantReply:
    async def test_the_reply_streams_live_then_resumes_from_storage(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        conversation, key = await _conversation(ai_app, operator)
        llm.reply, llm.pace = "one two three four", 0.1
        async with connect(ai_app.ws_url, _token(operator)) as sub:
            await sub.subscribe(REPLY, {"c": conversation, "a": 0})
            sending = asyncio.create_task(
                ask(ai_app, operator, "count", conversation_id=key)
            )
            first = (await asyncio.wait_for(sub.next_data(), 10))["assistantReply"]
            assert not sending.done()  # seen while the provider is still talking
            rest = await _until_end(sub)
        answer = (await sending).json()["data"]["ai_response"]
        events = [first, *rest]
        assert [e["type"] for e in events] == ["reply.delta"] * 4 + ["reply.completed"]
        assert "".join(e["text"] for e in events[:4]) == "one two three four"
        assert (events[-1]["messageId"], events[-1]["text"]) == (
            global_id(ConversationMessage, answer["id"]),
            "one two three four",
        )
        assert [e["seq"] for e in events] == list(range(1, 6))
        async with connect(ai_app.ws_url, _token(operator)) as sub:
            await sub.subscribe(REPLY, {"c": conversation, "a": 2})
            resumed = await _until_end(sub)
        assert resumed == events[2:]

    async def test_a_provider_breaking_off_leaves_a_partial_reply(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        conversation, key = await _conversation(ai_app, operator)
        llm.reply, llm.break_after = "alpha beta gamma delta", 2
        response = await ask(ai_app, operator, "go", conversation_id=key)
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "AI_SERVICE_UNAVAILABLE"
        found = await ai_app.http.post(
            "/graphql",
            json={"query": MESSAGES, "variables": {"c": conversation}},
            headers=operator,
        )
        edges = found.json()["data"]["conversation"]["messages"]["edges"]
        messages = [e["node"] for e in edges]
        kept = messages[-1]
        assert (kept["text"], kept["isUser"], kept["partial"]) == (
            "alpha beta ",
            False,
            True,
        )
        assert messages[0]["partial"] is False
        async with connect(ai_app.ws_url, _token(operator)) as sub:
            await sub.subscribe(REPLY, {"c": conversation, "a": 0})
            events = await _until_end(sub)
        assert [(e["type"], e["partial"]) for e in events] == [
            ("reply.delta", False),
            ("reply.delta", False),
            ("reply.failed", True),
        ]
        assert events[-1]["messageId"] == kept["id"]
