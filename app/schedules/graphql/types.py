"""GraphQL types of schedules and their fires."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from app.devices.graphql.types import Device
from app.executions.graphql.types import Execution
from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id
from app.graphql.types import Error
from app.schedules import service
from app.schedules.models import Schedule as ScheduleModel
from app.schedules.models import ScheduleFire as FireModel
from app.scripts.graphql.types import Script
from app.workflows.graphql.types import Workflow, WorkflowExecution

K = TypeVar("K")


def _statuses(
    info: Info,
    name: str,
    fetch: Callable[[AsyncSession, list[K]], Awaitable[Mapping[K, str]]],
) -> DataLoader[K, str | None]:
    """This request's loader `name` of statuses `fetch` finds by key."""
    loaders = info.context.loaders
    if name not in loaders:
        db = info.context.db

        async def load(keys: Sequence[K]) -> list[str | None]:
            async with db() as session:
                found = await fetch(session, list(keys))
            return [found.get(k) for k in keys]

        loaders[name] = DataLoader(load_fn=load)
    loader: DataLoader[K, str | None] = loaders[name]
    return loader


@strawberry.type(
    description="A cron or interval schedule starting a workflow or script."
)
class Schedule(Entity):
    table = ScheduleModel
    permission = "schedules.job.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Schedule name.")
    target: str = strawberry.field(description="`workflow` or `script`.")
    workflow_id: strawberry.ID | None = strawberry.field(
        description="Workflow run (global id)."
    )
    script_id: strawberry.ID | None = strawberry.field(
        description="The biRun script run (Script global id)."
    )
    server_ids: list[strawberry.ID] = strawberry.field(
        description="biRun servers (device global ids)."
    )
    schedule_type: str = strawberry.field(description="`cron` or `interval`.")
    cron_expression: str | None = strawberry.field(description="Cron, in `timezone`.")
    interval_seconds: int | None = strawberry.field(description="Interval length.")
    timezone: str = strawberry.field(description="IANA zone the cron is read in.")
    config: JSON = strawberry.field(description="Trigger data given to each run.")
    enabled: bool = strawberry.field(description="Whether it fires.")
    last_run_at: datetime | None = strawberry.field(description="Last fire time.")
    next_run_at: datetime | None = strawberry.field(description="Next due time.")

    @strawberry.field(description="Last outcome.")
    async def last_status(self, info: Info) -> str | None:
        loader = _statuses(info, "schedules:last_status", service.last_statuses)
        return await loader.load(self.number)

    @classmethod
    def from_model(cls, s: ScheduleModel) -> Schedule:
        return cls(
            number=s.id, name=s.name, target=s.target,
            workflow_id=global_id(Workflow, s.workflow_id) if s.workflow_id else None,
            script_id=global_id(Script, s.script_id) if s.script_id else None,
            server_ids=[global_id(Device, d) for d in s.server_ids],
            schedule_type=s.schedule_type, cron_expression=s.cron_expression,
            interval_seconds=s.interval_seconds, timezone=s.timezone,
            config=s.config, enabled=s.enabled, last_run_at=s.last_run_at,
            next_run_at=s.next_run_at,
        )  # fmt: skip


@strawberry.type(description="One due time of a schedule: fired, skipped or failed.")
class ScheduleFire(Entity):
    table = FireModel
    permission = "schedules.job.view"

    number: int = strawberry.field(description="Row id.")
    schedule_id: strawberry.ID = strawberry.field(
        description="Its schedule (global id)."
    )
    fire_time: datetime = strawberry.field(description="The due time.")
    reason: str | None = strawberry.field(
        description="Why skipped or failed (a failed script's error)."
    )
    missed_count: int = strawberry.field(description="Due times this row skips.")
    manual: bool = strawberry.field(description="Fired by `runScheduleNow`.")
    execution_id: strawberry.ID | None = strawberry.field(
        description="The run: a WorkflowExecution or an Execution (global id)."
    )
    own_status: strawberry.Private[str]
    run_id: strawberry.Private[str | None]

    @strawberry.field(
        description=(
            "Workflow fires: the run's status. Script fires: `fired`, then the "
            "execution's outcome (completed, failed, cancelled). Or skipped/failed."
        )
    )
    async def status(self, info: Info) -> str:
        if self.run_id is None:
            return self.own_status
        loader = _statuses(info, "schedules:run_status", service.run_statuses)
        return await loader.load(self.run_id) or self.own_status

    @classmethod
    def from_model(cls, f: FireModel) -> ScheduleFire:
        run = (
            global_id(WorkflowExecution, f.workflow_execution_id)
            if f.workflow_execution_id
            else global_id(Execution, f.script_execution_id)
            if f.script_execution_id
            else None
        )
        return cls(
            number=f.id, schedule_id=global_id(Schedule, f.schedule_id),
            fire_time=f.fire_time, reason=f.reason,
            missed_count=f.missed_count, manual=f.manual, execution_id=run,
            own_status=f.status, run_id=f.workflow_execution_id,
        )  # fmt: skip


@strawberry.input(description="Which schedules to list; every given filter applies.")
class ScheduleFilter:
    target: str = strawberry.field(
        default="workflow", description="`workflow` or `script`."
    )
    enabled: bool | None = strawberry.field(
        default=None, description="Only enabled (true) or disabled (false) ones."
    )


@strawberry.type(description="The schedule as saved.")
class ScheduleSuccess:
    schedule: Schedule = strawberry.field(description="The schedule.")


@strawberry.type(description="The schedule was deleted.")
class DeleteScheduleSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted schedule."
    )


@strawberry.type(description="The schedule fired now.")
class RunScheduleSuccess:
    fire: ScheduleFire = strawberry.field(description="The recorded fire.")


@strawberry.type(description="No schedule has that id.")
class ScheduleNotFound(Error):
    pass


@strawberry.type(description="The timing or target breaks a rule.")
class InvalidSchedule(Error):
    pass
