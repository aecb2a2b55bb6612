"""Mutations of the logs domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.graphql.types import error_from
from app.logs import service
from app.logs.errors import InvalidLogFilterError
from app.logs.graphql.types import ClearLogsSuccess, InvalidLogFilter

ClearLogsPayload = Annotated[
    ClearLogsSuccess | InvalidLogFilter, strawberry.union("ClearLogsPayload")
]


@strawberry.type
class LogsMutation:
    @strawberry.mutation(
        description="Delete log records before a time and/or of one level.",
        permission_classes=[HasPermission("logs.log.delete")],
    )
    async def clear_logs(
        self, info: Info, before: datetime | None = None, level: str | None = None
    ) -> ClearLogsPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                deleted = await service.clear(session, before, level)
        except InvalidLogFilterError as exc:
            return error_from(InvalidLogFilter, exc)
        return ClearLogsSuccess(deleted=deleted)
