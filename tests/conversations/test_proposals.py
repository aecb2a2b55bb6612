"""Quick replies and suggested actions from the model's `propose` tool call, and
applying an action with the caller's permissions (GraphQL applySuggestedAction).

The model is `llm_server.py` on 127.0.0.1: it calls `propose` once, then answers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app import auth
from app.ansible.models import AnsibleJob
from app.db import Sessionmaker, unit_of_work
from app.graphql.nodes import global_id
from app.inventories.graphql.schema import Inventory
from app.users import service as users_service
from tests.conftest import RunningApp, TokenFactory, free_port
from tests.conversations.llm_server import LLMServer, call_tool, say
from tests.conversations.test_rest import ask

H = dict[str, str]
NGINX = {
    "name": "Deploy Nginx",
    "type": "Machine",
    "main": {"hosts": "web", "become": True},
    "tasks": ["name: install nginx\napt:\n  name: nginx\n  state: present"],
}
BROKEN = {**NGINX, "name": "Broken", "tasks": ["name: x\n  apt: [unclosed"]}
SEND = """mutation($m: String!) { sendMessage(message: $m) {
  ... on SendMessageSuccess { aiResponse { id quickReplies
    suggestedActions { type label data } } } } }"""
APPLY = """mutation($id: ID!, $i: Int!) { applySuggestedAction(messageId: $id,
  index: $i) { __typename ... on Error { message }
  ... on AnsiblePlaybookSuccess { playbook { number name } }
  ... on AnsibleJobSuccess { job { key status } }
  ... on SshTestSuccess { results { inventoryId status } } } }"""


def proposer(*actions: dict[str, Any], replies: tuple[str, ...] = ()) -> Any:
    """A model that proposes `actions` once, then answers."""

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        if any(m["role"] == "tool" for m in messages):
            return say("Here is what I can do.")
        arguments = {"quick_replies": list(replies), "suggested_actions": list(actions)}
        return call_tool("propose", arguments)

    return model


def action(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "label": f"do {kind}", "data": data}


async def gql(app: RunningApp, h: H, query: str, **variables: Any) -> Any:
    response = await app.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=h
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def inventory(app: RunningApp, h: H) -> int:
    """An inventory whose one host refuses SSH at once (a free loopback port)."""
    config = f"web9 ansible_ssh_host=127.0.0.1 ansible_port={free_port()}"
    created = await app.http.post(
        "/api/inventories",
        json={"name": "web", "group": "g", "config": config},
        headers=h,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["data"]["id"])


class TestPropose:
    async def test_a_valid_playbook_is_offered_and_a_broken_one_is_not(
        self, ai_app: RunningApp, llm: LLMServer, operator: H
    ) -> None:
        llm.model = proposer(
            action("create_playbook", BROKEN),
            action("create_playbook", NGINX),
            replies=("Yes", "No"),
        )
        response = await ask(ai_app, operator, "如何部署 Nginx?")
        data = response.json()["data"]
        assert data["quick_replies"] == ["Yes", "No"]
        assert data["suggested_actions"] == [
            {"type": "create_playbook", "label": "do create_playbook", "data": NGINX}
        ]
        told = llm.requests[1]["body"]["messages"][-1]["content"]
        assert '"offered_actions": 1' in told
        assert "action 0 (create_playbook): Task 1" in told
        assert "propose" in {
            t["function"]["name"] for t in llm.requests[0]["body"]["tools"]
        }


class TestApply:
    async def test_apply_creates_the_playbook_then_runs_it(
        self, ai_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        inventory_id = await inventory(ai_app, operator)
        llm.model = proposer(action("create_playbook", NGINX))
        offered = (await gql(ai_app, operator, SEND, m="nginx?"))["sendMessage"]
        message_id = offered["aiResponse"]["id"]
        created = (await gql(ai_app, operator, APPLY, id=message_id, i=0))[
            "applySuggestedAction"
        ]
        assert created["__typename"] == "AnsiblePlaybookSuccess"
        run = {
            "playbook_ids": [created["playbook"]["number"]],
            "inventory_id": inventory_id,
        }
        llm.model = proposer(
            action("run_playbook", run),
            action("ssh_test", {"inventory_ids": [inventory_id]}),
        )
        offered = (await gql(ai_app, operator, SEND, m="run it"))["sendMessage"]
        message_id = offered["aiResponse"]["id"]
        async with db() as session:  # proposing started nothing
            assert await session.scalar(select(func.count(AnsibleJob.id))) == 0
        started = (await gql(ai_app, operator, APPLY, id=message_id, i=0))[
            "applySuggestedAction"
        ]
        assert started["__typename"] == "AnsibleJobSuccess"
        job = await ai_app.http.get(
            f"/api/playbooks/jobs/{started['job']['key']}", headers=operator
        )
        assert job.json()["data"]["playbooks"][0]["name"] == "Deploy Nginx"
        tested = (await gql(ai_app, operator, APPLY, id=message_id, i=1))[
            "applySuggestedAction"
        ]
        assert tested == {
            "__typename": "SshTestSuccess",
            "results": [
                {
                    "inventoryId": global_id(Inventory, inventory_id),
                    "status": "Unconnected",
                }
            ],
        }

    async def test_only_the_asker_with_the_permission_applies(
        self,
        ai_app: RunningApp,
        llm: LLMServer,
        db: Sessionmaker,
        operator: H,
        other_operator: H,
        make_user: TokenFactory,
    ) -> None:
        llm.model = proposer(action("create_playbook", NGINX))
        async with unit_of_work(db) as session:
            await users_service.ensure_builtin_roles(session)
            await users_service.create_role(
                session,
                auth.Principal(0, "setup", ("admin",), frozenset({"*"})),
                "chatter",
                "talks only",
                ["conversations.message.create"],
                None,
            )
        chatter = {"Authorization": f"Bearer {await make_user('cc', ('chatter',))}"}
        mine = (await gql(ai_app, chatter, SEND, m="nginx?"))["sendMessage"]
        theirs = (await gql(ai_app, operator, SEND, m="nginx?"))["sendMessage"]
        results = [
            (await gql(ai_app, h, APPLY, id=m["aiResponse"]["id"], i=i))[
                "applySuggestedAction"
            ]["__typename"]
            for h, m, i in (
                (chatter, mine, 0),
                (other_operator, theirs, 0),
                (operator, theirs, 3),
            )
        ]
        assert results == [
            "SuggestedActionNotPermitted",
            "SuggestedActionNotFound",
            "SuggestedActionNotFound",
        ]
