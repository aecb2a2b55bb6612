"""Real ansible-runner runs of rendered playbooks: local, OpenSSH sshd, failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.ansible import service
from app.db import Sessionmaker
from tests.ansible.helpers import COMMAND_TASK, DEBUG_TASK, FAIL_TASK, make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    HubInventory,
    closed_port_inventory,
    execution_of,
    host_events,
    job_events,
    run,
    ssh_inventory,
    statuses,
)
from tests.sshd import asyncssh_server, openssh_server


@pytest.mark.usefixtures("controller_allowed")
class TestRunLocal:
    async def test_enabled_tasks_run_and_events_follow_ansible(
        self, db: Sessionmaker
    ) -> None:
        playbook = await make_playbook(
            db,
            tasks=[(True, COMMAND_TASK), (False, FAIL_TASK), (True, DEBUG_TASK)],
        )
        job = await run(db, [playbook.id], LOCAL_INVENTORY)
        assert job.status == "completed"
        entry = job.playbooks[0]
        assert entry.status == "success"
        assert "PLAY [all]" in entry.output
        assert "TASK [say hello]" in entry.output
        assert "TASK [break here]" not in entry.output
        assert re.search(
            r"local1\s+: ok=2\s+changed=1\s+unreachable=0\s+failed=0", entry.output
        )
        items = await job_events(db, job.id)
        assert host_events(items) == [
            ("host.changed", "local1", "say hello"),
            ("host.ok", "local1", "show message"),
        ]
        kinds = [k for k, _ in items if k != "output"]
        assert kinds[:6] == [
            "status",
            "job.queued",
            "status",
            "job.started",
            "playbook.started",
            "play.started",
        ]
        assert kinds[-4:] == [
            "play.recap",
            "playbook.completed",
            "job.completed",
            "status",
        ]
        assert statuses(items) == ["pending", "running", "completed"]
        assert items[-1][1]["final"] is True
        recap = dict(items)["play.recap"]["hosts"]["local1"]
        assert (recap["ok"], recap["changed"], recap["failed"]) == (2, 1, 0)
        async with db() as session:
            stored = await service.get_playbook(session, playbook.id)
        assert stored.status == "Success"
        assert stored.last_run_at == entry.completed_at


class TestRunOverSSH:
    async def test_command_and_debug_succeed(
        self, db: Sessionmaker, tmp_path: Path
    ) -> None:
        playbook = await make_playbook(db)
        async with openssh_server(tmp_path / "sshd") as server:
            job = await run(db, [playbook.id], ssh_inventory(server))
        entry = job.playbooks[0]
        assert (job.status, entry.status) == ("completed", "success")
        assert "changed: [target]" in entry.output
        assert '"msg": "debug says hi"' in entry.output
        assert re.search(
            r"target\s+: ok=2\s+changed=1\s+unreachable=0\s+failed=0", entry.output
        )
        assert host_events(await job_events(db, job.id)) == [
            ("host.changed", "target", "say hello"),
            ("host.ok", "target", "show message"),
        ]
        execution, hosts = await execution_of(db, job.id)
        assert (execution.kind, execution.status) == ("ansible", "completed")
        assert (execution.hosts_total, execution.hosts_done) == (1, 1)
        assert execution.results == {
            "job_id": job.id,
            "playbooks": [
                {"id": playbook.id, "name": "Ansible GUI", "status": "success"}
            ],
        }
        target = hosts["target"]
        assert (target.status, target.error) == ("completed", None)
        assert target.stdout.splitlines()[0] == "changed: [target]"
        assert target.device_id is not None
        assert target.started_at is not None
        assert target.completed_at is not None

    async def test_password_from_the_inventory_goes_through_the_vault(
        self, db: Sessionmaker
    ) -> None:
        playbook = await make_playbook(db)
        async with asyncssh_server() as server:
            assert server.password is not None
            config = (
                f"server1 ansible_ssh_host=127.0.0.1 ansible_ssh_port={server.port} "
                f"ansible_user={server.username} ansible_ssh_pass={server.password} "
                "ansible_python_interpreter=/usr/bin/python3\n"
            )
            job = await run(db, [playbook.id], HubInventory(config))
        entry = job.playbooks[0]
        assert (job.status, entry.status) == ("completed", "success"), entry.output
        assert "changed: [server1]" in entry.output
        items = await job_events(db, job.id)
        assert server.password not in entry.output + repr(items)
        assert host_events(items)[0] == ("host.changed", "server1", "say hello")

    async def test_failing_task_stops_the_host(
        self, db: Sessionmaker, tmp_path: Path
    ) -> None:
        playbook = await make_playbook(
            db, tasks=[(True, COMMAND_TASK), (True, FAIL_TASK), (True, DEBUG_TASK)]
        )
        async with openssh_server(tmp_path / "sshd") as server:
            job = await run(db, [playbook.id], ssh_inventory(server))
        entry = job.playbooks[0]
        assert (job.status, entry.status) == ("completed", "failed")
        assert "fatal: [target]: FAILED!" in entry.output
        assert re.search(
            r"target\s+: ok=1\s+changed=1\s+unreachable=0\s+failed=1", entry.output
        )
        items = await job_events(db, job.id)
        assert host_events(items) == [
            ("host.changed", "target", "say hello"),
            ("host.failed", "target", "break here"),
        ]
        async with db() as session:
            assert (await service.get_playbook(session, playbook.id)).status == "Fail"
        execution, hosts = await execution_of(db, job.id)
        assert (execution.status, execution.error_message) == (
            "failed",
            "1 of 1 playbooks failed",
        )
        assert hosts["target"].status == "failed"
        assert "non-zero return code" in (hosts["target"].error or "")
        assert "fatal: [target]: FAILED!" in hosts["target"].stdout

    async def test_unreachable_host(self, db: Sessionmaker) -> None:
        playbook = await make_playbook(db)
        job = await run(db, [playbook.id], closed_port_inventory())
        entry = job.playbooks[0]
        assert (job.status, entry.status) == ("completed", "failed")
        assert "fatal: [ghost]: UNREACHABLE!" in entry.output
        items = await job_events(db, job.id)
        assert host_events(items) == [("host.unreachable", "ghost", "say hello")]
        failure = next(d for k, d in items if k == "host.unreachable")
        assert "Connection refused" in failure["msg"]
        execution, hosts = await execution_of(db, job.id)
        assert execution.status == "failed"
        assert hosts["ghost"].status == "failed"
        assert "Connection refused" in (hosts["ghost"].error or "")

    async def test_playbooks_run_one_after_another(
        self, db: Sessionmaker, tmp_path: Path
    ) -> None:
        good = await make_playbook(db, "good")
        bad = await make_playbook(db, "bad", tasks=[(True, FAIL_TASK)])
        async with openssh_server(tmp_path / "sshd") as server:
            job = await run(db, [good.id, bad.id], ssh_inventory(server))
        assert job.status == "completed"
        assert [(e.name, e.status) for e in job.playbooks] == [
            ("good", "success"),
            ("bad", "failed"),
        ]
        first, second = job.playbooks
        assert first.completed_at is not None
        assert second.started_at is not None
        assert first.completed_at <= second.started_at
        assert job.started_at is not None
        assert job.completed_at is not None
        items = await job_events(db, job.id)
        done = [
            (d["position"], d["status"]) for k, d in items if k == "playbook.completed"
        ]
        assert done == [(1, "success"), (2, "failed")]
