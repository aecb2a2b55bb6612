"""`max_concurrent_executions` and `long_running_delay_seconds` through biRun."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dramatiq
import pytest

from app import events
from app.cli import upgrade_database
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.executions import admission, engine, service
from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.executions.conftest import DeviceFactory
from tests.sshd import SSHServer
from tests.workers import worker_env, worker_process

BASE = "/birun/api"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _status(app: RunningApp, token: str, uuid: str) -> str:
    response = await app.http.get(
        f"{BASE}/scripts/executions/{uuid}", headers=_h(token)
    )
    return str(response.json()["status"])


async def _until_running(app: RunningApp, token: str, uuid: str) -> None:
    for _ in range(200):
        if await _status(app, token, uuid) == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{uuid} never started")


async def _setup(
    app: RunningApp,
    token: str,
    device_id: int,
    settings: dict[str, Any],
    seconds: int = 1,
) -> list[str]:
    """Apply biRun settings; queue two runs of a script taking `seconds`."""
    response = await app.http.put(f"{BASE}/settings/", json=settings, headers=_h(token))
    assert response.status_code == 200, response.text
    script = {"name": "slow", "content": f"#!/bin/sh\nsleep {seconds}\necho done\n"}
    await app.http.post(f"{BASE}/scripts/", json=script, headers=_h(token))
    queued = []
    for _ in range(2):
        response = await app.http.post(
            f"{BASE}/scripts/1/execute",
            json={"server_ids": [device_id]},
            headers=_h(token),
        )
        queued.append(str(response.json()["execution_id"]))
    return queued


class TestMaxConcurrentExecutions:
    async def test_at_one_the_second_waits_pending_and_starts_in_order(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("admin",))
        device = await real_device(servers[0], "web-1")
        first, second = await _setup(
            app, token, device.id, {"max_concurrent_executions": 1}
        )
        await engine.run(db, second, settings)  # may not jump the line
        assert await _status(app, token, second) == "pending"
        running = asyncio.create_task(engine.run(db, first, settings))
        await _until_running(app, token, first)
        await engine.run(db, second, settings)  # another worker: no free slot
        assert await _status(app, token, second) == "pending"
        assert broker.queues["ssh.DQ"].qsize() == 2  # it asks again, later
        await asyncio.wait_for(running, 15)
        await engine.run(db, second, settings)
        assert [await _status(app, token, u) for u in (first, second)] == [
            "completed",
            "completed",
        ]


class TestLongRunning:
    async def test_an_alert_and_an_event_once_past_the_delay(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("admin",))
        device = await real_device(servers[0], "web-1")
        first, _ = await _setup(
            app, token, device.id, {"long_running_delay_seconds": 1}, seconds=3
        )
        running = asyncio.create_task(engine.run(db, first, settings))
        await _until_running(app, token, first)
        assert (await service.reconcile(db, timedelta(hours=1))).long_running == []
        await asyncio.sleep(1.1)
        passes = [await service.reconcile(db, timedelta(hours=1)) for _ in range(2)]
        assert [p.long_running for p in passes] == [[first], []]
        await asyncio.wait_for(running, 15)
        alerts = (await app.http.get("/api/alerts", headers=_h(token))).json()
        titles = [a["title"] for a in alerts["data"]["alerts"]]
        assert titles == ["Execution 1 is running long"]
        facts = await events.history(db, events.DOMAIN_STREAM, 0)
        said = [
            e.data["execution_id"] for e in facts if e.type == "execution.long_running"
        ]
        assert said == [first]


@pytest.fixture(params=["postgresql", "sqlite"])
async def either_db(
    request: pytest.FixtureRequest, db: Sessionmaker, tmp_data_dir: Path
) -> AsyncIterator[Sessionmaker]:
    """The test PostgreSQL database, or a migrated embedded SQLite one."""
    if request.param == "postgresql":
        yield db
        return
    embedded = Settings(_env_file=None, data_dir=tmp_data_dir)
    await asyncio.to_thread(upgrade_database, embedded)
    engine = make_engine(embedded.sqlalchemy_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


class TestClaimOnBothDialects:
    async def test_one_slot_first_come_first_served(
        self, either_db: Sessionmaker, broker: dramatiq.Broker
    ) -> None:
        uuids = []
        for _ in range(2):
            async with unit_of_work(either_db) as session:
                execution = await service.submit(
                    session,
                    kind="command",
                    steps=[{"type": "command", "action": "true"}],
                    hosts=[],
                )
                uuids.append(execution.uuid)
        one = admission.Slots(1, service.EXTERNAL_KINDS)

        async def claim(uuid: str) -> bool:
            async with unit_of_work(either_db) as session:
                lease = timedelta(seconds=30)
                return await admission.claim(session, uuid, "t", lease, one) is not None

        assert [await claim(uuids[1]), await claim(uuids[0])] == [False, True]
        assert await claim(uuids[1]) is False
        async with unit_of_work(either_db) as session:
            first = await service.get(session, uuids[0])
            await service.settle(session, first, "completed")
        assert await claim(uuids[1]) is True


class TestAcrossWorkerProcesses:
    async def test_two_workers_run_one_execution_at_a_time_in_order(
        self,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        tmp_path: Path,
        make_user: TokenFactory,
    ) -> None:
        env = worker_env(pg_url, redis_url, OPSGRAPH_MAX_CONCURRENT_EXECUTIONS="1")
        h = _h(await make_user())
        wait = {"name": "wait", "steps": [{"type": "wait", "action": "1.5"}]}
        async with serve(pg_settings(pg_url, redis_url=redis_url)) as api:
            await api.http.post("/api/v1/playbooks", json=wait, headers=h)
            for _ in range(2):
                await api.http.post("/api/v1/playbooks/1/execute", headers=h)
        seen: set[tuple[str, str]] = set()
        with (
            worker_process(env, tmp_path / "one.log"),
            worker_process(env, tmp_path / "two.log"),
        ):
            for _ in range(400):
                async with db() as session:
                    rows = [await service.get(session, n) for n in (1, 2)]
                seen.add((rows[0].status, rows[1].status))
                if rows[1].status == "completed":
                    break
                await asyncio.sleep(0.05)
        assert ("running", "running") not in seen
        assert ("running", "pending") in seen
        first, second = rows
        assert (first.status, second.status) == ("completed", "completed")
        assert first.completed_at is not None
        assert second.started_at is not None
        assert second.started_at >= first.completed_at
