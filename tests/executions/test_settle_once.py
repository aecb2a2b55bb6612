"""Whoever settles an execution first owns its status and results."""

from __future__ import annotations

import asyncio

import dramatiq

from app.db import Sessionmaker
from app.executions import engine, service
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer

BASE = "/api/v1/playbooks"
MINE = {"output": "Execution completed successfully"}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _until_running(app: RunningApp, h: dict[str, str]) -> None:
    for _ in range(100):
        got = (await app.http.get(f"{BASE}/executions/1", headers=h)).json()
        if got["status"] == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the execution never started")


class TestFirstSettlerWins:
    async def test_a_users_completion_survives_the_worker_finishing(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        h = _auth(await make_user())
        device = await real_device(servers[0], "web-1")
        playbook = {
            "name": "slow",
            "steps": [{"type": "command", "action": "sleep 1; echo worker; exit 3"}],
            "version": "1.0.0",
        }
        await app.http.post(BASE, json=playbook, headers=h)
        await app.http.post(
            f"{BASE}/1/execute", json={"device_ids": [device.id]}, headers=h
        )
        run = asyncio.create_task(engine.run(db, await _uuid(db), settings))
        await _until_running(app, h)
        body = {"status": "completed", "results": MINE}
        response = await app.http.put(f"{BASE}/executions/1", json=body, headers=h)
        assert response.json()["results"] == MINE
        await asyncio.wait_for(run, 15)
        got = (await app.http.get(f"{BASE}/executions/1", headers=h)).json()
        assert (got["status"], got["results"]) == ("completed", MINE)
        late = await app.http.put(
            f"{BASE}/executions/1", json={"results": {"x": 1}}, headers=h
        )
        assert (late.status_code, late.json()) == (
            409,
            {"detail": "Execution is already completed"},
        )


async def _uuid(db: Sessionmaker) -> str:
    async with db() as session:
        return (await service.get(session, 1)).uuid
