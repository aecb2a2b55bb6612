"""Queries of the logs domain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.graphql.context import Info
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.logs import models, service
from app.logs.graphql.types import LogEntry


@strawberry.input(description="Which log records to list; every given filter applies.")
class LogFilter:
    level: str | None = strawberry.field(
        default=None, description="DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
    source: str | None = strawberry.field(
        default=None, description="Domain that logged it."
    )
    category: str | None = strawberry.field(
        default=None, description="Kind of record within the source."
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the message."
    )
    start: datetime | None = strawberry.field(
        default=None, description="Logged at or after this time."
    )
    end: datetime | None = strawberry.field(
        default=None, description="Logged before this time."
    )

    def selection(self) -> service.LogFilter:
        """The service's filter; raises on an unknown level."""
        level = service.parse_filter({"level": self.level or ""}).level
        return service.LogFilter(
            level, self.source, self.category, self.search, self.start, self.end
        )


@strawberry.type
class LogsQuery:
    @strawberry.field(
        description="Stored log records in the order they were logged (newest "
        "first unless `direction: ASC`), one page at a time.",
        permission_classes=[HasPermission("logs.log.view")],
    )
    async def logs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: LogFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[LogEntry]:
        query = service.log_query((filter or LogFilter()).selection())
        window = Window(first, after, last, before)
        return await paginate(
            info, query, [models.LogRecord.id], direction, window, LogEntry.from_model
        )
