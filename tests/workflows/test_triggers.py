"""Domain events and cron due times start workflows through their trigger nodes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app import events
from app.db import Sessionmaker, unit_of_work, utcnow
from app.schedules import scheduler
from app.settings import Settings
from app.workflows import service
from app.workflows.models import WorkflowCronTrigger, WorkflowExecution


async def emit(db: Sessionmaker, kind: str, **data: object) -> None:
    async with unit_of_work(db) as session:
        await events.emit_domain(session, kind, data)


class TestEventTriggers:
    async def test_matching_event_starts_the_workflow_once(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        await emit(db, "device.status.changed", device_id=0, new="down")  # history
        async with unit_of_work(db) as session:
            workflow = await service.create_workflow(
                session,
                {"name": "on-down", "edges": [], "nodes": [{
                    "id": "t", "type": "trigger:event",
                    "data": {"event_type": "device.status.changed",
                             "filter": {"new": "down"}},
                }]},
                None,
            )  # fmt: skip
        first = await scheduler.tick(db)
        assert first.event_runs == 0  # the cursor starts at the stream's head
        await emit(db, "device.status.changed", device_id=7, new="down")
        await emit(db, "device.status.changed", device_id=8, new="up")
        await emit(db, "device.discovered", device_id=9, new="down")
        second = await scheduler.tick(db)
        third = await scheduler.tick(db)
        assert (second.event_runs, third.event_runs) == (1, 0)
        async with db() as session:
            runs = list(await session.scalars(select(WorkflowExecution)))
        assert [(r.workflow_id, r.trigger_type) for r in runs] == [
            (workflow.id, "event")
        ]
        assert runs[0].trigger_data["device_id"] == 7
        assert runs[0].trigger_data["event_type"] == "device.status.changed"


async def cron_rows(db: Sessionmaker) -> list[WorkflowCronTrigger]:
    async with db() as session:
        query = select(WorkflowCronTrigger).order_by(WorkflowCronTrigger.node_id)
        return list(await session.scalars(query))


async def set_due(db: Sessionmaker, when: datetime) -> None:
    async with unit_of_work(db) as session:
        await session.execute(update(WorkflowCronTrigger).values(next_run_at=when))


async def runs_of(db: Sessionmaker) -> list[WorkflowExecution]:
    async with db() as session:
        query = select(WorkflowExecution).order_by(WorkflowExecution.created_at)
        return list(await session.scalars(query))


NIGHTLY = {
    "id": "nightly",
    "type": "trigger:cron",
    "data": {"cron_expression": "30 2 * * *", "timezone": "Europe/Paris"},
}


class TestCronTriggers:
    async def test_due_trigger_starts_the_workflow_once_per_due_time(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with unit_of_work(db) as session:
            workflow = await service.create_workflow(
                session, {"name": "nightly", "nodes": [NIGHTLY], "edges": []}, None
            )
        [row] = await cron_rows(db)
        now = utcnow()
        local = row.next_run_at.astimezone(ZoneInfo("Europe/Paris"))
        assert (local.hour, local.minute) == (2, 30)
        assert now < row.next_run_at <= now + timedelta(days=1)
        due = now.replace(microsecond=0) - timedelta(seconds=5)
        await set_due(db, due)
        passes = [await scheduler.tick(db, now) for _ in range(3)]
        assert [p.cron_runs for p in passes] == [1, 0, 0]
        [run] = await runs_of(db)
        assert (run.workflow_id, run.trigger_type) == (workflow.id, "schedule")
        assert run.trigger_data == {
            "node_id": "nightly",
            "cron_expression": "30 2 * * *",
            "fire_time": due.isoformat(),
        }
        [row] = await cron_rows(db)
        assert (row.last_run_at, row.next_run_at > now) == (due, True)

    async def test_due_time_missed_beyond_tolerance_is_skipped(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        async with unit_of_work(db) as session:
            await service.create_workflow(
                session, {"name": "late", "nodes": [NIGHTLY], "edges": []}, None
            )
        now = utcnow()
        await set_due(db, now - timedelta(days=2))
        assert (await scheduler.tick(db, now)).cron_runs == 0
        assert await runs_of(db) == []
        [row] = await cron_rows(db)
        assert (row.last_run_at, row.next_run_at > now) == (None, True)

    async def test_rows_follow_the_saved_graph(
        self, db: Sessionmaker, settings: Settings
    ) -> None:
        birun = {"id": "t", "type": "trigger", "data": {"cron_expression": "0 2 * * *"}}
        async with unit_of_work(db) as session:
            workflow = await service.create_workflow(
                session, {"name": "g", "nodes": [NIGHTLY, birun], "edges": []}, None
            )
        before = {r.node_id: r.next_run_at for r in await cron_rows(db)}
        assert set(before) == {"nightly", "t"}
        hourly = {**birun, "data": {"cron_expression": "0 * * * *"}}
        async with unit_of_work(db) as session:
            await service.update_workflow(
                session, workflow.id, {"nodes": [NIGHTLY, hourly], "edges": []}
            )
        after = {
            r.node_id: (r.cron_expression, r.next_run_at) for r in await cron_rows(db)
        }
        assert after["nightly"] == ("30 2 * * *", before["nightly"])
        assert after["t"][0] == "0 * * * *"
        async with unit_of_work(db) as session:
            await service.update_workflow(
                session, workflow.id, {"nodes": [hourly], "edges": [], "enabled": False}
            )
        assert [r.node_id for r in await cron_rows(db)] == ["t"]
        await set_due(db, utcnow() - timedelta(seconds=1))
        assert (await scheduler.tick(db)).cron_runs == 0  # disabled
        async with unit_of_work(db) as session:
            await service.update_workflow(session, workflow.id, {"is_template": True})
        assert await cron_rows(db) == []
