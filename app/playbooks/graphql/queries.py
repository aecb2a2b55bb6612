"""Queries of the step playbooks domain."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import key_or_none, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.playbooks import models, service
from app.playbooks.graphql.types import StepPlaybook


@strawberry.enum(description="What step playbooks can be sorted by.")
class StepPlaybookOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="How to sort step playbooks.")
class StepPlaybookOrder:
    field: StepPlaybookOrderField = StepPlaybookOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which step playbooks to list.")
class StepPlaybookFilter:
    is_active: bool | None = strawberry.field(
        default=None, description="Only active (true) or inactive (false) ones."
    )


@strawberry.type
class StepPlaybooksQuery:
    @strawberry.field(
        description="OPMAS step playbooks matching the filter, one page at a time.",
        permission_classes=[HasPermission("playbooks.playbook.view")],
    )
    async def step_playbooks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: StepPlaybookFilter | None = None,
        order_by: StepPlaybookOrder | None = None,
    ) -> Connection[StepPlaybook]:
        order = order_by or StepPlaybookOrder()
        query = service.playbook_query((filter or StepPlaybookFilter()).is_active)
        keys = [getattr(models.Playbook, order.field.value), models.Playbook.id]
        if order.field is StepPlaybookOrderField.NUMBER:
            keys = [models.Playbook.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, StepPlaybook.from_model
        )

    @strawberry.field(
        description="One step playbook, or null when absent or not visible.",
        permission_classes=[HasPermission("playbooks.playbook.view")],
    )
    async def step_playbook(self, info: Info, id: strawberry.ID) -> StepPlaybook | None:
        key = key_or_none(id, StepPlaybook)
        loader = row_loader(info, StepPlaybook)
        row = await loader.load(key) if key is not None else None
        return StepPlaybook.from_model(row) if row is not None else None
