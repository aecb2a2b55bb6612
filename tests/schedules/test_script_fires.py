"""biRun script schedules: a fire submits the script on the schedule's servers."""

from __future__ import annotations

from datetime import timedelta

from app.db import Sessionmaker, unit_of_work, utcnow
from app.executions import engine
from app.executions import service as executions_service
from app.schedules import scheduler
from app.schedules import service as schedules_service
from app.scripts import service as scripts_service
from app.scripts.service import ScriptInput
from app.settings import Settings
from tests.executions.conftest import DeviceFactory, keyed_vault, real_device
from tests.schedules.test_scheduler import fires, set_next_run
from tests.sshd import asyncssh_server

__all__ = ["keyed_vault", "real_device"]  # fixtures shared with the executions tests


async def script_schedule(
    db: Sessionmaker, script_id: int, server_ids: list[int]
) -> int:
    async with unit_of_work(db) as session:
        schedule = await schedules_service.create_schedule(
            session,
            "script",
            {
                "name": "nightly",
                "script_id": script_id,
                "server_ids": server_ids,
                "schedule_type": "interval",
                "interval_seconds": 600,
                "config": {"timeout": 20},
            },
            None,
        )
    return schedule.id


class TestScriptFire:
    async def test_fire_runs_the_script_on_a_real_server(
        self, db: Sessionmaker, settings: Settings, real_device: DeviceFactory
    ) -> None:
        async with asyncssh_server() as ssh:
            device = await real_device(ssh, "app-1")
            async with unit_of_work(db) as session:
                script = await scripts_service.create(
                    session,
                    ScriptInput(
                        name="hi", content="#!/bin/sh\necho scheduled-$((6*7))"
                    ),
                )
            schedule_id = await script_schedule(db, script.id, [device.id])
            now = utcnow()
            await set_next_run(db, schedule_id, now - timedelta(seconds=1))
            done = await scheduler.tick(db, now)
            assert [s for s, _ in done.fired] == [schedule_id]
            [fire] = await fires(db, schedule_id)
            assert (fire.status, fire.reason) == ("fired", None)
            assert fire.script_execution_id is not None
            await engine.run(db, fire.script_execution_id, settings)
        async with db() as session:
            execution = await executions_service.get(session, fire.script_execution_id)
            [host] = await executions_service.hosts(session, execution)
        assert (execution.status, execution.script_id, execution.timeout) == (
            "completed",
            script.id,
            20,
        )
        assert (host.device_id, host.exit_code) == (device.id, 0)
        assert host.stdout.strip() == "scheduled-42"

    async def test_fire_of_a_deleted_script_is_recorded_as_failed(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with unit_of_work(db) as session:
            script = await scripts_service.create(
                session, ScriptInput(name="gone", content="true")
            )
        schedule_id = await script_schedule(db, script.id, [1])
        async with unit_of_work(db) as session:
            await scripts_service.delete(session, script.id)
            view = await schedules_service.run_now(session, schedule_id, "script")
        assert (view.fire.status, view.fire.script_execution_id) == ("failed", None)
        assert view.fire.reason
