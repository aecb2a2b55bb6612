"""biRun scripts and script executions over REST, run on stored devices."""

from __future__ import annotations

import re
from typing import Any

import dramatiq

from app.db import Sessionmaker
from app.executions import engine, service
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer

BASE = "/birun/api"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BACKUP = {
    "name": "Backup Script",
    "content": "#!/bin/sh\necho backing-up\n",
    "description": "Creates a backup of web files",
}
QUEUED = "Script execution queued successfully"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _script(app: RunningApp, token: str, **over: Any) -> dict[str, Any]:
    response = await app.http.post(
        f"{BASE}/scripts/", json={**BACKUP, **over}, headers=_h(token)
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestScriptCrud:
    async def test_create_get_update_delete(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user(roles=("operator",))
        created = await _script(app, token)
        assert STAMP.match(created.pop("created_at"))
        assert STAMP.match(created.pop("updated_at"))
        assert created == {"id": 1, **BACKUP}
        response = await app.http.put(
            f"{BASE}/scripts/1", json={"description": "new"}, headers=_h(token)
        )
        assert response.json()["description"] == "new"
        assert response.json()["name"] == "Backup Script"
        response = await app.http.delete(f"{BASE}/scripts/1", headers=_h(token))
        assert response.json() == {"message": "Script deleted successfully"}
        response = await app.http.get(f"{BASE}/scripts/1", headers=_h(token))
        assert (response.status_code, response.json()) == (
            404,
            {
                "error": "Script not found",
                "status": "error",
                "details": {"code": "SCRIPT_NOT_FOUND"},
            },
        )

    async def test_list_pages_and_search(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        for name in ("alpha", "beta", "alpha two", "100%_sure"):
            await _script(app, token, name=name, description=None)
        body = (
            await app.http.get(f"{BASE}/scripts/?page=2&limit=3", headers=_h(token))
        ).json()
        assert ([s["name"] for s in body["scripts"]], body["total"]) == (
            ["100%_sure"],
            4,
        )
        assert (body["page"], body["pages"]) == (2, 2)
        body = (
            await app.http.get(f"{BASE}/scripts/?search=ALPHA", headers=_h(token))
        ).json()
        assert [s["name"] for s in body["scripts"]] == ["alpha", "alpha two"]
        body = (
            await app.http.get(f"{BASE}/scripts/?search=%25_", headers=_h(token))
        ).json()
        assert [s["name"] for s in body["scripts"]] == ["100%_sure"]

    async def test_validation(self, app: RunningApp, make_user: TokenFactory) -> None:
        token = await make_user()
        response = await app.http.post(
            f"{BASE}/scripts/", json={"name": "x"}, headers=_h(token)
        )
        assert response.status_code == 422
        assert response.json()["error"] == "name and content are required"
        response = await app.http.get(f"{BASE}/scripts/?page=0", headers=_h(token))
        assert response.status_code == 422


class TestScriptExecution:
    async def test_execute_on_servers_and_group_then_list_filters(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        web = await real_device(servers[0], "web-1")
        db1 = await real_device(servers[1], "db-1", group="dbs")
        await real_device(servers[2], "db-2", group="dbs", pin=False)
        await _script(app, token)
        response = await app.http.post(
            f"{BASE}/scripts/1/execute",
            json={"server_ids": [web.id], "group_id": 1, "timeout": 20},
            headers=_h(token),
        )
        body = response.json()
        assert (body["status"], body["message"]) == ("queued", QUEUED)
        await engine.run(db, body["execution_id"], settings)
        runs = (
            await app.http.get(f"{BASE}/scripts/executions/", headers=_h(token))
        ).json()
        assert runs["total"] == 3
        first = runs["executions"][-1]
        assert STAMP.match(first.pop("started_at"))
        assert STAMP.match(first.pop("completed_at"))
        assert first == {
            "id": 1,
            "execution_id": body["execution_id"],
            "script_id": 1,
            "server_id": web.id,
            "status": "completed",
            "output": "backing-up",
            "exit_code": 0,
            "error": None,
            "script": {"id": 1, "name": "Backup Script"},
            "server": {"id": web.id, "name": "web-1"},
        }
        only = (
            await app.http.get(
                f"{BASE}/scripts/executions/?server_id={db1.id}&status=completed"
                "&script_id=1&start_date=2000-01-01T00:00:00Z",
                headers=_h(token),
            )
        ).json()
        assert [r["server"]["name"] for r in only["executions"]] == ["db-1"]
        empty = (
            await app.http.get(
                f"{BASE}/scripts/executions/?end_date=2000-01-01", headers=_h(token)
            )
        ).json()
        assert (empty["executions"], empty["total"], empty["pages"]) == ([], 0, 1)
        detail = (
            await app.http.get(
                f"{BASE}/scripts/executions/{body['execution_id']}", headers=_h(token)
            )
        ).json()
        assert (detail["status"], len(detail["results"])) == ("completed", 3)
        async with db() as session:
            from app.devices import service as devices_service

            unpinned = await devices_service.get_device(session, 3)
        assert unpinned.host_key == servers[2].host_key  # recorded on first use

    async def test_stop_and_server_execute(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user()
        web = await real_device(servers[0], "web-1")
        response = await app.http.post(
            f"{BASE}/servers/{web.id}/execute",
            json={"script_content": "#!/usr/bin/env python3\nprint(6*7)\n"},
            headers=_h(token),
        )
        first = response.json()
        assert (first["status"], first["message"]) == ("queued", QUEUED)
        response = await app.http.post(
            f"{BASE}/servers/{web.id}/execute",
            json={"script_content": "sleep 10"},
            headers=_h(token),
        )
        second = response.json()["execution_id"]
        stop = await app.http.post(
            f"{BASE}/scripts/executions/{second}/stop", headers=_h(token)
        )
        assert stop.json() == {
            "execution_id": second,
            "status": "cancelled",
            "message": "Execution stopped",
        }
        await engine.run(db, first["execution_id"], settings)
        async with db() as session:
            hosts = await service.hosts(
                session, await service.get(session, first["execution_id"])
            )
        assert [h.stdout for h in hosts] == ["42"]
        again = await app.http.post(
            f"{BASE}/scripts/executions/{second}/stop", headers=_h(token)
        )
        assert again.status_code == 409
        missing = await app.http.post(
            f"{BASE}/servers/999/execute",
            json={"script_content": "true"},
            headers=_h(token),
        )
        assert (missing.status_code, missing.json()["error"]) == (
            404,
            "Device 999 not found",
        )
