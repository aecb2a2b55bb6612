"""Queries of the executions domain."""

from __future__ import annotations

import strawberry

from app.executions import service
from app.executions.errors import ExecutionNotFoundError
from app.executions.graphql.types import Execution, ExecutionFilterInput, ExecutionList
from app.executions.repository import ExecutionFilter
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

MAX_PAGE = 500


def execution_key(execution_id: str) -> str | int:
    """An `ID` argument as a uuid, or as the integer id when it is all digits."""
    return int(execution_id) if execution_id.isdigit() else execution_id


@strawberry.type
class ExecutionsQuery:
    @strawberry.field(
        description="One execution by its UUID (or integer id), with host results.",
        permission_classes=[HasPermission("executions.execution.view")],
    )
    async def execution(self, info: Info, id: strawberry.ID) -> Execution | None:
        async with info.context.db() as session:
            try:
                row = await service.get(session, execution_key(str(id)))
            except ExecutionNotFoundError:
                return None
            hosts = await service.hosts(session, row)
        return Execution.from_model(row, hosts)

    @strawberry.field(
        description="Executions matching `filter`, newest first.",
        permission_classes=[HasPermission("executions.execution.view")],
    )
    async def executions(
        self,
        info: Info,
        filter: ExecutionFilterInput | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ExecutionList:
        f = filter.to_filter() if filter else ExecutionFilter()
        async with info.context.db() as session:
            page = await service.list_page(
                session, f, max(0, offset), min(max(1, limit), MAX_PAGE)
            )
        return ExecutionList(
            items=[Execution.from_model(e, page.hosts[e.id]) for e in page.items],
            total=page.total,
        )
