"""Controller-side execution at run time: what the save-time checks cannot see
fails inside Ansible, nothing reaches the controller, and runs are sandboxed.

Each attack tries to create a marker file or read a planted secret on the
controller; the tests assert the marker is absent and the secret never shows.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.ansible import job_runs, job_service, runner, sandbox
from app.db import Sessionmaker, unit_of_work
from app.runtime_settings import service as settings_service
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    closed_port_inventory,
    finished_job,
    job_events,
    queue_job,
    ssh_inventory,
    store_inventory,
)
from tests.conftest import RunningApp, TokenFactory
from tests.sshd import openssh_server

REFUSED = "Controller-side execution is not allowed"
GUARD = "Refused by OpsGraph"
ALL = {"hosts": "all", "gather_facts": False}


async def _set(db: Sessionmaker, **values: bool) -> None:
    async with unit_of_work(db) as session:
        await settings_service.update(session, dict(values), None)


async def _execute(
    app: RunningApp,
    headers: dict[str, str],
    playbooks: list[tuple[dict[str, Any], list[str]]],
    inventory_id: int | None,
    extra_vars: dict[str, Any] | None = None,
) -> Any:
    """Create the playbooks and run them as one job through REST; the job."""
    ids = []
    for number, (main, tasks) in enumerate(playbooks):
        body = {
            "name": f"play {number}",
            "type": "Other",
            "main": main,
            "tasks": [{"enabled": True, "content": t} for t in tasks],
        }
        created = await app.http.post("/api/playbooks", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["data"]["id"])
    body = {"playbook_ids": ids, "inventory_id": inventory_id}
    queued = await app.http.post(
        "/api/playbooks/execute",
        json={**body, "extra_vars": extra_vars or {}},
        headers=headers,
    )
    assert queued.status_code == 200, queued.text
    return await finished_job(app, queued.json()["data"]["job_id"], headers)


def _planted(tmp_path: Path) -> tuple[Path, str]:
    """A stand-in for the signing key in a data dir, with a random content."""
    secret = secrets.token_hex(16)
    key = tmp_path / "data" / "secret_key"
    key.parent.mkdir()
    key.write_text(secret)
    return key, secret


class TestGuardInsideAnsible:
    async def test_templated_delegation_and_hosts_fail_without_touching(
        self,
        worker_app: RunningApp,
        db: Sessionmaker,
        make_user: TokenFactory,
        tmp_path: Path,
    ) -> None:
        headers = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        marker = tmp_path / "marker"
        delegated = (
            f"name: to the controller\ncommand: touch {marker}\n"
            "delegate_to: \"{{ 'local' ~ 'host' }}\""
        )
        templated = {"hosts": "{{ target }}", "gather_facts": False}
        async with openssh_server(tmp_path / "sshd") as server:
            inventory_id = await store_inventory(db, ssh_inventory(server))
            job = await _execute(
                worker_app,
                headers,
                [(ALL, ["command: echo on-the-host", delegated]),
                 (templated, [f"command: touch {marker}"])],
                inventory_id,
                {"target": "localhost"},
            )  # fmt: skip
        assert [p["status"] for p in job["playbooks"]] == ["failed", "failed"]
        assert "changed: [target]" in job["playbooks"][0]["output"]
        for entry in job["playbooks"]:
            assert f"{GUARD}: connection 'local'" in entry["output"]
        assert not marker.exists()

    async def test_computed_lookups_and_proxy_command_are_refused(
        self, tmp_path: Path
    ) -> None:
        key, secret = _planted(tmp_path)
        marker = tmp_path / "marker"
        tasks: list[dict[str, Any]] = [
            {"debug": {"msg": f"{{{{ lookup('pi' ~ 'pe', 'touch {marker}') }}}}"}},
            {"debug": {"msg": f"{{{{ query('fi' ~ 'le', '{key}') }}}}"}},
            {"debug": {"msg": "{{ item }}"}, "with_file": [str(key)]},
            {"command": "echo over-ssh"},
        ]
        play = {"hosts": "all", "gather_facts": False, "tasks": tasks}
        for task in tasks:
            task["ignore_errors"] = True
        async with openssh_server(tmp_path / "sshd") as server:
            proxy = f"touch {marker}"
            login = (
                f"ansible_port={server.port} ansible_user={server.username} "
                "ansible_python_interpreter=/usr/bin/python3"
            )
            inventory = (
                f"direct ansible_host=127.0.0.1 {login}\n"
                f"proxied ansible_host=127.0.0.1 {login} "
                f"ansible_ssh_common_args='-o ProxyCommand=\"{proxy}\"'\n"
            )
            spec = runner.RunInput(
                playbook_yaml=yaml.safe_dump([play]),
                inventory=inventory,
                ssh_key=server.client_key,
            )
            seen: list[Any] = []
            result = await asyncio.to_thread(
                runner.run_playbook, spec, lambda *e: seen.append(e), lambda: False
            )
        assert "changed: [direct]" in result.output, result.output
        for refused in ("lookup 'pipe'", "lookup 'file'", "ssh option proxycommand"):
            assert f"{GUARD}: {refused}" in result.output
        assert secret not in result.output + repr(seen)
        assert not marker.exists()


class TestStoredBeforeTheRule:
    async def test_job_queued_while_allowed_fails_before_running(
        self, db: Sessionmaker, tmp_path: Path
    ) -> None:
        marker = tmp_path / "marker"
        await _set(db, ansible_allow_controller_execution=True)
        playbook = await make_playbook(
            db,
            tasks=[(True, f"command: touch {marker}")],
            main={"hosts": "localhost", "gather_facts": False},
        )
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        await _set(db, ansible_allow_controller_execution=False)
        await job_runs.run_job(db, job_id)
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert (job.status, job.playbooks[0].status) == ("failed", "failed")
        assert str(job.error).startswith(REFUSED)
        assert "hosts 'localhost' is the controller" in job.error
        assert job.playbooks[0].output == ""
        assert not marker.exists()


class TestSandbox:
    async def test_admin_allowed_localhost_play_runs_sandboxed(
        self,
        worker_app: RunningApp,
        db: Sessionmaker,
        make_user: TokenFactory,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        key, secret = _planted(tmp_path)
        canary = f"canary-{secrets.token_hex(8)}"
        monkeypatch.setenv("OPSGRAPH_ISOLATION_CANARY", canary)
        marker = tmp_path / "marker"
        await _set(db, ansible_allow_controller_execution=True)
        headers = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        shown = "debug:\n  msg: \"{{ out.stdout }}{{ out.stderr | default('') }}\""
        commands = ("id -u", f"cat {key}", f"touch {marker}", "env", f"ls {Path.cwd()}")
        tasks = [f"command: {c}\nregister: out\nignore_errors: true" for c in commands]
        listed = [part for task in tasks for part in (task, shown)]
        main = {"hosts": "localhost", "gather_facts": False}
        job = await _execute(worker_app, headers, [(main, listed)], None)
        output = job["playbooks"][0]["output"]
        assert job["playbooks"][0]["status"] == "success", output
        assert secret not in output + repr(await job_events(db, job["job_id"]))
        assert canary not in output
        assert "OPSGRAPH_" not in output.replace("OPSGRAPH_ANSIBLE_GUARD", "")
        assert not marker.exists()
        assert f"cat: {key}: No such file or directory" in output
        assert f"ls: cannot access '{Path.cwd()}'" in output  # no source tree
        if os.geteuid() == 0:
            assert '"msg": "0"' not in output  # not root inside the sandbox

    async def test_ssh_play_runs_without_ansible_on_path(
        self,
        worker_app: RunningApp,
        db: Sessionmaker,
        make_user: TokenFactory,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("PATH", "/usr/bin:/bin")
        assert shutil.which("ansible-playbook") is None
        headers = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        copied = tmp_path / "copied"
        harmless = [
            "command: echo hi",
            f"copy:\n  content: hello\n  dest: {copied}",
            'debug:\n  msg: "item {{ item }}"\nwith_items: [1, 2]',
            "debug:\n  msg: \"{{ lookup('vars', 'inventory_hostname') }}\"",
        ]
        main = {"hosts": "all", "gather_facts": True}
        async with openssh_server(tmp_path / "sshd") as server:
            inventory_id = await store_inventory(db, ssh_inventory(server))
            job = await _execute(worker_app, headers, [(main, harmless)], inventory_id)
        entry = job["playbooks"][0]
        assert (job["status"], entry["status"]) == ("completed", "success")
        assert GUARD not in entry["output"]
        assert '"msg": "item 2"' in entry["output"]
        assert copied.read_text() == "hello"  # written by sshd on the target

    async def test_missing_bwrap_refuses_unless_an_admin_allows(
        self, db: Sessionmaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        tools = tmp_path / "bin"
        tools.mkdir()
        setpriv = shutil.which("setpriv")
        assert setpriv is not None
        (tools / "setpriv").symlink_to(setpriv)
        monkeypatch.setenv("PATH", str(tools))
        playbook = await make_playbook(db, tasks=[(True, "command: echo hi")])
        job_id = await queue_job(db, [playbook.id], closed_port_inventory())
        await job_runs.run_job(db, job_id)
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert (job.status, job.error) == ("failed", _message_without_bwrap())
        await _set(db, ansible_allow_unsandboxed=True)
        job_id = await queue_job(db, [playbook.id], closed_port_inventory())
        await job_runs.run_job(db, job_id)
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert job.status == "completed"
        assert "PLAY RECAP" in job.playbooks[0].output


def _message_without_bwrap() -> str:
    with pytest.raises(sandbox.SandboxUnavailableError) as caught:
        sandbox.isolation(allow_controller=False, allow_unsandboxed=False)
    return str(caught.value)
