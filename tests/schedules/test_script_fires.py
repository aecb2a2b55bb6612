"""biRun script schedules: a fire submits the script and ends with its outcome."""

from __future__ import annotations

from datetime import timedelta

from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service as devices_service
from app.devices.models import Device
from app.executions import engine
from app.executions import service as executions_service
from app.schedules import scheduler
from app.schedules import service as schedules_service
from app.schedules.models import ScheduleFire
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


async def fire_script(
    db: Sessionmaker, settings: Settings, device: Device, content: str
) -> tuple[int, ScheduleFire]:
    """Store `content` as a script, fire its schedule and run what the fire queued.

    A pass before the execution ends leaves the fire `fired`; the pass after it
    gives the fire the execution's outcome.
    """
    async with unit_of_work(db) as session:
        script = await scripts_service.create(
            session, ScriptInput(name=f"s-{device.name}", content=content)
        )
    schedule_id = await script_schedule(db, script.id, [device.id])
    now = utcnow()
    await set_next_run(db, schedule_id, now - timedelta(seconds=1))
    done = await scheduler.tick(db, now)
    assert [s for s, _ in done.fired] == [schedule_id]
    [fire] = await fires(db, schedule_id)
    assert (fire.status, fire.reason) == ("fired", None)
    assert fire.script_execution_id is not None
    assert (await scheduler.tick(db, now)).settled == 0
    await engine.run(db, fire.script_execution_id, settings)
    assert (await scheduler.tick(db, now)).settled == 1
    [fire] = await fires(db, schedule_id)
    return schedule_id, fire


async def last_status(db: Sessionmaker, schedule_id: int) -> str | None:
    async with db() as session:
        return (await schedules_service.last_statuses(session, [schedule_id]))[
            schedule_id
        ]


class TestScriptFire:
    async def test_fire_ends_completed_when_the_script_succeeds(
        self, db: Sessionmaker, settings: Settings, real_device: DeviceFactory
    ) -> None:
        async with asyncssh_server() as ssh:
            device = await real_device(ssh, "app-1")
            schedule_id, fire = await fire_script(
                db, settings, device, "#!/bin/sh\necho scheduled-$((6*7))"
            )
        assert (fire.status, fire.reason) == ("completed", None)
        assert await last_status(db, schedule_id) == "completed"
        async with db() as session:
            execution = await executions_service.get(
                session, fire.script_execution_id or ""
            )
            [host] = await executions_service.hosts(session, execution)
        assert (execution.status, execution.timeout) == ("completed", 20)
        assert (host.device_id, host.exit_code) == (device.id, 0)
        assert host.stdout.strip() == "scheduled-42"
        async with db() as session:
            [view] = await schedules_service.list_fires(session, schedule_id, "script")
        assert view.status == "completed"

    async def test_fire_ends_failed_when_the_script_fails(
        self, db: Sessionmaker, settings: Settings, real_device: DeviceFactory
    ) -> None:
        async with asyncssh_server() as ssh:
            device = await real_device(ssh, "app-2")
            schedule_id, fire = await fire_script(
                db, settings, device, "#!/bin/sh\necho disk full >&2\nexit 4"
            )
        async with db() as session:
            execution = await executions_service.get(
                session, fire.script_execution_id or ""
            )
            [host] = await executions_service.hosts(session, execution)
        assert (host.exit_code, host.stderr.strip()) == (4, "disk full")
        assert execution.status == "failed"
        assert (fire.status, fire.reason) == ("failed", execution.error_message)
        assert await last_status(db, schedule_id) == "failed"

    async def test_fire_whose_execution_vanished_ends_failed(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with unit_of_work(db) as session:
            script = await scripts_service.create(
                session, ScriptInput(name="lost", content="true")
            )
            server = await devices_service.create_device(
                session, devices_service.DeviceInput(address="127.0.0.1")
            )
        schedule_id = await script_schedule(db, script.id, [server.id])
        async with unit_of_work(db) as session:
            schedule = await schedules_service.get_schedule(
                session, schedule_id, "script"
            )
            fire = ScheduleFire(
                schedule_id=schedule.id,
                fire_time=utcnow(),
                status="fired",
                script_execution_id="00000000-0000-0000-0000-000000000000",
            )
            session.add(fire)
        assert (await scheduler.tick(db)).settled == 1
        [fire] = await fires(db, schedule_id)
        assert (fire.status, fire.reason) == (
            "failed",
            "its execution no longer exists",
        )

    async def test_fire_of_a_deleted_script_is_recorded_as_failed(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with unit_of_work(db) as session:
            script = await scripts_service.create(
                session, ScriptInput(name="gone", content="true")
            )
            server = await devices_service.create_device(
                session, devices_service.DeviceInput(address="127.0.0.1")
            )
        schedule_id = await script_schedule(db, script.id, [server.id])
        async with unit_of_work(db) as session:
            await scripts_service.delete(session, script.id)
            view = await schedules_service.run_now(session, schedule_id, "script")
        assert (view.fire.status, view.fire.script_execution_id) == ("failed", None)
        assert view.fire.reason
