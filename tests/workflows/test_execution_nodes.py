"""Command, script and playbook (OPMAS, Ansible) nodes run over real SSH."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.ansible import job_runs
from app.ansible.models import AnsibleJob
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.executions import engine
from app.executions import service as executions_service
from app.executions.models import PENDING, Execution
from app.playbooks import service as playbooks_service
from app.scripts import service as scripts_service
from app.scripts.service import ScriptInput
from app.settings import Settings
from app.workflows import service
from tests.ansible.helpers import COMMAND_TASK, FAIL_TASK, make_playbook
from tests.ansible.runs import ssh_inventory, store_inventory
from tests.executions.conftest import DeviceFactory, keyed_vault, real_device
from tests.sshd import SSHServer, asyncssh_server, openssh_server
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


async def script_id(db: Sessionmaker, name: str, content: str) -> int:
    async with unit_of_work(db) as session:
        script = await scripts_service.create(
            session, ScriptInput(name=name, content=content)
        )
    return script.id


def one_node(kind: str, **config: Any) -> dict[str, Any]:
    """trigger -> run (kind) -> ok (success) | recover (failure)."""
    return {
        "name": f"{kind} flow",
        "variables": {"greeting": "hi"},
        "nodes": [
            n("start", "trigger:manual"),
            n("run", kind, **{"timeout": 20, **config}),
            n("ok", "set_variable", name="path", value="ok"),
            n("recover", "set_variable", name="path", value="recovered"),
        ],
        "edges": [
            e("start", "run"),
            e("run", "ok", "success"),
            e("run", "recover", "failure"),
        ],
    }


class TestScriptNode:
    async def test_script_runs_on_servers_and_a_group(
        self,
        db: Sessionmaker,
        settings: Settings,
        real_device: DeviceFactory,
    ) -> None:
        async with asyncssh_server() as one, asyncssh_server() as two:
            web = await real_device(one, "web-1")
            db1 = await real_device(two, "db-1", group="dbs")
            sid = await script_id(
                db,
                "report",
                "#!/bin/sh\necho report-$((2+3)) >&2\necho done",
            )
            flow = one_node(
                "script",
                script_id=sid,
                server_ids="{{ trigger.servers }}",
                group_id=db1.groups[0].id,
            )
            wf_id, run_id = await start(db, flow, {"servers": [web.id]})
            await run_with_worker(db, settings, run_id)
        assert await statuses(db, wf_id, run_id) == {
            "start": "success",
            "run": "success",
            "ok": "success",
            "recover": "skipped",
        }
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (execution.status, execution.variables["path"]) == ("success", "ok")
        assert run.output["status"] == "completed"
        hosts = {h["device_id"]: h for h in run.output["hosts"]}
        assert set(hosts) == {web.id, db1.id}
        for host in hosts.values():
            assert (host["status"], host["exit_code"]) == ("completed", 0)
            assert host["stdout"].strip() == "done"
            assert host["stderr"].strip() == "report-5"
        async with db() as session:
            ran = await executions_service.get(session, run.output["execution_id"])
        assert (ran.kind, ran.script_id, ran.timeout) == ("script", sid, 20)

    async def test_failing_script_takes_the_failure_edge(
        self,
        db: Sessionmaker,
        settings: Settings,
        ssh: SSHServer,
        real_device: DeviceFactory,
    ) -> None:
        device = await real_device(ssh, "web-2")
        sid = await script_id(db, "broken", "#!/bin/sh\necho nope >&2\nexit 7\n")
        wf_id, run_id = await start(
            db, one_node("script", script_id=sid, server_ids=[device.id]), {}
        )
        await run_with_worker(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("failed", "recovered")
        [host] = run.output["hosts"]
        assert (host["exit_code"], host["stderr"].strip()) == (7, "nope")
        assert run.error == f"execution {run.output['execution_id']} failed"

    async def test_unknown_script_fails_the_node(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        # naming an unknown script is refused at save; one deleted since is not
        async with unit_of_work(db) as session:
            script = await scripts_service.create(
                session, ScriptInput(name="doomed", content="true")
            )
            server = await devices_service.create_device(
                session, devices_service.DeviceInput(address="127.0.0.1")
            )
        wf_id, run_id = await start(
            db, one_node("script", script_id=script.id, server_ids=[server.id]), {}
        )
        async with unit_of_work(db) as session:
            await scripts_service.delete(session, script.id)
        await run_with_worker(db, settings, run_id)
        _, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, run.error) == ("failed", "Script not found")


async def opmas_playbook(db: Sessionmaker, steps: list[dict[str, str]]) -> int:
    async with unit_of_work(db) as session:
        playbook = await playbooks_service.create(
            session, {"name": "deploy", "version": "1.0.0", "steps": steps}
        )
    return playbook.id


class TestOpmasPlaybookNode:
    async def test_every_step_runs_on_every_device(
        self,
        db: Sessionmaker,
        settings: Settings,
        real_device: DeviceFactory,
    ) -> None:
        steps = [
            {"type": "command", "action": "echo step-one"},
            {"type": "wait", "action": "0.1"},
            {"type": "script", "action": "#!/bin/sh\necho step-two"},
        ]
        async with asyncssh_server() as one, asyncssh_server() as two:
            devices = [await real_device(one, "app-1"), await real_device(two, "app-2")]
            pid = await opmas_playbook(db, steps)
            flow = one_node(
                "playbook", playbook_id=pid, device_ids=[d.id for d in devices]
            )
            wf_id, run_id = await start(db, flow, {})
            await run_with_worker(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("success", "ok")
        assert [(h["device_id"], h["exit_code"]) for h in run.output["hosts"]] == [
            (devices[0].id, 0),
            (devices[1].id, 0),
        ]
        for host in run.output["hosts"]:
            assert host["stdout"].split() == ["step-one", "step-two"]
        async with db() as session:
            ran = await executions_service.get(session, run.output["execution_id"])
        assert (ran.kind, ran.playbook_id) == ("opmas_playbook", pid)

    async def test_failing_step_fails_the_node(
        self,
        db: Sessionmaker,
        settings: Settings,
        ssh: SSHServer,
        real_device: DeviceFactory,
    ) -> None:
        device = await real_device(ssh, "app-3")
        pid = await opmas_playbook(
            db,
            [
                {"type": "command", "action": "echo before"},
                {"type": "command", "action": "exit 9"},
                {"type": "command", "action": "echo never"},
            ],
        )
        wf_id, run_id = await start(
            db, one_node("playbook", playbook_id=pid, device_ids=[device.id]), {}
        )
        await run_with_worker(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("failed", "recovered")
        [host] = run.output["hosts"]
        assert (host["status"], host["exit_code"]) == ("failed", 9)
        assert host["stdout"].strip() == "before"


async def _ansible_worker(db: Sessionmaker) -> None:
    """Stand in for the Ansible worker: run every queued job."""
    while True:
        async with db() as session:
            queued = list(
                await session.scalars(
                    select(AnsibleJob.id).where(AnsibleJob.status == "queued")
                )
            )
        for job_id in queued:
            await job_runs.run_job(db, job_id)
        await asyncio.sleep(0.1)


async def _jobs_ended(db: Sessionmaker) -> None:
    while True:
        async with db() as session:
            statuses = set(await session.scalars(select(AnsibleJob.status)))
        if statuses <= {"completed", "failed", "cancelled"}:
            return
        await asyncio.sleep(0.2)


async def run_with_ansible(db: Sessionmaker, settings: Settings, run_id: str) -> None:
    """Run the workflow while an Ansible worker drains the queue, until jobs end."""
    worker = asyncio.create_task(_ansible_worker(db))
    try:
        await asyncio.wait_for(run_actor(settings, run_id), 120)
        await asyncio.wait_for(_jobs_ended(db), 30)
    finally:
        worker.cancel()


GREET_TASK = 'name: greet\ndebug:\n  msg: "{{ greeting }}-from-ansible"'


class TestAnsiblePlaybookNode:
    async def test_job_runs_on_the_inventory_over_ssh(
        self, db: Sessionmaker, settings: Settings, tmp_path: Path
    ) -> None:
        playbook = await make_playbook(
            db, tasks=[(True, COMMAND_TASK), (True, GREET_TASK)]
        )
        async with openssh_server(tmp_path / "sshd") as server:
            inventory_id = await store_inventory(db, ssh_inventory(server))
            flow = one_node(
                "playbook",
                engine="ansible",
                playbook_ids=[playbook.id],
                inventory_id="{{ trigger.inventory }}",
                extra_vars={"greeting": "{{ vars.greeting }}"},
                timeout=90,
            )
            wf_id, run_id = await start(db, flow, {"inventory": inventory_id})
            await run_with_ansible(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("success", "ok")
        assert (run.output["status"], run.output["error"]) == ("completed", None)
        [entry] = run.output["playbooks"]
        assert (entry["id"], entry["name"], entry["status"]) == (
            playbook.id,
            playbook.name,
            "success",
        )
        assert "changed: [target]" in entry["output"]
        assert '"msg": "hi-from-ansible"' in entry["output"]
        assert run.output["job_id"].startswith("job-")

    async def test_failing_task_fails_the_node(
        self, db: Sessionmaker, settings: Settings, tmp_path: Path
    ) -> None:
        playbook = await make_playbook(db, "breaks", tasks=[(True, FAIL_TASK)])
        async with openssh_server(tmp_path / "sshd") as server:
            inventory_id = await store_inventory(db, ssh_inventory(server))
            flow = one_node(
                "playbook",
                engine="ansible",
                playbook_id=playbook.id,
                inventory_id=inventory_id,
                timeout=90,
            )
            wf_id, run_id = await start(db, flow, {})
            await run_with_ansible(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("failed", "recovered")
        assert run.output["status"] == "completed"
        assert run.error == (
            f"Ansible job {run.output['job_id']}: playbook 'breaks' failed"
        )
        [entry] = run.output["playbooks"]
        assert entry["status"] == "failed"
        assert "break here" in entry["output"]

    async def test_job_past_the_node_timeout_is_cancelled(
        self, db: Sessionmaker, settings: Settings, tmp_path: Path
    ) -> None:
        slow = "name: linger\ncommand: sleep 60"
        playbook = await make_playbook(db, "slow", tasks=[(True, slow)])
        async with openssh_server(tmp_path / "sshd") as server:
            inventory_id = await store_inventory(db, ssh_inventory(server))
            flow = one_node(
                "playbook",
                engine="ansible",
                playbook_id=playbook.id,
                inventory_id=inventory_id,
                timeout=3,
            )
            wf_id, run_id = await start(db, flow, {})
            await run_with_ansible(db, settings, run_id)
        execution, run = await node_output(db, wf_id, run_id, "run")
        assert (run.status, execution.variables["path"]) == ("failed", "recovered")
        job_id = run.output["job_id"]
        assert run.error == f"Ansible job {job_id} did not end within 3 s"
        async with db() as session:
            job = await session.get(AnsibleJob, job_id)
        assert job is not None
        assert (job.cancel_requested, job.status) == (True, "cancelled")
