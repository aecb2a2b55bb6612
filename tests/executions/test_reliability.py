"""Cancel, redelivery and lost workers: the execution state machine holds."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import dramatiq
import pytest
from sqlalchemy import update

from app import events
from app.db import Sessionmaker, unit_of_work
from app.executions import engine, service
from app.executions.errors import ExecutionFinishedError
from app.executions.models import Execution
from app.settings import Settings
from tests.executions.conftest import Inventory, submit_command

TICKER = "while true; do echo tick; sleep 0.05; done"
HOUR = timedelta(hours=1)


async def _status(db: Sessionmaker, uuid: str) -> str:
    async with db() as session:
        return (await service.get(session, uuid)).status


async def _wait_output(db: Sessionmaker, uuid: str) -> None:
    for _ in range(200):
        found = await events.history(db, service.stream_of(uuid), 0)
        if any(e.type == "output" for e in found):
            return
        await asyncio.sleep(0.05)
    pytest.fail("no output within 10 s")


class TestCancel:
    async def test_cancel_reaches_running_channels_within_a_second(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1, 2, 3], TICKER)
        run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        await _wait_output(db, uuid)
        async with unit_of_work(db) as session:
            await service.cancel(session, await service.get(session, uuid))
        started = time.monotonic()
        await asyncio.wait_for(run, 5)
        assert time.monotonic() - started < 1.0
        async with db() as session:
            execution = await service.get(session, uuid)
            hosts = await service.hosts(session, execution)
        assert execution.status == "cancelled"
        assert [h.status for h in hosts] == ["cancelled"] * 3
        assert all(h.stdout.startswith("tick") for h in hosts)
        stored = await events.history(db, service.stream_of(uuid), 0)
        finals = [e for e in stored if e.type == "status" and e.data["final"]]
        assert [e.data["status"] for e in finals] == ["cancelled"]

    async def test_cancel_of_a_pending_execution_means_it_never_runs(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "echo should-not-run")
        async with unit_of_work(db) as session:
            await service.cancel(session, await service.get(session, uuid))
        await engine.run(db, uuid, settings, inventory.resolve)
        async with db() as session:
            execution = await service.get(session, uuid)
            hosts = await service.hosts(session, execution)
        assert (execution.status, execution.started_at) == ("cancelled", None)
        assert [(h.status, h.stdout) for h in hosts] == [("cancelled", "")]

    async def test_cancel_of_a_finished_execution_is_refused(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "true")
        await engine.run(db, uuid, settings, inventory.resolve)
        with pytest.raises(ExecutionFinishedError):
            async with unit_of_work(db) as session:
                await service.cancel(session, await service.get(session, uuid))
        assert await _status(db, uuid) == "completed"


class TestRedelivery:
    async def test_second_delivery_of_a_finished_execution_is_a_no_op(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1, 2], "echo once")
        await engine.run(db, uuid, settings, inventory.resolve)
        before = await events.history(db, service.stream_of(uuid), 0)
        await engine.run(db, uuid, settings, inventory.resolve)
        after = await events.history(db, service.stream_of(uuid), 0)
        assert after == before
        assert await _status(db, uuid) == "completed"

    async def test_delivery_while_running_does_not_run_twice(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "sleep 0.5; echo once")
        first = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        await asyncio.sleep(0.2)
        await engine.run(db, uuid, settings, inventory.resolve)
        await first
        async with db() as session:
            hosts = await service.hosts(session, await service.get(session, uuid))
        assert [h.stdout for h in hosts] == ["once"]
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [e.type for e in domain] == ["execution.completed"]


class TestLease:
    async def test_reconciler_fails_an_execution_whose_lease_expired(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], TICKER)
        run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        await _wait_output(db, uuid)
        assert (await service.reconcile(db, HOUR)).failed == []
        async with unit_of_work(db) as session:  # the worker "stalls": lease runs out
            await session.execute(
                update(Execution)
                .where(Execution.uuid == uuid)
                .values(lease_expires_at=Execution.started_at)
            )
        assert (await service.reconcile(db, HOUR)).failed == [uuid]
        await asyncio.wait_for(run, 2)  # the stalled worker notices and stops
        async with db() as session:
            execution = await service.get(session, uuid)
        assert execution.status == "failed"
        assert "stopped renewing its lease" in execution.error_message
        assert "not re-run" in execution.error_message
        domain = await events.history(db, events.DOMAIN_STREAM, 0)
        assert [e.type for e in domain] == ["execution.failed"]

    async def test_heartbeat_keeps_a_long_run_alive(
        self,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        uuid = await submit_command(db, inventory, [1], "sleep 4.5; echo done")
        run = asyncio.create_task(engine.run(db, uuid, settings, inventory.resolve))
        for _ in range(9):
            await asyncio.sleep(0.5)
            assert (await service.reconcile(db, HOUR)).failed == []
        await run
        assert await _status(db, uuid) == "completed"
