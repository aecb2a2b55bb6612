"""Queries of the scripts domain."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import type_coerce
from sqlalchemy.sql.elements import ColumnElement

from app.db import UTCDateTime
from app.graphql.context import Info
from app.graphql.nodes import key_or_none, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.scripts import models, service
from app.scripts.graphql.types import Script


@strawberry.enum(description="What scripts can be sorted by.")
class ScriptOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="How to sort scripts.")
class ScriptOrder:
    field: ScriptOrderField = ScriptOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which scripts to list.")
class ScriptFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or description (any case)."
    )


class SortableUTC(UTCDateTime):
    """A UTC timestamp that names its Python type, so cursors over it hold
    timestamps (UTCDateTime names none: a cursor's value would go back to SQL
    as text); a cursor's naive timestamp is read as UTC rather than refused."""

    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super().process_bind_param(value, dialect)


def sort_key(model: type[Any], name: str) -> ColumnElement[Any]:
    """The column `name` of `model` as a cursor sort key."""
    column: ColumnElement[Any] = getattr(model, name)
    if isinstance(column.type, UTCDateTime):
        # labelled: the ORM would otherwise take it for the entity's own column
        return type_coerce(column, SortableUTC()).label(f"{name}_key")
    return column


@strawberry.type
class ScriptsQuery:
    @strawberry.field(
        description="Scripts matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("scripts.script.view")],
    )
    async def scripts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ScriptFilter | None = None,
        order_by: ScriptOrder | None = None,
    ) -> Connection[Script]:
        order = order_by or ScriptOrder()
        query = service.script_query((filter or ScriptFilter()).search)
        keys = [sort_key(models.Script, order.field.value), models.Script.id]
        if order.field is ScriptOrderField.NUMBER:
            keys = [models.Script.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Script.from_model
        )

    @strawberry.field(
        description="One script, or null when absent or not visible.",
        permission_classes=[HasPermission("scripts.script.view")],
    )
    async def script(self, info: Info, id: strawberry.ID) -> Script | None:
        key = key_or_none(id, Script)
        row = await row_loader(info, Script).load(key) if key is not None else None
        return Script.from_model(row) if row is not None else None
