"""The DAG engine end to end: conditional edges, templates, records and events."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from app import events
from app.db import Sessionmaker, unit_of_work
from app.settings import Settings
from app.workflows import recorder, service
from app.workflows.models import WorkflowExecution
from tests.conftest import free_port
from tests.sshd import asyncssh_server
from tests.workflows.conftest import HttpPeer
from worker import runtime
from worker.actors import workflows as workflow_actors


def n(node_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "data": data}


def e(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{source}>{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
    }


def diamond(probe_port: int) -> dict[str, Any]:
    """probe -> ok (success) | recover (failure) -> report -> check -> yes | no."""
    return {
        "name": "diamond",
        "variables": {"path": "unset", "team": "netops"},
        "nodes": [
            n("start", "trigger:manual"),
            n("probe", "ping", host="127.0.0.1", port=probe_port, timeout=2),
            n("ok", "set_variable", name="path", value="up"),
            n(
                "recover",
                "set_variable",
                name="path",
                value="down-{{ nodes.probe.output.port }}",
            ),
            n(
                "report",
                "http_request",
                method="POST",
                url="http://127.0.0.1:{{ trigger.port }}/report/{{ vars.path }}",
                body={"team": "{{ vars.team }}", "target": "{{ trigger.target }}"},
            ),
            n(
                "check",
                "condition",
                expression="nodes.report.output.status_code == 200",
            ),
            n("yes", "set_variable", name="done", value="{{ vars.path }}!"),
            n("no", "delay", seconds=30),
        ],
        "edges": [
            e("start", "probe"),
            e("probe", "ok", "success"),
            e("probe", "recover", "failure"),
            e("ok", "report"),
            e("recover", "report"),
            e("report", "check", "always"),
            e("check", "yes", "true"),
            e("check", "no", "false"),
        ],
    }


async def start(
    db: Sessionmaker, fields: dict[str, Any], trigger: dict[str, Any], **kw: Any
) -> tuple[str, str]:
    async with unit_of_work(db) as session:
        workflow = await service.create_workflow(
            session, fields, None, may_use_credentials=True
        )
        run = await service.start_run(session, workflow.id, trigger_data=trigger, **kw)
    return workflow.id, run.id


async def statuses(db: Sessionmaker, workflow_id: str, run_id: str) -> dict[str, str]:
    async with db() as session:
        _, results = await service.get_execution(session, workflow_id, run_id)
    return {r.node_id: r.status for r in results}


async def run_actor(settings: Settings, execution_id: str) -> None:
    runtime.configure(settings)
    await workflow_actors.run(execution_id)


class TestDiamond:
    async def test_failure_branch_taken_when_probe_fails(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        wf_id, run_id = await start(
            db, diamond(free_port()), {"port": http_peer.port, "target": "edge-1"}
        )
        await run_actor(settings, run_id)
        assert await statuses(db, wf_id, run_id) == {
            "start": "success",
            "probe": "failed",
            "ok": "skipped",
            "recover": "success",
            "report": "success",
            "check": "success",
            "yes": "success",
            "no": "skipped",
        }
        [request] = http_peer.requests
        assert request["method"] == "POST"
        assert request["target"].startswith("/report/down-")
        assert '"team":"netops"' in request["body"].replace(" ", "")
        assert '"target":"edge-1"' in request["body"].replace(" ", "")
        async with db() as session:
            execution, _ = await service.get_execution(session, wf_id, run_id)
            workflow = await service.get_workflow(session, wf_id)
        assert execution.status == "success"
        assert execution.variables["done"].startswith("down-")
        assert (workflow.last_run_status, workflow.last_run_at) == (
            "success",
            execution.started_at,
        )

    async def test_success_branch_against_a_real_ssh_server(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        async with asyncssh_server() as ssh:
            wf_id, run_id = await start(
                db, diamond(ssh.port), {"port": http_peer.port, "target": "x"}
            )
            await run_actor(settings, run_id)
        result = await statuses(db, wf_id, run_id)
        assert (result["probe"], result["ok"], result["recover"]) == (
            "success",
            "success",
            "skipped",
        )
        assert [r["target"] for r in http_peer.requests] == ["/report/up"]

    async def test_events_streamed_and_domain_event_emitted(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        _wf_id, run_id = await start(
            db, diamond(free_port()), {"port": http_peer.port, "target": "x"}
        )
        await run_actor(settings, run_id)
        stream = await events.history(db, recorder.stream(run_id), 0)
        kinds = [ev.type for ev in stream]
        assert kinds[0] == "execution.started"
        assert kinds[-1] == "execution.completed"
        assert kinds.count("node.completed") == 8
        assert [ev.seq for ev in stream] == list(range(1, len(stream) + 1))
        probe = next(
            ev.data
            for ev in stream
            if ev.type == "node.completed" and ev.data["node_id"] == "probe"
        )
        assert probe["status"] == "failed"
        assert probe["output"]["reachable"] is False
        assert probe["duration_ms"] >= 0
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [(d.type, d.data["execution_id"]) for d in domain] == [
            ("workflow.completed", run_id)
        ]


class TestRunOutcomes:
    async def test_unhandled_failure_fails_the_run(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        http_peer.status = 500
        fields = {
            "name": "fails",
            "nodes": [
                n("go", "trigger:manual"),
                n("call", "http_request", url=f"{http_peer.url}/x"),
                n("after", "set_variable", name="x", value=1),
            ],
            "edges": [e("go", "call"), e("call", "after")],
        }
        wf_id, run_id = await start(db, fields, {})
        await run_actor(settings, run_id)
        assert await statuses(db, wf_id, run_id) == {
            "go": "success",
            "call": "failed",
            "after": "skipped",
        }
        async with db() as session:
            execution, _ = await service.get_execution(session, wf_id, run_id)
        assert execution.status == "failed"
        assert execution.error == "node 'call' failed: unexpected HTTP status 500"
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [d.type for d in domain] == ["workflow.failed"]

    async def test_loopback_refused_unless_allowed(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        fields = {
            "name": "ssrf",
            "nodes": [n("call", "http_request", url=f"{http_peer.url}/x")],
            "edges": [],
        }
        wf_id, run_id = await start(db, fields, {})
        await run_actor(
            settings.model_copy(update={"allow_loopback_urls": False}), run_id
        )
        async with db() as session:
            _execution, [result] = await service.get_execution(session, wf_id, run_id)
        assert result.status == "failed"
        assert result.error == (
            "127.0.0.1: Loopback addresses are not allowed"
            " (OPSGRAPH_ALLOW_LOOPBACK_URLS)"
        )
        assert http_peer.requests == []

    async def test_test_mode_touches_no_host(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        wf_id, run_id = await start(
            db, diamond(free_port()), {"port": http_peer.port}, test_mode=True
        )
        await run_actor(settings, run_id)
        result = await statuses(db, wf_id, run_id)
        assert result["probe"] == result["report"] == "success"
        assert result["no"] == "skipped"
        assert http_peer.requests == []
        async with db() as session:
            workflow = await service.get_workflow(session, wf_id)
        assert workflow.last_run_at is None

    async def test_redelivered_message_does_nothing(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        fields = {"name": "once", "nodes": [n("go", "trigger:manual")], "edges": []}
        _, run_id = await start(db, fields, {})
        await run_actor(settings, run_id)
        await run_actor(settings, run_id)
        stream = await events.history(db, recorder.stream(run_id), 0)
        assert [ev.type for ev in stream].count("execution.started") == 1


class TestEmbeddedWorker:
    async def test_queued_run_is_picked_up_by_the_worker(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        from worker.broker import embedded

        fields = {"name": "queued", "nodes": [n("go", "trigger:manual")], "edges": []}
        async with embedded(settings):
            _, run_id = await start(db, fields, {})
            for _ in range(100):
                async with db() as session:
                    status = await session.scalar(
                        select(WorkflowExecution.status).where(
                            WorkflowExecution.id == run_id
                        )
                    )
                if status == "success":
                    break
                await asyncio.sleep(0.05)
        assert status == "success"


class TestNotifyNode:
    async def test_notify_queues_a_delivery_with_rendered_text(
        self, db: Sessionmaker, settings: Settings, http_peer: HttpPeer
    ) -> None:
        from sqlalchemy import select

        from app.notifications import service as notifications_service
        from app.notifications.models import NotificationDelivery

        async with unit_of_work(db) as session:
            channel = await notifications_service.create_channel(
                session,
                settings,
                notifications_service.ChannelInput(
                    name="hook",
                    channel_type="webhook",
                    config={"url": f"{http_peer.url}/hook"},
                ),
            )
        fields = {
            "name": "tell",
            "nodes": [
                n("go", "trigger:manual"),
                n("tell", "notify", channel_ids=[channel.id],
                  subject="alert", message="{{ trigger.host }} is down"),
            ],
            "edges": [e("go", "tell")],
        }  # fmt: skip
        wf_id, run_id = await start(db, fields, {"host": "edge-9"})
        await run_actor(settings, run_id)
        assert await statuses(db, wf_id, run_id) == {"go": "success", "tell": "success"}
        async with db() as session:
            [delivery] = list(await session.scalars(select(NotificationDelivery)))
        assert (delivery.channel_id, delivery.body) == (channel.id, "edge-9 is down")
        assert delivery.data["workflow_execution_id"] == run_id
