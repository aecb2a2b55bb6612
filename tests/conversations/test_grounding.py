"""The assistant reads the platform through tool calls (OpenAI `tools` wire format).

The model is `llm_server.py` on 127.0.0.1, scripted per test: it asks for a
tool when it has no tool result yet, then answers from what the tool returned.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.alerts import service as alerts_service
from app.ansible.models import AnsibleJob, AnsibleJobPlaybook
from app.conversations import tools
from app.db import Sessionmaker, unit_of_work
from tests.conftest import RunningApp, pg_settings, serve
from tests.conversations.conftest import API_KEY, MODEL
from tests.conversations.llm_server import LLMServer, call_tool, say
from tests.conversations.test_rest import add_context_objects, ask

H = dict[str, str]
FAILING = 'fatal: [web2]: FAILED! => {"msg": "nginx: [emerg] unknown directive servr"}'
PLANTED = ("inv-secret-pw", "become-planted-pw", "Bearer tok-planted-123")


async def _failed_job(db: Sessionmaker) -> None:
    output = "\n".join(
        [
            "PLAY [deploy] ****",
            "TASK [install] ok: [web1]",
            FAILING,
            f"fatal: [web3]: ansible_become_pass={PLANTED[1]} "
            f"Authorization: {PLANTED[2]}",
            "web2 : ok=1 changed=0 unreachable=0 failed=1",
        ]
    )
    async with unit_of_work(db) as session:
        job = AnsibleJob(id="job-night-1", status="failed", error="1 host failed")
        session.add(job)
        await session.flush()
        session.add(
            AnsibleJobPlaybook(
                job_id=job.id,
                position=0,
                name="deploy-web",
                rendered="",
                status="failed",
                output=output,
            )
        )


def _tool_results(messages: list[dict[str, Any]]) -> list[Any]:
    return [json.loads(m["content"]) for m in messages if m["role"] == "tool"]


def detective(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
    """Reads jobs, then inventories, then answers with the failing line it saw."""
    results = _tool_results(messages)
    if len(results) == 0:
        return call_tool("recent_ansible_jobs", {})
    if len(results) == 1:
        return call_tool("list_inventories", {}, "call_2")
    line = results[0][0]["playbooks"][0]["failing_lines"][0]
    return say(f"web2 failed last night: {line}")


class TestGrounding:
    async def test_a_failed_job_is_answered_from_its_failing_line(
        self, ai_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        await add_context_objects(ai_app, operator)
        await _failed_job(db)
        llm.model = detective
        response = await ask(
            ai_app, operator, "why did last night's deploy fail on web2?"
        )
        assert response.status_code == 200, response.text
        answer = response.json()["data"]["ai_response"]["text"]
        assert answer == f"web2 failed last night: {FAILING}"
        first = llm.requests[0]["body"]
        names = {t["function"]["name"] for t in first["tools"]}
        assert {"recent_ansible_jobs", "list_inventories", "open_alerts"} <= names
        second = llm.requests[1]["body"]["messages"]
        assert second[-2]["tool_calls"][0]["function"]["name"] == "recent_ansible_jobs"
        assert second[-1]["tool_call_id"] == "call_1"
        inventories = _tool_results(llm.requests[2]["body"]["messages"])[1]
        assert inventories[0]["hosts"] == ["web1"]

    async def test_secrets_never_reach_the_provider(
        self, ai_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        await add_context_objects(ai_app, operator)
        await _failed_job(db)
        llm.model = detective
        await ask(ai_app, operator, "what failed?")
        await ask(ai_app, operator, f"is ansible_ssh_pass={PLANTED[0]} right?")
        sent = json.dumps([r["body"] for r in llm.requests])
        assert len(llm.requests) == 6
        assert [p for p in PLANTED if p in sent] == []
        assert API_KEY not in sent
        assert "ansible_become_pass=********" in sent

    async def test_a_tool_not_offered_is_refused(
        self, ai_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        await _failed_job(db)
        llm.model = lambda messages, tools: (
            call_tool("read_everything", {})
            if not _tool_results(messages)
            else say(messages[-1]["content"])
        )
        response = await ask(ai_app, operator, "show me all")
        text = response.json()["data"]["ai_response"]["text"]
        assert json.loads(text) == {
            "error": "no tool named 'read_everything' is available"
        }


@pytest.fixture
async def tight_app(
    db: Sessionmaker, pg_url: str, llm: LLMServer
) -> AsyncIterator[RunningApp]:
    """At most 2 tool rounds and 120 bytes of tool output per reply."""
    settings = pg_settings(
        pg_url,
        ai_base_url=llm.base_url,
        ai_api_key=API_KEY,
        ai_model=MODEL,
        ai_max_tool_rounds=2,
        ai_max_tool_bytes=120,
    )
    async with serve(settings) as running:
        yield running


class TestBounds:
    async def test_tool_rounds_and_output_bytes_are_capped(
        self, tight_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        await _failed_job(db)
        llm.model = lambda messages, tools: (
            call_tool("recent_ansible_jobs", {}) if tools else say("giving up")
        )
        response = await ask(tight_app, operator, "loop forever")
        assert response.json()["data"]["ai_response"]["text"] == "giving up"
        assert ["tools" in r["body"] for r in llm.requests] == [True, True, False]
        last = llm.requests[-1]["body"]["messages"]
        outputs = [m["content"] for m in last if m["role"] == "tool"]
        assert len(outputs[0].encode()) > 100
        assert outputs[0].endswith("reply reached]")
        assert outputs[1].startswith("…[truncated")


class TestEveryTool:
    async def test_one_turn_may_call_every_tool(
        self, ai_app: RunningApp, llm: LLMServer, db: Sessionmaker, operator: H
    ) -> None:
        await add_context_objects(ai_app, operator)
        await _failed_job(db)
        async with unit_of_work(db) as session:
            await alerts_service.raise_alert(
                session, key="disk", title="Disk full on web2", severity="critical"
            )
        names = sorted(tools.TOOLS)

        def model(messages: list[dict[str, Any]], offered: list[Any]) -> Any:
            results = _tool_results(messages)
            if results:
                return say(json.dumps(dict(zip(names, results, strict=True))))
            calls = [
                call_tool(n, {}, f"c{i}")["tool_calls"][0] for i, n in enumerate(names)
            ]
            return {"role": "assistant", "content": None, "tool_calls": calls}

        llm.model = model
        response = await ask(ai_app, operator, "status report")
        seen = json.loads(response.json()["data"]["ai_response"]["text"])
        assert seen["open_alerts"][0]["title"] == "Disk full on web2"
        assert seen["list_playbooks"][0]["name"] == "Deploy Nginx"
        assert seen["device_health"][0]["address"] == "127.0.0.1"
        assert seen["recent_ansible_jobs"][0]["status"] == "failed"
        assert seen["recent_executions"] == []
