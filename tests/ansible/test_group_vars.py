"""Host, group and `all` vars resolved as ansible-core does, for the SSH test and
jobs alike; a group password is sealed in the vault, masked in the config."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.db import Sessionmaker
from tests.ansible.runs import finished_job
from tests.conftest import RunningApp, TokenFactory
from tests.inventories.test_rest import add, ssh_test
from tests.sshd import asyncssh_server

PYTHON = "ansible_python_interpreter=/usr/bin/python3"


def _grouped(port: int, user: str, password: str) -> str:
    """The login only in group and `all` vars, the password with spaces."""
    return (
        f"[web]\ntarget ansible_host=127.0.0.1 {PYTHON}\n"
        f"[web:vars]\nansible_ssh_user={user}\n"
        f"[all:vars]\nansible_port={port}\nansible_password = {password}\n"
    )


async def _job(app: RunningApp, h: dict[str, str], inventory_id: int) -> Any:
    body = {
        "name": "hello",
        "type": "Other",
        "main": {"hosts": "web", "gather_facts": False},
        "tasks": [{"enabled": True, "content": "command: echo hi"}],
    }
    created = await app.http.post("/api/playbooks", json=body, headers=h)
    execute = {
        "playbook_ids": [created.json()["data"]["id"]],
        "inventory_id": inventory_id,
    }
    queued = await app.http.post("/api/playbooks/execute", json=execute, headers=h)
    assert queued.status_code == 200, queued.text
    return await finished_job(app, queued.json()["data"]["job_id"], h)


class TestGroupVars:
    async def test_group_login_reaches_ssh_test_and_job_and_is_sealed(
        self, worker_app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        h = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        async with asyncssh_server() as server:
            assert server.password is not None
            config = _grouped(server.port, server.username, server.password)
            inventory = await add(worker_app, h, name="grouped", config=config)
            assert server.password not in inventory["config"]
            assert "ansible_password = ********" in inventory["config"]
            [result] = await ssh_test(worker_app, h, [inventory["id"]])
            job = await _job(worker_app, h, inventory["id"])
        assert (result["status"], result["error_code"]) == ("Connected", None)
        entry = job["playbooks"][0]
        assert entry["status"] == "success", entry["output"]
        assert "changed: [target]" in entry["output"]
        async with db() as session:
            stored = await session.execute(text("SELECT * FROM inventory"))
            devices = await session.execute(text("SELECT * FROM device"))
            credentials = await session.execute(text("SELECT * FROM credential"))
            dumped = repr([stored.all(), devices.all(), credentials.all()])
        assert server.password not in dumped  # sealed, not in clear
        assert f"'{server.username}'" in dumped  # the group's user is the login

    async def test_masked_group_password_keeps_the_stored_login(
        self, worker_app: RunningApp, make_user: TokenFactory
    ) -> None:
        h = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        async with asyncssh_server() as server:
            assert server.password is not None
            config = _grouped(server.port, server.username, server.password)
            inventory = await add(worker_app, h, name="grouped", config=config)
            again = await worker_app.http.put(
                f"/api/inventories/{inventory['id']}",
                json={"config": inventory["config"] + "# edited\n"},
                headers=h,
            )
            assert again.status_code == 200, again.text
            [result] = await ssh_test(worker_app, h, [inventory["id"]])
        assert (result["status"], result["error_code"]) == ("Connected", None)

    async def test_key_file_paths_are_refused(
        self, worker_app: RunningApp, make_user: TokenFactory
    ) -> None:
        h = {"Authorization": f"Bearer {await make_user('o', ('operator',))}"}
        config = (
            "h ansible_host=127.0.0.9\n[all:vars]\nansible_ssh_private_key_file=/k\n"
        )
        response = await worker_app.http.post(
            "/api/inventories", json={"name": "keyfile", "config": config}, headers=h
        )
        assert response.status_code == 422
        assert "keep the key in the vault" in response.json()["error"]["message"]
