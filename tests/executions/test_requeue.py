"""Pending executions whose queue message was lost are sent again, and run once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import update

from app import events, jobs
from app.db import Sessionmaker, unit_of_work, utcnow
from app.executions import engine, service
from app.executions.models import Execution
from app.settings import Settings
from tests.conftest import pg_settings
from tests.executions.conftest import (
    DeviceFactory,
    Inventory,
    submit_command,
)
from tests.sshd import SSHServer
from tests.workers import worker_env, worker_process

MINUTE = timedelta(minutes=1)


async def _finished(db: Sessionmaker, uuid: str) -> Execution:
    for _ in range(600):
        async with db() as session:
            execution = await service.get(session, uuid)
        if execution.status not in ("pending", "running"):
            return execution
        await asyncio.sleep(0.1)
    pytest.fail(f"execution {uuid} did not finish within 60 s")


async def _status(db: Sessionmaker, uuid: str) -> str:
    async with db() as session:
        return (await service.get(session, uuid)).status


async def _stream(db: Sessionmaker, uuid: str) -> list[events.Event]:
    return await events.history(db, service.stream_of(uuid), 0)


def _statuses(stream: list[events.Event]) -> list[str]:
    """Status changes and re-sends, in order (step, host and output left out)."""
    return [
        e.data["status"] if e.type == "status" else e.type
        for e in stream
        if e.type in ("status", "requeued")
    ]


@pytest.fixture
def redis_broker(pg_url: str, redis_url: str) -> RedisBroker:
    """The Redis broker the API uses, with every queue emptied."""
    broker = jobs.make_broker(pg_settings(pg_url, redis_url=redis_url))
    assert isinstance(broker, RedisBroker)
    broker.flush_all()
    return broker


async def _submit(db: Sessionmaker, device_id: int, command: str) -> str:
    async with unit_of_work(db) as session:
        execution = await service.submit_command(session, [device_id], command)
    return execution.uuid


async def _backdate(
    db: Sessionmaker, uuid: str, created: timedelta, sent: timedelta
) -> None:
    now = utcnow()
    async with unit_of_work(db) as session:
        await session.execute(
            update(Execution)
            .where(Execution.uuid == uuid)
            .values(created_at=now - created, updated_at=now - sent)
        )


class TestLostMessage:
    async def test_worker_reconciler_resends_it_and_it_runs_to_completion(
        self,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        redis_broker: RedisBroker,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        tmp_path: Path,
    ) -> None:
        device = await real_device(servers[0], "web-1")
        uuid = await _submit(db, device.id, "echo hello")
        assert redis_broker.do_qsize("ssh") == 1
        redis_broker.flush("ssh")  # the message is lost (Redis flushed)
        env = worker_env(
            pg_url,
            redis_url,
            OPSGRAPH_EXECUTION_REQUEUE_AFTER_SECONDS="1",
            OPSGRAPH_EXECUTION_RECONCILE_INTERVAL="0.3",
        )
        with worker_process(env, tmp_path / "worker.log"):
            execution = await _finished(db, uuid)
        async with db() as session:
            hosts = await service.hosts(session, execution)
        assert (execution.status, execution.lease_token) == ("completed", 1)
        assert [(h.status, h.stdout) for h in hosts] == [("completed", "hello")]
        stream = await _stream(db, uuid)
        assert _statuses(stream) == ["pending", "requeued", "running", "completed"]
        requeued = next(e for e in stream if e.type == "requeued")
        assert requeued.data["waited_seconds"] >= 1
        assert "unclaimed, re-sent" in (tmp_path / "worker.log").read_text()

    async def test_a_double_send_runs_once(
        self,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        redis_broker: RedisBroker,
        servers: list[SSHServer],
        real_device: DeviceFactory,
        tmp_path: Path,
    ) -> None:
        device = await real_device(servers[0], "web-1")
        uuid = await _submit(db, device.id, "sleep 0.3; echo once")
        assert (await service.reconcile(db, timedelta(0))).requeued == [uuid]
        assert redis_broker.do_qsize("ssh") == 2
        env = worker_env(pg_url, redis_url, OPSGRAPH_WORKER_THREADS="4")
        with worker_process(env, tmp_path / "worker.log"):
            execution = await _finished(db, uuid)
            for _ in range(100):
                if redis_broker.do_qsize("ssh") == 0:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # the duplicate's delivery, if still in flight
        async with db() as session:
            execution = await service.get(session, uuid)
            hosts = await service.hosts(session, execution)
        assert (execution.status, execution.lease_token) == ("completed", 1)
        assert [h.stdout for h in hosts] == ["once"]
        stream = await _stream(db, uuid)
        assert _statuses(stream) == ["pending", "requeued", "running", "completed"]
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [e.type for e in domain] == ["execution.completed"]


class TestRequeueRules:
    async def test_a_young_pending_execution_is_not_resent(
        self,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "true")
        assert (await service.reconcile(db, MINUTE)).requeued == []
        assert broker.queues["ssh"].qsize() == 1
        assert _statuses(await _stream(db, uuid)) == ["pending"]

    async def test_resends_wait_as_long_as_the_execution_had_waited(
        self,
        db: Sessionmaker,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "true")
        await _backdate(db, uuid, created=timedelta(seconds=300), sent=MINUTE * 1.5)
        assert (await service.reconcile(db, MINUTE)).requeued == []
        await _backdate(db, uuid, created=timedelta(seconds=300), sent=MINUTE * 3)
        assert (await service.reconcile(db, MINUTE)).requeued == [uuid]
        assert (await service.reconcile(db, MINUTE)).requeued == []
        assert broker.queues["ssh"].qsize() == 2
        stream = await _stream(db, uuid)
        assert _statuses(stream) == ["pending", "requeued"]
        assert 300 <= stream[1].data["waited_seconds"] < 310

    async def test_only_pending_executions_are_resent(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        done = await submit_command(db, inventory, [1], "true")
        await engine.run(db, done, settings, inventory.resolve)
        cancelled = await submit_command(db, inventory, [1], "true")
        async with unit_of_work(db) as session:
            await service.cancel(session, await service.get(session, cancelled))
        running = await submit_command(db, inventory, [1], "sleep 1")
        run = asyncio.create_task(engine.run(db, running, settings, inventory.resolve))
        for _ in range(100):
            if await _status(db, running) == "running":
                break
            await asyncio.sleep(0.05)
        for uuid in (done, cancelled, running):
            await _backdate(db, uuid, created=MINUTE * 10, sent=MINUTE * 10)
        assert (await service.reconcile(db, MINUTE)).requeued == []
        await run
        assert broker.queues["ssh"].qsize() == 3
        assert await _status(db, running) == "completed"

    async def test_executions_another_domain_drives_are_never_resent(
        self, db: Sessionmaker, broker: dramatiq.Broker
    ) -> None:
        async with unit_of_work(db) as session:
            driven = await service.submit(
                session,
                kind="ansible",
                steps=[{"type": "ansible_playbook", "action": "site"}],
                hosts=[service.HostRef(None, "localhost")],
                enqueue=False,
            )
        await _backdate(db, driven.uuid, created=MINUTE * 10, sent=MINUTE * 10)
        assert (await service.reconcile(db, MINUTE)).requeued == []
        assert broker.queues["ssh"].qsize() == 0
        assert await _status(db, driven.uuid) == "pending"
