"""Command nodes run through the executions engine against a real asyncssh server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import Sessionmaker
from app.executions import engine
from app.executions.models import PENDING, Execution
from app.settings import Settings
from app.workflows import service
from tests.executions.conftest import DeviceFactory, keyed_vault, real_device
from tests.sshd import SSHServer, asyncssh_server
from tests.workflows.test_engine import e, n, run_actor, start, statuses

__all__ = ["keyed_vault", "real_device"]  # fixtures shared with the executions tests


@pytest.fixture
async def ssh() -> AsyncIterator[SSHServer]:
    """One asyncssh server on loopback."""
    async with asyncssh_server() as server:
        yield server


async def _drain(db: Sessionmaker, settings: Settings) -> None:
    """Stand in for the executions worker: run every pending execution."""
    while True:
        async with db() as session:
            pending = await session.scalars(
                select(Execution.uuid).where(Execution.status == PENDING)
            )
            uuids = list(pending)
        for uuid in uuids:
            await engine.run(db, uuid, settings)
        await asyncio.sleep(0.1)


async def run_with_worker(db: Sessionmaker, settings: Settings, run_id: str) -> None:
    """Run the workflow while an executions worker drains the queue."""
    worker = asyncio.create_task(_drain(db, settings))
    try:
        await asyncio.wait_for(run_actor(settings, run_id), 60)
    finally:
        worker.cancel()


def diamond(command: str) -> dict[str, Any]:
    """run (command) -> ok (success) | recover (failure) -> report."""
    return {
        "name": "command diamond",
        "variables": {"team": "netops", "path": "unset"},
        "nodes": [
            n("start", "trigger:manual"),
            n(
                "run",
                "command",
                device_ids="{{ trigger.device_ids }}",
                command=command,
                timeout=20,
            ),
            n("ok", "set_variable", name="path", value="ok"),
            n(
                "recover",
                "set_variable",
                name="path",
                value="failed-{{ nodes.run.output.hosts[0].exit_code }}",
            ),
            n("report", "set_variable", name="done", value="{{ vars.path }}"),
        ],
        "edges": [
            e("start", "run"),
            e("run", "ok", "success"),
            e("run", "recover", "failure"),
            e("ok", "report"),
            e("recover", "report"),
        ],
    }


async def node_output(db: Sessionmaker, wf_id: str, run_id: str, node: str) -> Any:
    async with db() as session:
        execution, results = await service.get_execution(session, wf_id, run_id)
    found = next(r for r in results if r.node_id == node)
    return execution, found


class TestCommandNode:
    async def test_success_branch_runs_templated_command(
        self,
        db: Sessionmaker,
        settings: Settings,
        ssh: SSHServer,
        real_device: DeviceFactory,
    ) -> None:
        device = await real_device(ssh, "edge-1")
        wf_id, run_id = await start(
            db, diamond("echo hello-{{ vars.team }}"), {"device_ids": [device.id]}
        )
        await run_with_worker(db, settings, run_id)
        assert await statuses(db, wf_id, run_id) == {
            "start": "success",
            "run": "success",
            "ok": "success",
            "recover": "skipped",
            "report": "success",
        }
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert execution.status == "success"
        assert execution.variables["done"] == "ok"
        assert run.output["status"] == "completed"
        [host] = run.output["hosts"]
        assert (host["device_id"], host["exit_code"]) == (device.id, 0)
        assert host["stdout"].strip() == "hello-netops"
        async with db() as session:
            found = await session.scalar(
                select(Execution).where(Execution.uuid == run.output["execution_id"])
            )
        assert found is not None
        assert found.steps[0]["action"] == "echo hello-netops"

    async def test_failing_command_takes_the_failure_branch(
        self,
        db: Sessionmaker,
        settings: Settings,
        ssh: SSHServer,
        real_device: DeviceFactory,
    ) -> None:
        device = await real_device(ssh, "edge-2")
        wf_id, run_id = await start(
            db, diamond("echo boom >&2; exit 3"), {"device_ids": [device.id]}
        )
        await run_with_worker(db, settings, run_id)
        result = await statuses(db, wf_id, run_id)
        assert (result["run"], result["ok"], result["recover"]) == (
            "failed",
            "skipped",
            "success",
        )
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert execution.status == "success"
        assert execution.variables["done"] == "failed-3"
        assert run.output["status"] == "failed"
        assert run.output["hosts"][0]["stderr"].strip() == "boom"
        assert run.error == f"execution {run.output['execution_id']} failed"

    async def test_unknown_device_fails_the_node(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        wf_id, run_id = await start(db, diamond("true"), {"device_ids": [987654]})
        await run_with_worker(db, settings, run_id)
        _, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, run.output) == ("failed", {})
        assert "987654" in (run.error or "")
        assert (await statuses(db, wf_id, run_id))["ok"] == "skipped"

    async def test_test_mode_submits_nothing(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        wf_id, run_id = await start(
            db, diamond("echo {{ vars.team }}"), {"device_ids": [5]}, test_mode=True
        )
        await run_with_worker(db, settings, run_id)
        _, run = await node_output(db, wf_id, run_id, "run")
        assert run.output == {
            "dry_run": True,
            "would_run": {
                "type": "command",
                "device_ids": [5],
                "group_id": None,
                "command": "echo netops",
                "timeout": 20,
            },
        }
        async with db() as session:
            assert await session.scalar(select(func.count(Execution.id))) == 0

    async def test_workflow_timeout_cancels_the_execution(
        self,
        db: Sessionmaker,
        settings: Settings,
        ssh: SSHServer,
        real_device: DeviceFactory,
    ) -> None:
        device = await real_device(ssh, "edge-3")
        fields = {**diamond("sleep 8"), "settings": {"timeout_seconds": 2}}
        wf_id, run_id = await start(db, fields, {"device_ids": [device.id]})
        await run_with_worker(db, settings, run_id)
        await asyncio.sleep(0.5)
        async with db() as session:
            execution, _ = await service.get_execution(session, wf_id, run_id)
            [ran] = await session.scalars(select(Execution))
        assert (execution.status, execution.error) == ("failed", "timed out after 2 s")
        assert ran.status == "cancelled"
