"""Mutations of the schedules domain."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.devices.graphql.types import Device
from app.errors import DomainError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission
from app.graphql.types import E, Error, error_from
from app.schedules import service
from app.schedules.errors import InvalidScheduleError
from app.schedules.graphql.types import (
    DeleteScheduleSuccess,
    InvalidSchedule,
    RunScheduleSuccess,
    Schedule,
    ScheduleFire,
    ScheduleNotFound,
    ScheduleSuccess,
)
from app.scripts.graphql.types import Script
from app.workflows.errors import WorkflowNotFoundError
from app.workflows.graphql.types import Workflow

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
SAVE_ERRORS = (ScheduleNotFound, InvalidSchedule)


@strawberry.input(description="Fields of a schedule; unset ones keep their value.")
class ScheduleInput:
    name: str | None = strawberry.field(default=None, description="Name.")
    workflow_id: strawberry.ID | None = strawberry.field(
        default=None, description="Workflow (global id)."
    )
    script_id: strawberry.ID | None = strawberry.field(
        default=None, description="biRun script (global id)."
    )
    server_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Servers (device global ids)."
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
        """The fields that were given, with global ids as row keys."""
        given = {k: v for k, v in vars(self).items() if v is not None}
        if "workflow_id" in given:
            given["workflow_id"] = key_of(
                given["workflow_id"], Workflow, field="workflowId"
            )
        if "script_id" in given:
            given["script_id"] = key_of(given["script_id"], Script, field="scriptId")
        if "server_ids" in given:
            given["server_ids"] = keys_of(
                given["server_ids"], Device, field="serverIds"
            )
        return given


def _failure(exc: Exception) -> Error | None:
    """The member naming `exc`'s condition and, when the error names none,
    the input field at fault."""
    if isinstance(exc, InvalidScheduleError):
        return error_from(InvalidSchedule, exc)
    if isinstance(exc, WorkflowNotFoundError):
        return _naming(error_from(InvalidSchedule, exc), exc, "workflowId")
    if isinstance(exc, NotFoundError):
        if exc.details.get("field") in ("workflowId", "serverIds"):
            return error_from(InvalidSchedule, exc)
        return _naming(error_from(ScheduleNotFound, exc), exc, "id")
    return None


def _naming(member: E, exc: DomainError, field: str) -> E:
    """`member` blaming `field` when `exc` names no field."""
    if "field" not in exc.details:
        member.field = field
    return member


async def _shaped(schedule: Any) -> ScheduleSuccess:
    return ScheduleSuccess(schedule=Schedule.from_model(schedule))


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
        async with expected(*SAVE_ERRORS, via=_failure, db=info.context.db) as out:
            schedule = await service.create_schedule(
                out.session,
                target,
                input.fields(),
                principal.user_id if principal else None,
            )
        return out.error or await _shaped(schedule)

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
        async with expected(*SAVE_ERRORS, via=_failure, db=info.context.db) as out:
            key = key_of(id, Schedule, field="id")
            schedule = await service.update_schedule(
                out.session, key, target, input.fields()
            )
        return out.error or await _shaped(schedule)

    @strawberry.mutation(
        description="Delete a schedule with its record of fires.",
        permission_classes=[HasPermission("schedules.job.delete")],
    )
    async def delete_schedule(
        self, info: Info, id: strawberry.ID, target: str = "workflow"
    ) -> DeleteSchedulePayload:
        async with expected(ScheduleNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Schedule, field="id")
            await service.delete_schedule(out.session, key, target)
        return out.error or DeleteScheduleSuccess(deleted_id=global_id(Schedule, key))

    @strawberry.mutation(
        description="Fire a schedule now, outside its timing.",
        permission_classes=[HasPermission("schedules.job.execute")],
    )
    async def run_schedule_now(
        self, info: Info, id: strawberry.ID, target: str = "workflow"
    ) -> RunSchedulePayload:
        async with expected(ScheduleNotFound, via=_failure, db=info.context.db) as out:
            key = key_of(id, Schedule, field="id")
            view = await service.run_now(out.session, key, target)
        return out.error or RunScheduleSuccess(fire=ScheduleFire.from_model(view.fire))
