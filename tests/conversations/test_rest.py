"""Ansible Hub /api/ai/* against a local OpenAI-compatible server on 127.0.0.1.

No real LLM runs in tests: `llm_server.py` starts an OpenAI-compatible
chat-completions server on loopback, records what the provider client sends
(model, history, Authorization header) and answers as each test tells it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.conftest import RunningApp
from tests.conversations.conftest import API_KEY, MODEL
from tests.conversations.llm_server import LLMServer

H = dict[str, str]


async def ask(app: RunningApp, h: H, message: Any, **context: Any) -> Any:
    body: dict[str, Any] = {"message": message}
    if context:
        body["context"] = context
    return await app.http.post("/api/ai/messages", json=body, headers=h)


async def history(app: RunningApp, h: H, conversation_id: str) -> Any:
    return await app.http.get(f"/api/ai/conversations/{conversation_id}", headers=h)


def error(response: Any) -> tuple[int, bool, str]:
    body = response.json()
    return response.status_code, body["success"], body["error"]["code"]


def assert_message(shape: dict[str, Any], text: str, *, is_user: bool) -> None:
    assert set(shape) == {"id", "text", "time", "is_user", "created_at"}
    assert re.fullmatch(r"msg-\d+", shape["id"])
    assert (shape["text"], shape["is_user"]) == (text, is_user)
    assert re.fullmatch(r"(1[0-2]|[1-9]):[0-5]\d (am|pm)", shape["time"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shape["created_at"])


async def add_context_objects(app: RunningApp, h: H) -> int:
    """An inventory and a playbook whose names the system prompt should list."""
    inventory = await app.http.post(
        "/api/inventories",
        json={
            "name": "web-tier",
            "group": "frontend",
            "config": "web1 ansible_ssh_host=127.0.0.1 ansible_ssh_pass=inv-secret-pw",
        },
        headers=h,
    )
    assert inventory.status_code == 201, inventory.text
    playbook = await app.http.post(
        "/api/playbooks",
        json={
            "name": "Deploy Nginx",
            "type": "Machine",
            "main": {"hosts": "all", "gather_facts": False},
            "tasks": [],
        },
        headers=h,
    )
    assert playbook.status_code == 201, playbook.text
    return int(inventory.json()["data"]["id"])


class TestSendMessage:
    async def test_first_message_starts_a_conversation(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        inventory_id = await add_context_objects(ai_app, operator)
        llm.reply = "Install nginx with the apt module."
        response = await ask(
            ai_app, operator, "如何部署 Nginx?", inventory_id=inventory_id
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["success"], body["message"]) == (True, "操作成功")
        data = body["data"]
        assert set(data) == {
            "conversation_id",
            "user_message",
            "ai_response",
            "quick_replies",
            "suggested_actions",
        }
        assert re.fullmatch(r"conv-\d+", data["conversation_id"])
        assert_message(data["user_message"], "如何部署 Nginx?", is_user=True)
        assert_message(
            data["ai_response"], "Install nginx with the apt module.", is_user=False
        )
        assert (data["quick_replies"], data["suggested_actions"]) == ([], [])

        [sent] = llm.requests
        assert sent["headers"]["authorization"] == f"Bearer {API_KEY}"
        assert sent["body"]["model"] == MODEL
        system, question = sent["body"]["messages"]
        assert question == {"role": "user", "content": "如何部署 Nginx?"}
        assert system["role"] == "system"
        assert "Deploy Nginx" in system["content"]
        assert "web-tier (group frontend)" in system["content"]
        assert "about the inventory web-tier" in system["content"]
        assert "inv-secret-pw" not in system["content"]

    async def test_follow_up_sends_the_history(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        llm.reply = "First answer."
        first = (await ask(ai_app, operator, "first question")).json()["data"]
        conversation_id = first["conversation_id"]
        llm.reply = "Second answer."
        second = await ask(
            ai_app, operator, "second question", conversation_id=conversation_id
        )
        assert second.status_code == 200, second.text
        assert second.json()["data"]["conversation_id"] == conversation_id

        assert llm.requests[1]["body"]["messages"][1:] == [
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "First answer."},
            {"role": "user", "content": "second question"},
        ]
        stored = await history(ai_app, operator, conversation_id)
        assert stored.status_code == 200, stored.text
        data = stored.json()["data"]
        assert data["conversation_id"] == conversation_id
        assert [(m["text"], m["is_user"]) for m in data["messages"]] == [
            ("first question", True),
            ("First answer.", False),
            ("second question", True),
            ("Second answer.", False),
        ]
        assert data["messages"][0] == first["user_message"]
        assert data["created_at"] <= data["updated_at"]

    async def test_no_provider_configured(self, app: RunningApp, operator: H) -> None:
        response = await ask(app, operator, "hello")
        assert error(response) == (503, False, "AI_SERVICE_UNAVAILABLE")
        assert "OPSGRAPH_AI_BASE_URL" in response.json()["error"]["message"]
        listed = await app.gql(
            "{ conversations { totalCount edges { node { id } } } }",
            token=operator["Authorization"].removeprefix("Bearer "),
        )
        assert listed["data"]["conversations"] == {"totalCount": 0, "edges": []}

    async def test_provider_error_keeps_the_question(
        self,
        ai_app: RunningApp,
        llm: LLMServer,
        operator: H,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        llm.status = 401
        llm.error_body = f"Incorrect API key provided: {API_KEY}"
        response = await ask(ai_app, operator, "are you there?")
        assert error(response) == (502, False, "AI_SERVICE_UNAVAILABLE")
        message = response.json()["error"]["message"]
        assert "HTTP 401" in message
        assert API_KEY not in response.text
        assert API_KEY not in caplog.text
        kept = re.search(r"conv-\d+", message)
        assert kept is not None
        stored = (await history(ai_app, operator, kept.group())).json()["data"]
        assert [(m["text"], m["is_user"]) for m in stored["messages"]] == [
            ("are you there?", True)
        ]

    async def test_provider_timeout(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        llm.delay = 3.0
        response = await ask(ai_app, operator, "slow question")
        assert error(response) == (504, False, "AI_SERVICE_UNAVAILABLE")
        assert API_KEY not in response.text
        kept = re.search(r"conv-\d+", response.json()["error"]["message"])
        assert kept is not None
        stored = (await history(ai_app, operator, kept.group())).json()["data"]
        assert [m["text"] for m in stored["messages"]] == ["slow question"]

    @pytest.mark.parametrize(
        "body",
        [{}, {"message": ""}, {"message": "   "}, {"message": 42}, {"context": {}}],
    )
    async def test_invalid_message(
        self, ai_app: RunningApp, llm: LLMServer, operator: H, body: Any
    ) -> None:
        response = await ai_app.http.post(
            "/api/ai/messages", json=body, headers=operator
        )
        assert error(response) == (422, False, "INVALID_MESSAGE_FORMAT")
        assert llm.requests == []

    async def test_unknown_conversation(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        for unknown in ("conv-999999", "nonsense"):
            response = await ask(ai_app, operator, "hi", conversation_id=unknown)
            assert error(response) == (404, False, "CONVERSATION_NOT_FOUND")
        assert llm.requests == []

    async def test_unknown_inventory(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        response = await ask(ai_app, operator, "hi", inventory_id=999999)
        assert error(response) == (404, False, "INVENTORY_NOT_FOUND")
        assert llm.requests == []


class TestStartConversation:
    async def test_start(self, ai_app: RunningApp, operator: H) -> None:
        response = await ai_app.http.post(
            "/api/ai/conversations", json={"title": "部署 Nginx 諮詢"}, headers=operator
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["success"], body["message"]) == (True, "新對話已創建")
        data = body["data"]
        assert re.fullmatch(r"conv-\d+", data["conversation_id"])
        assert (data["title"], data["messages"]) == ("部署 Nginx 諮詢", [])
        fetched = await history(ai_app, operator, data["conversation_id"])
        assert fetched.json()["data"] == data

    async def test_messages_go_to_the_started_conversation(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        inventory_id = await add_context_objects(ai_app, operator)
        started = await ai_app.http.post(
            "/api/ai/conversations",
            json={"title": "t", "context": {"inventory_id": inventory_id}},
            headers=operator,
        )
        conversation_id = started.json()["data"]["conversation_id"]
        response = await ask(ai_app, operator, "go", conversation_id=conversation_id)
        assert response.json()["data"]["conversation_id"] == conversation_id
        system = llm.requests[0]["body"]["messages"][0]["content"]
        assert "about the inventory web-tier" in system

    async def test_unknown_inventory(self, ai_app: RunningApp, operator: H) -> None:
        response = await ai_app.http.post(
            "/api/ai/conversations",
            json={"context": {"inventory_id": 999999}},
            headers=operator,
        )
        assert error(response) == (404, False, "INVENTORY_NOT_FOUND")


class TestOwnership:
    async def test_only_the_owner_and_admins_read_a_conversation(
        self,
        ai_app: RunningApp,
        operator: H,
        other_operator: H,
        admin: H,
        viewer: H,
    ) -> None:
        started = await ai_app.http.post(
            "/api/ai/conversations", json={"title": "mine"}, headers=operator
        )
        conversation_id = started.json()["data"]["conversation_id"]
        for stranger in (other_operator, viewer):
            refused = await history(ai_app, stranger, conversation_id)
            assert error(refused) == (404, False, "CONVERSATION_NOT_FOUND")
        seen = await history(ai_app, admin, conversation_id)
        assert seen.status_code == 200
        assert seen.json()["data"]["title"] == "mine"

    async def test_nobody_else_writes_into_a_conversation(
        self, ai_app: RunningApp, llm: LLMServer, operator: H, admin: H
    ) -> None:
        started = await ai_app.http.post(
            "/api/ai/conversations", json={}, headers=operator
        )
        conversation_id = started.json()["data"]["conversation_id"]
        response = await ask(ai_app, admin, "hijack", conversation_id=conversation_id)
        assert error(response) == (404, False, "CONVERSATION_NOT_FOUND")
        assert llm.requests == []

    async def test_viewer_cannot_chat(self, ai_app: RunningApp, viewer: H) -> None:
        assert (await ask(ai_app, viewer, "hi")).status_code == 403
        started = await ai_app.http.post("/api/ai/conversations", headers=viewer)
        assert started.status_code == 403
