"""Domain events start the workflows whose `trigger:event` node matches."""

from __future__ import annotations

from sqlalchemy import select

from app import events
from app.db import Sessionmaker, unit_of_work
from app.schedules import scheduler
from app.settings import Settings
from app.workflows import service
from app.workflows.models import WorkflowExecution


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
