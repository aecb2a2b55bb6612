"""Queries of the schedules domain."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import key_or_none, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.schedules import models, service
from app.schedules.graphql.types import Schedule, ScheduleFilter, ScheduleFire


@strawberry.type
class SchedulesQuery:
    @strawberry.field(
        description="Schedules of one target kind, by number, one page at a time.",
        permission_classes=[HasPermission("schedules.job.view")],
    )
    async def schedules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ScheduleFilter | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[Schedule]:
        f = filter or ScheduleFilter()
        query = service.schedule_query(f.target, f.enabled)
        window = Window(first, after, last, before)
        keys = [models.Schedule.id]
        return await paginate(info, query, keys, direction, window, Schedule.from_model)

    @strawberry.field(
        description="One schedule by global id; null when absent or not visible.",
        permission_classes=[HasPermission("schedules.job.view")],
    )
    async def schedule(self, info: Info, id: strawberry.ID) -> Schedule | None:
        key = key_or_none(id, Schedule)
        row = await row_loader(info, Schedule).load(key) if key is not None else None
        return Schedule.from_model(row) if row is not None else None

    @strawberry.field(
        description="A schedule's (global id) recorded fires, newest first by "
        "default; empty for an unknown schedule or one of another target kind.",
        permission_classes=[HasPermission("schedules.job.view")],
    )
    async def schedule_fires(
        self,
        info: Info,
        schedule_id: strawberry.ID,
        target: str = "workflow",
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[ScheduleFire]:
        key = key_or_none(schedule_id, Schedule)
        query = service.fire_query(key if key is not None else 0, target)
        # UTCDateTime reports no Python type: coerce so cursors read back typed.
        keys = [models.ScheduleFire.fire_time, models.ScheduleFire.id]
        window = Window(first, after, last, before)
        node = ScheduleFire.from_model
        return await paginate(info, query, keys, direction, window, node)
