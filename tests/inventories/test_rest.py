"""Ansible Hub /api/inventories and /api/ssh/test against real SSH servers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import upgrade_database
from app.db import Sessionmaker, unit_of_work
from app.inventories.models import Inventory
from tests.conftest import RunningApp, pg_settings
from tests.sshd import SSHServer, asyncssh_server
from tests.sshpeers import closed_port, silent_port


def host_line(
    name: str, port: int, password: str = "ops-test-password", user: str = "ops"
) -> str:
    return (
        f"{name} ansible_ssh_host=127.0.0.1 ansible_ssh_port={port} "
        f"ansible_user={user} ansible_ssh_pass={password}"
    )


async def add(app: RunningApp, h: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await app.http.post("/api/inventories", json=body, headers=h)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def ssh_test(
    app: RunningApp, h: dict[str, str], ids: list[int] | None
) -> list[dict[str, Any]]:
    response = await app.http.post(
        "/api/ssh/test", json={"inventory_ids": ids}, headers=h, timeout=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["success"], body["message"]) == (True, "SSH 連線測試完成")
    results: list[dict[str, Any]] = body["data"]["results"]
    return results


class TestInventories:
    async def test_create_get_list(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        config = "server1 ansible_ssh_host=127.0.0.1 ansible_ssh_port=55000"
        response = await app.http.post(
            "/api/inventories",
            json={"name": "New Inventory", "config": config},
            headers=admin,
        )
        assert response.status_code == 201
        body = response.json()
        created = body["data"]
        assert body["message"] == "Inventory 創建成功"
        assert created == {
            "id": created["id"],
            "name": "New Inventory",
            "status": "Off",
            "ssh_status": "Unconnected",
            "group": "Default",
            "config": config,
            "created_at": created["created_at"],
            "updated_at": created["updated_at"],
        }
        got = await app.http.get(f"/api/inventories/{created['id']}", headers=admin)
        assert got.json()["data"] == created
        listed = await app.http.get(
            "/api/inventories?search=New&page=1&per_page=10", headers=admin
        )
        data = listed.json()["data"]
        assert data["pagination"] == {
            "page": 1,
            "per_page": 10,
            "total": 1,
            "total_pages": 1,
        }
        assert "config" not in data["items"][0]
        devices = await app.http.get("/api/devices?search=server1", headers=admin)
        (device,) = devices.json()["data"]["devices"]
        assert device["ip_address"] == "127.0.0.1"

    async def test_bad_config_reports_the_parser_message(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        response = await app.http.post(
            "/api/inventories",
            json={"name": "bad", "config": "[web:vars]\nfoo"},
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json() == {
            "success": False,
            "error": {
                "code": "INVALID_INVENTORY_CONFIG",
                "message": "Failed to parse inventory: Expected key=value, got: foo",
            },
        }

    async def test_duplicate_name(self, app: RunningApp, admin: dict[str, str]) -> None:
        await add(app, admin, name="dup", config="h1")
        response = await app.http.post(
            "/api/inventories", json={"name": "dup", "config": "h2"}, headers=admin
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "INVENTORY_NAME_DUPLICATE"

    async def test_update_and_delete(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await add(app, admin, name="a", config="h1")
        url = f"/api/inventories/{created['id']}"
        updated = await app.http.put(
            url, json={"name": "b", "group": "Production"}, headers=admin
        )
        assert updated.json()["message"] == "Inventory 更新成功"
        assert (updated.json()["data"]["name"], updated.json()["data"]["group"]) == (
            "b",
            "Production",
        )
        deleted = await app.http.delete(url, headers=admin)
        assert deleted.json() == {"success": True, "message": "Inventory 刪除成功"}
        missing = await app.http.get(url, headers=admin)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "INVENTORY_NOT_FOUND"


class TestSSHTest:
    async def test_connected_and_each_failure(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        # One device per address and port: the wrong password needs its own server.
        async with silent_port() as silent, asyncssh_server() as other:
            good = await add(
                app, admin, name="good", config=host_line("g", server.port)
            )
            wrong = await add(
                app, admin, name="wrong", config=host_line("w", other.port, "nope")
            )
            closed = await add(
                app, admin, name="closed", config=host_line("c", closed_port())
            )
            quiet = await add(app, admin, name="quiet", config=host_line("q", silent))
            results = await ssh_test(app, admin, None)
        summary = [
            (r["inventory_name"], r["status"], r["error_code"], r["message"])
            for r in results
        ]
        assert summary == [
            ("good", "Connected", None, "SSH 連線成功"),
            ("wrong", "Unconnected", "SSH_AUTHENTICATION_FAILED", "SSH 認證失敗"),
            ("closed", "Unconnected", "SSH_CONNECTION_FAILED", "SSH 連線失敗"),
            ("quiet", "Unconnected", "SSH_TIMEOUT", "連線逾時"),
        ]
        got = await app.http.get(f"/api/inventories/{good['id']}", headers=admin)
        assert "ansible_ssh_pass=******** " not in got.json()["data"]["config"]
        assert got.json()["data"]["config"].endswith("ansible_ssh_pass=********")
        assert (got.json()["data"]["ssh_status"], got.json()["data"]["status"]) == (
            "Connected",
            "On",
        )
        assert {wrong["id"], closed["id"], quiet["id"]}.isdisjoint({good["id"]})

    async def test_changed_host_key(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        inv = await add(app, admin, name="k", config=host_line("k", server.port))
        (first,) = await ssh_test(app, admin, [inv["id"]])
        assert first["status"] == "Connected"
        devices = await app.http.get("/api/devices?search=k", headers=admin)
        (device,) = devices.json()["data"]["devices"]
        async with asyncssh_server() as reinstalled:
            await app.http.put(
                f"/api/devices/{device['id']}",
                json={"port": reinstalled.port},
                headers=admin,
            )
            (second,) = await ssh_test(app, admin, [inv["id"]])
        assert (second["status"], second["error_code"]) == (
            "Unconnected",
            "SSH_HOST_KEY_CHANGED",
        )

    async def test_unknown_inventory(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        response = await app.http.post(
            "/api/ssh/test", json={"inventory_ids": [999]}, headers=admin
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "INVENTORY_NOT_FOUND"

    @pytest.mark.parametrize(
        "assignment",
        ["ansible_password = {p}", "ansible_password={p}", "ansible_ssh_pass = '{p}'"],
    )
    async def test_group_var_password_reaches_the_vault_masked(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer, assignment: str
    ) -> None:
        password = str(server.password)
        config = (
            f"[web]\ng ansible_host=127.0.0.1 ansible_port={server.port} "
            f"ansible_user={server.username}\n\n[all:vars]\n"
            + assignment.format(p=password)
            + "\n"
        )
        created = await add(app, admin, name="grouped", config=config)
        results = await ssh_test(app, admin, [created["id"]])
        assert results[0]["status"] == "Connected", results
        got = await app.http.get(f"/api/inventories/{created['id']}", headers=admin)
        assert password not in created["config"] + got.text
        assert "********" in got.json()["data"]["config"]


class TestUpgrade:
    async def test_clear_passwords_of_an_older_version_move_to_the_vault(
        self,
        app: RunningApp,
        admin: dict[str, str],
        server: SSHServer,
        db: Sessionmaker,
        pg_url: str,
    ) -> None:
        config = (
            f"[web]\ng ansible_host=127.0.0.1 ansible_port={server.port} "
            f"ansible_user={server.username}\n\n[all:vars]\n"
            f"ansible_password = {server.password}\n"
        )
        async with unit_of_work(db) as session:
            session.add(Inventory(name="legacy", config=config))
        await asyncio.to_thread(upgrade_database, pg_settings(pg_url), seal=True)
        async with db() as session:
            stored = (await session.scalars(select(Inventory))).one()
        assert str(server.password) not in stored.config
        assert stored.config.endswith("ansible_password = ********\n")
        results = await ssh_test(app, admin, [stored.id])
        assert results[0]["status"] == "Connected", results
