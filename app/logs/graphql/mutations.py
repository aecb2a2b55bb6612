"""Mutations of the logs domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.mutations import expected, mapped
from app.graphql.permissions import HasPermission
from app.logs import service
from app.logs.errors import InvalidLogFilterError
from app.logs.graphql.types import ClearLogsSuccess, InvalidLogFilter

ClearLogsPayload = Annotated[
    ClearLogsSuccess | InvalidLogFilter, strawberry.union("ClearLogsPayload")
]

_failure = mapped((InvalidLogFilterError, InvalidLogFilter))


@strawberry.type
class LogsMutation:
    @strawberry.mutation(
        description="Delete log records before a time and/or of one level.",
        permission_classes=[HasPermission("logs.log.delete")],
    )
    async def clear_logs(
        self, info: Info, before: datetime | None = None, level: str | None = None
    ) -> ClearLogsPayload:
        async with expected(InvalidLogFilter, via=_failure, db=info.context.db) as out:
            deleted = await service.clear(out.session, before, level)
        return out.error or ClearLogsSuccess(deleted=deleted)
