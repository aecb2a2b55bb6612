"""System statistics wired to devices, workflows and executions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service as devices_service
from app.executions import admission
from app.executions import service as executions_service
from app.executions.models import CANCELLED, COMPLETED, FAILED
from app.workflows import service as workflows_service
from tests.conftest import RunningApp, TokenFactory

ANY_SLOT = admission.Slots(1000, executions_service.EXTERNAL_KINDS)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _devices(db: Sessionmaker, statuses: list[str]) -> None:
    async with unit_of_work(db) as session:
        for n, status in enumerate(statuses, start=1):
            device = await devices_service.create_device(
                session, devices_service.DeviceInput(address=f"127.0.9.{n}")
            )
            await devices_service.set_status(session, device.id, status)


async def _workflows(db: Sessionmaker, enabled: list[bool]) -> None:
    async with unit_of_work(db) as session:
        for n, flag in enumerate(enabled):
            await workflows_service.create_workflow(
                session, {"name": f"w{n}", "enabled": flag}, None
            )
        await workflows_service.create_workflow(
            session, {"name": "template", "is_template": True}, None
        )


async def _execution(
    db: Sessionmaker,
    end: str | None = None,
    *,
    started: datetime | None = None,
    completed: datetime | None = None,
) -> None:
    """One execution: pending, claimed (running) when `started`, or settled."""
    async with unit_of_work(db) as session:
        execution = await executions_service.submit(
            session, kind="command", steps=[{"type": "command"}], hosts=[]
        )
        if started is not None:
            claimed = await admission.claim(
                session, execution.uuid, "test", timedelta(minutes=5), ANY_SLOT
            )
            assert claimed is not None
            claimed.started_at = started
        if end is not None:
            done = await executions_service.settle(session, execution, end)
            done.completed_at = completed or done.completed_at


async def _executions(db: Sessionmaker, now: datetime) -> None:
    """2 pending, 2 running (1 started in the last hour), finished ones."""
    for _ in range(2):
        await _execution(db)
    await _execution(db, started=now - timedelta(minutes=10))
    await _execution(db, started=now - timedelta(hours=3))
    await _execution(db, COMPLETED, completed=now)
    await _execution(db, COMPLETED, completed=now)
    await _execution(db, COMPLETED, completed=now - timedelta(days=2))
    await _execution(db, FAILED, completed=now)
    await _execution(db, FAILED, completed=now - timedelta(days=2))
    await _execution(db, CANCELLED, completed=now)


class TestOpsConductorStats:
    async def test_counts_devices_workflows_and_jobs(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        await _devices(db, ["up", "up", "up", "down", "unknown"])
        await _workflows(db, [True, True, False])
        await _executions(db, utcnow())
        token = await make_user("v", roles=("viewer",))
        response = await app.http.get("/api/system/stats", headers=bearer(token))
        assert (response.status_code, response.json()) == (
            200,
            {
                "success": True,
                "data": {
                    "devices": {"total": 5, "up": 3, "down": 1},
                    "workflows": {"total": 3, "enabled": 2},
                    "jobs": {"running": 2, "queued": 2, "completed_today": 2},
                },
            },
        )

    async def test_empty_deployment_counts_zero(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.get("/api/system/stats", headers=bearer(token))
        assert response.json()["data"] == {
            "devices": {"total": 0, "up": 0, "down": 0},
            "workflows": {"total": 0, "enabled": 0},
            "jobs": {"running": 0, "queued": 0, "completed_today": 0},
        }

    async def test_needs_a_login(self, app: RunningApp) -> None:
        response = await app.http.get("/api/system/stats")
        assert response.status_code == 401


class TestBirunHealthMetrics:
    async def test_running_and_last_hour(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        await _executions(db, utcnow())
        token = await make_user()
        body = (await app.http.get("/birun/api/health", headers=bearer(token))).json()
        assert body["system_metrics"] == {
            "max_concurrent_executions": 8,
            "current_running_executions": 2,
            "recent_executions_1h": {"completed": 2, "running": 1, "failed": 1},
        }


class TestExecutionActivity:
    async def test_windows_are_utc_midnight_and_one_hour(
        self, db: Sessionmaker
    ) -> None:
        now = datetime(2030, 1, 2, 12, 0, tzinfo=UTC)
        await _execution(db, COMPLETED, completed=now - timedelta(minutes=59))
        await _execution(db, COMPLETED, completed=now - timedelta(hours=11))
        await _execution(db, COMPLETED, completed=now - timedelta(hours=12, seconds=1))
        await _execution(db, FAILED, completed=now - timedelta(hours=2))
        async with db() as session:
            found = await executions_service.activity(session, now)
        assert found == executions_service.Activity(
            running=0,
            pending=0,
            completed_today=2,
            completed_1h=1,
            failed_1h=0,
            running_1h=0,
        )
