"""Queries of the logs domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.logs import service
from app.logs.graphql.types import LogEntry, LogPage


@strawberry.type
class LogsQuery:
    @strawberry.field(
        description="Stored log records, newest first, with the REST filters.",
        permission_classes=[HasPermission("logs.log.view")],
    )
    async def logs(
        self,
        info: Info,
        level: str | None = None,
        category: str | None = None,
        search: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        # `source` would clash with the resolver's own first argument.
        logged_by: Annotated[
            str | None,
            strawberry.argument(name="source", description="Domain that logged it."),
        ] = None,
    ) -> LogPage:
        where = service.LogFilter(
            service.parse_filter({"level": level or ""}).level,
            logged_by,
            category,
            search,
            start,
            end,
        )
        size = service.parse_limit(str(limit))
        async with info.context.db() as session:
            rows, total = await service.list_logs(session, where, size, max(offset, 0))
        return LogPage(total=total, records=[LogEntry.from_model(r) for r in rows])
