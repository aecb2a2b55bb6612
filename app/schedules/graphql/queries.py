"""Queries of the schedules domain."""

from __future__ import annotations

import strawberry

from app import inputs
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.schedules import service
from app.schedules.errors import ScheduleNotFoundError
from app.schedules.graphql.types import Schedule, ScheduleFire


@strawberry.type
class SchedulesQuery:
    @strawberry.field(
        description="Schedules of one target kind (`workflow` or `script`).",
        permission_classes=[HasPermission("schedules.job.view")],
    )
    async def schedules(
        self, info: Info, target: str = "workflow", enabled: bool | None = None
    ) -> list[Schedule]:
        async with info.context.db() as session:
            rows = await service.list_schedules(session, target, enabled)
        return [Schedule.from_model(s, last) for s, last in rows]

    @strawberry.field(
        description="A schedule's recorded fires, newest first.",
        permission_classes=[HasPermission("schedules.job.view")],
    )
    async def schedule_fires(
        self, info: Info, schedule_id: strawberry.ID, target: str = "workflow"
    ) -> list[ScheduleFire]:
        try:
            async with info.context.db() as session:
                views = await service.list_fires(
                    session, inputs.row_id(schedule_id), target
                )
        except (ScheduleNotFoundError, ValueError):
            return []
        return [ScheduleFire.from_view(v) for v in views]
