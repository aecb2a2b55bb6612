"""Queries of the executions domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from sqlalchemy import func, literal
from sqlalchemy.sql.elements import ColumnElement

from app.executions import models, service
from app.executions.graphql.types import (
    Execution,
    ExecutionFilterInput,
    ExecutionOrder,
    ExecutionOrderField,
)
from app.executions.repository import ExecutionFilter
from app.graphql.context import Info
from app.graphql.nodes import key_or_none, row_loader
from app.graphql.pagination import Connection, Window, paginate
from app.graphql.permissions import HasPermission

# Executions not started or not ended yet sort first (ascending).
_NEVER = literal(datetime(1970, 1, 1, tzinfo=UTC), models.Execution.created_at.type)


def moment(column: Any) -> ColumnElement[datetime]:
    """A nullable timestamp column as a NOT NULL sort key."""
    return func.coalesce(column, _NEVER)


@strawberry.type
class ExecutionsQuery:
    @strawberry.field(
        description="One execution by global id, with host results; null when "
        "absent or not visible.",
        permission_classes=[HasPermission("executions.execution.view")],
    )
    async def execution(self, info: Info, id: strawberry.ID) -> Execution | None:
        key = key_or_none(id, Execution)
        row = await row_loader(info, Execution).load(key) if key is not None else None
        return Execution.from_model(row) if row is not None else None

    @strawberry.field(
        description="Executions matching `filter`, newest first unless `orderBy` "
        "says otherwise, one page at a time.",
        permission_classes=[HasPermission("executions.execution.view")],
    )
    async def executions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ExecutionFilterInput | None = None,
        order_by: ExecutionOrder | None = None,
    ) -> Connection[Execution]:
        f = filter.to_filter() if filter else ExecutionFilter()
        order = order_by or ExecutionOrder()
        keys = [models.Execution.id]
        if order.field is not ExecutionOrderField.NUMBER:
            column = getattr(models.Execution, order.field.value)
            keys.insert(0, moment(column))
        window = Window(first, after, last, before)
        return await paginate(
            info,
            service.execution_query(f),
            keys,
            order.direction,
            window,
            Execution.from_model,
        )
