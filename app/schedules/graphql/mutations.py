"""Mutations of the schedules domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.schedules import service
from app.schedules.errors import InvalidScheduleError, ScheduleNotFoundError
from app.schedules.graphql.types import (
    DeleteScheduleSuccess,
    InvalidSchedule,
    RunScheduleSuccess,
    Schedule,
    ScheduleFire,
    ScheduleNotFound,
    ScheduleSuccess,
)
from app.workflows.errors import WorkflowNotFoundError

SaveSchedulePayload = Annotated[
    ScheduleSuccess | ScheduleNotFound | InvalidSchedule,
    strawberry.union("SaveSchedulePayload"),
]
DeleteSchedulePayload = Annotated[
    DeleteScheduleSuccess | ScheduleNotFound, strawberry.union("DeleteSchedulePayload")
]
RunSchedulePayload = Annotated[
    RunScheduleSuccess | ScheduleNotFound, strawberry.union("RunSchedulePayload")
]


@strawberry.input(description="Fields of a schedule; unset ones keep their value.")
class ScheduleInput:
    name: str | None = strawberry.field(default=None, description="Name.")
    workflow_id: strawberry.ID | None = strawberry.field(
        default=None, description="Workflow."
    )
    script_id: int | None = strawberry.field(default=None, description="biRun script.")
    server_ids: list[int] | None = strawberry.field(
        default=None, description="Servers."
    )
    schedule_type: str | None = strawberry.field(
        default=None, description="cron|interval."
    )
    cron_expression: str | None = strawberry.field(default=None, description="Cron.")
    interval_seconds: int | None = strawberry.field(
        default=None, description="Seconds."
    )
    timezone: str | None = strawberry.field(default=None, description="IANA zone.")
    config: JSON | None = strawberry.field(default=None, description="Trigger data.")
    enabled: bool | None = strawberry.field(default=None, description="Fires or not.")

    def fields(self) -> dict[str, Any]:
        """The fields that were given."""
        return {k: v for k, v in vars(self).items() if v is not None}


def _number(schedule_id: strawberry.ID) -> int:
    """A schedule id as an integer; a malformed one matches no schedule."""
    return int(schedule_id) if str(schedule_id).isdigit() else 0


def _failure(exc: Exception, schedule_id: strawberry.ID | None = None) -> Any:
    if isinstance(exc, ScheduleNotFoundError):
        return ScheduleNotFound(message=exc.message, schedule_id=schedule_id or "")
    if isinstance(exc, InvalidScheduleError):
        return InvalidSchedule(message=exc.message, field=str(exc.details["field"]))
    if isinstance(exc, WorkflowNotFoundError):
        return InvalidSchedule(message=exc.message, field="workflow_id")
    raise exc


EXPECTED = (ScheduleNotFoundError, InvalidScheduleError, WorkflowNotFoundError)


async def _shaped(info: Info, schedule: Any) -> ScheduleSuccess:
    async with info.context.db() as session:
        statuses = await service.last_statuses(session, [schedule.id])
    return ScheduleSuccess(
        schedule=Schedule.from_model(schedule, statuses.get(schedule.id))
    )


@strawberry.type
class SchedulesMutation:
    @strawberry.mutation(
        description="Create a schedule of `target` kind (`workflow` or `script`).",
        permission_classes=[HasPermission("schedules.job.create")],
    )
    async def create_schedule(
        self, info: Info, input: ScheduleInput, target: str = "workflow"
    ) -> SaveSchedulePayload:
        principal = info.context.principal
        try:
            async with unit_of_work(info.context.db) as session:
                schedule = await service.create_schedule(
                    session,
                    target,
                    input.fields(),
                    principal.user_id if principal else None,
                )
        except EXPECTED as exc:
            return _failure(exc)
        return await _shaped(info, schedule)

    @strawberry.mutation(
        description="Change a schedule; changed timing recomputes the next run.",
        permission_classes=[HasPermission("schedules.job.update")],
    )
    async def update_schedule(
        self,
        info: Info,
        id: strawberry.ID,
        input: ScheduleInput,
        target: str = "workflow",
    ) -> SaveSchedulePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                schedule = await service.update_schedule(
                    session, _number(id), target, input.fields()
                )
        except EXPECTED as exc:
            return _failure(exc, id)
        return await _shaped(info, schedule)

    @strawberry.mutation(
        description="Delete a schedule with its record of fires.",
        permission_classes=[HasPermission("schedules.job.delete")],
    )
    async def delete_schedule(
        self, info: Info, id: strawberry.ID, target: str = "workflow"
    ) -> DeleteSchedulePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_schedule(session, _number(id), target)
        except ScheduleNotFoundError as exc:
            return _failure(exc, id)
        return DeleteScheduleSuccess(id=id)

    @strawberry.mutation(
        description="Fire a schedule now, outside its timing.",
        permission_classes=[HasPermission("schedules.job.execute")],
    )
    async def run_schedule_now(
        self, info: Info, id: strawberry.ID, target: str = "workflow"
    ) -> RunSchedulePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                view = await service.run_now(session, _number(id), target)
        except ScheduleNotFoundError as exc:
            return _failure(exc, id)
        return RunScheduleSuccess(fire=ScheduleFire.from_view(view))
