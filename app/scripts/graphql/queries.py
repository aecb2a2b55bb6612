"""Queries of the scripts domain."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import key_or_none, node_of
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
        keys = [getattr(models.Script, order.field.value), models.Script.id]
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
        return await node_of(info, Script, key_or_none(id, Script))
