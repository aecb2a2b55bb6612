"""biRun /servers/, /server-groups/ and health checks against real SSH servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import events
from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.sshd import (
    SSHServer,
    asyncssh_server,
    new_private_key,
    openssh_server,
    password_recorder,
    private_text,
)
from tests.sshpeers import closed_port, silent_port

PREFIX = "/birun/api"


async def add_server(app: RunningApp, h: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await app.http.post(f"{PREFIX}/servers/", json=body, headers=h)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def password_server(ssh: SSHServer, port: int | None = None, **extra: Any) -> dict:
    return {
        "name": extra.pop("name", "Web Server"),
        "hostname": ssh.host,
        "username": ssh.username,
        "port": port or ssh.port,
        "auth_type": "password",
        "password": extra.pop("password", ssh.password),
        **extra,
    }


async def check(app: RunningApp, h: dict[str, str], server_id: int) -> dict[str, Any]:
    response = await app.http.post(
        f"{PREFIX}/servers/{server_id}/health/check", headers=h, timeout=30
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


class TestServers:
    async def test_create_list_get(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        created = await add_server(app, admin, **password_server(server))
        assert created == {
            "id": created["id"],
            "name": "Web Server",
            "hostname": "127.0.0.1",
            "username": "ops",
            "port": server.port,
            "auth_type": "password",
            "description": "",
            "created_at": created["created_at"],
            "last_health_check": None,
            "health_status": "unknown",
        }
        listed = await app.http.get(
            f"{PREFIX}/servers/?page=1&limit=10&search=Web", headers=admin
        )
        assert listed.json() == {
            "servers": [created],
            "total": 1,
            "page": 1,
            "pages": 1,
        }
        oc = await app.http.get(f"/api/devices/{created['id']}", headers=admin)
        assert oc.json()["data"]["ip_address"] == "127.0.0.1"

    async def test_auth_type_needs_its_secret(
        self, app: RunningApp, admin: dict[str, str]
    ) -> None:
        response = await app.http.post(
            f"{PREFIX}/servers/",
            json={"name": "k", "hostname": "h", "username": "u", "auth_type": "key"},
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json() == {
            "error": "ssh_key is required when auth_type is key",
            "status": "error",
            "details": {"field": "ssh_key"},
        }

    async def test_update_and_delete(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        created = await add_server(app, admin, **password_server(server))
        url = f"{PREFIX}/servers/{created['id']}"
        changed = await app.http.put(
            url, json={"auth_type": "key", "ssh_key": server.client_key}, headers=admin
        )
        assert changed.json()["auth_type"] == "key"
        assert (await check(app, admin, created["id"]))["status"] == "healthy"
        deleted = await app.http.delete(url, headers=admin)
        assert deleted.json() == {"message": "Server deleted successfully"}
        assert (await app.http.get(url, headers=admin)).status_code == 404
        creds = await app.http.get("/api/credentials?category=server", headers=admin)
        assert creds.json()["data"]["credentials"] == []


class TestMovedServer:
    async def test_operator_moving_a_server_sends_no_stored_password(
        self, app: RunningApp, make_user: TokenFactory, server: SSHServer
    ) -> None:
        admin = {"Authorization": f"Bearer {await make_user('root')}"}
        op = {"Authorization": f"Bearer {await make_user('op', ('operator',))}"}
        created = await add_server(app, admin, **password_server(server))
        async with password_recorder() as (port, offered):
            moved = await app.http.put(
                f"{PREFIX}/servers/{created['id']}",
                json={"hostname": "localhost", "port": port},
                headers=op,
            )
            assert moved.status_code == 200, moved.text
            result = await check(app, op, created["id"])
        assert result["status"] == "unhealthy"
        assert server.password not in offered
        creds = await app.http.get("/api/credentials?category=server", headers=admin)
        assert creds.json()["data"]["credentials"] == []

    async def test_admin_moving_a_server_keeps_its_login(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        created = await add_server(app, admin, **password_server(server))
        async with asyncssh_server() as other:
            moved = await app.http.put(
                f"{PREFIX}/servers/{created['id']}",
                json={"hostname": "localhost", "port": other.port},
                headers=admin,
            )
            assert moved.status_code == 200, moved.text
            result = await check(app, admin, created["id"])
        assert result["status"] == "healthy"


class TestHealth:
    async def test_check_collects_metrics_from_proc(
        self,
        app: RunningApp,
        admin: dict[str, str],
        server: SSHServer,
        db: Sessionmaker,
    ) -> None:
        created = await add_server(app, admin, **password_server(server))
        result = await check(app, admin, created["id"])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        assert result["status"] == "healthy"
        assert 0 < result["uptime_seconds"] <= uptime + 5
        assert 0 <= result["disk_usage"] <= 100
        assert 0 < result["memory_usage"] < 100
        assert result["load_1min"] >= 0
        summary = await app.http.get(f"{PREFIX}/health/summary", headers=admin)
        (row,) = summary.json()["servers"]
        assert row["server_name"] == "Web Server"
        assert row["last_checked"] is not None
        oc = await app.http.get(f"/api/devices/{created['id']}", headers=admin)
        assert oc.json()["data"]["status"] == "up"

    @pytest.mark.parametrize(
        ("case", "code"),
        [
            ("wrong_password", "SSH_AUTHENTICATION_FAILED"),
            ("closed_port", "SSH_CONNECTION_FAILED"),
            ("silent_port", "SSH_TIMEOUT"),
        ],
    )
    async def test_failed_check_marks_the_device_down(
        self,
        app: RunningApp,
        admin: dict[str, str],
        server: SSHServer,
        db: Sessionmaker,
        case: str,
        code: str,
    ) -> None:
        async with silent_port() as silent:
            port = {"closed_port": closed_port(), "silent_port": silent}.get(case)
            password = "wrong-pass" if case == "wrong_password" else server.password
            created = await add_server(
                app, admin, **password_server(server, port, password=password)
            )
            result = await check(app, admin, created["id"])
        assert result["status"] == "unhealthy"
        assert result["message"].startswith(f"{code}: ")
        assert "wrong-pass" not in result["message"]
        changes = [
            e.data
            for e in await events.history(db, events.DOMAIN_STREAM, 0)
            if e.type == "device.status.changed"
        ]
        assert changes == [
            {
                "device_id": created["id"],
                "device": {
                    "id": created["id"],
                    "hostname": "127.0.0.1",
                    "ip_address": "127.0.0.1",
                },
                "hostname": "127.0.0.1",
                "address": "127.0.0.1",
                "status": "down",
                "previous_status": "unknown",
                "old": "unknown",
                "new": "down",
                "reason": code,
            }
        ]

    async def test_changed_host_key_is_refused(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        created = await add_server(app, admin, **password_server(server))
        assert (await check(app, admin, created["id"]))["status"] == "healthy"
        async with asyncssh_server() as reinstalled:
            await app.http.put(
                f"{PREFIX}/servers/{created['id']}",
                json={"port": reinstalled.port},
                headers=admin,
            )
            result = await check(app, admin, created["id"])
        assert result["status"] == "unhealthy"
        assert result["message"].startswith("SSH_HOST_KEY_CHANGED: ")

    async def test_check_all_returns_at_once(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        await add_server(app, admin, **password_server(server, name="a"))
        await add_server(app, admin, **password_server(server, name="b"))
        response = await app.http.post(f"{PREFIX}/health/check-all", headers=admin)
        assert response.status_code == 202
        assert response.json() == {
            "message": "Health check started for 2 servers",
            "queued": 2,
        }


class TestOpenSSH:
    async def test_key_login_and_wrong_key(
        self, app: RunningApp, admin: dict[str, str], tmp_path: Path
    ) -> None:
        async with openssh_server(tmp_path / "sshd") as sshd:
            body = {
                "name": "sshd",
                "hostname": sshd.host,
                "username": sshd.username,
                "port": sshd.port,
                "auth_type": "key",
                "ssh_key": sshd.client_key,
            }
            good = await add_server(app, admin, **body)
            stranger = private_text(new_private_key())
            bad = await add_server(app, admin, **body | {"ssh_key": stranger})
            healthy = await check(app, admin, good["id"])
            refused = await check(app, admin, bad["id"])
        assert healthy["status"] == "healthy"
        assert healthy["uptime_seconds"] > 0
        assert refused["message"].startswith("SSH_AUTHENTICATION_FAILED: ")


class TestServerGroups:
    async def test_crud(
        self, app: RunningApp, admin: dict[str, str], server: SSHServer
    ) -> None:
        one = await add_server(app, admin, **password_server(server, name="one"))
        two = await add_server(app, admin, **password_server(server, name="two"))
        created = await app.http.post(
            f"{PREFIX}/server-groups/",
            json={"name": "web", "description": "d", "server_ids": [one["id"]]},
            headers=admin,
        )
        assert created.status_code == 201
        group = created.json()
        assert (group["name"], group["server_ids"]) == ("web", [one["id"]])
        url = f"{PREFIX}/server-groups/{group['id']}"
        updated = await app.http.put(
            url, json={"server_ids": [two["id"]]}, headers=admin
        )
        assert updated.json()["server_ids"] == [two["id"]]
        listed = await app.http.get(f"{PREFIX}/server-groups/", headers=admin)
        assert [g["id"] for g in listed.json()] == [group["id"]]
        oc = await app.http.get(f"/api/groups/{group['id']}/devices", headers=admin)
        assert [d["id"] for d in oc.json()["data"]["devices"]] == [two["id"]]
        assert (await app.http.delete(url, headers=admin)).status_code == 200
        missing = await app.http.get(url, headers=admin)
        assert missing.status_code == 404
        assert missing.json()["status"] == "error"


class TestStrictHostKeys:
    async def test_unregistered_key_is_refused(
        self, db: Sessionmaker, pg_url: str, server: SSHServer, make_user: TokenFactory
    ) -> None:
        settings = pg_settings(pg_url, ssh_strict_host_keys=True)
        token = await make_user("strict-admin")
        h = {"Authorization": f"Bearer {token}"}
        async with serve(settings) as strict:
            created = await add_server(strict, h, **password_server(server))
            result = await check(strict, h, created["id"])
            assert result["message"].startswith("SSH_HOST_KEY_UNKNOWN: ")
            device = await strict.http.get(f"/api/devices/{created['id']}", headers=h)
            await strict.http.put(
                f"/api/devices/{created['id']}",
                json={"host_key": server.host_key},
                headers=h,
            )
            registered = await check(strict, h, created["id"])
        assert device.json()["data"]["status"] == "down"
        assert registered["status"] == "healthy"
