"""Queries of the workflows domain."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, literal, select

from app.graphql.context import Info
from app.graphql.nodes import Entity, key_of, key_or_none, keys_of, node_of, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.workflows import models, service
from app.workflows.graphql.types import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
)
from app.workflows.repository import WorkflowFilter as Where

# Workflows never run and results never started sort first (ascending).
_NEVER = literal(datetime(1970, 1, 1, tzinfo=UTC), models.Workflow.last_run_at.type)


@strawberry.enum(description="What workflows can be sorted by.")
class WorkflowOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    LAST_RUN_AT = "last_run_at"


@strawberry.input(description="How to sort workflows.")
class WorkflowOrder:
    field: WorkflowOrderField = WorkflowOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which workflows to list; every given filter applies.")
class WorkflowFilter:
    folder_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those in this folder."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only those with one of these tags."
    )
    search: str | None = strawberry.field(default=None, description="Part of the name.")
    enabled: bool | None = strawberry.field(default=None, description="Enabled or not.")
    include_templates: bool = strawberry.field(
        default=False, description="Templates too."
    )

    def where(self) -> Where:
        """The service's filter, with global ids as keys."""
        return Where(
            _key(self.folder_id, WorkflowFolder, "folderId"),
            tuple(keys_of(self.tag_ids or [], WorkflowTag, field="tagIds")),
            self.search,
            self.enabled,
            self.include_templates,
        )


@strawberry.input(description="Which workflow executions to list.")
class WorkflowExecutionFilter:
    workflow_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only runs of this workflow."
    )
    status: str | None = strawberry.field(
        default=None, description="pending, running, success or failed."
    )


def _key(raw: strawberry.ID | None, node_type: type[Entity], field: str) -> Any:
    """The key of an optional global id filter."""
    return None if raw is None else key_of(raw, node_type, field=field)


@strawberry.type
class WorkflowsQuery:
    @strawberry.field(
        description="Workflows matching the filter (templates opt-in), sorted, "
        "one page at a time.",
        permission_classes=[HasPermission("workflows.workflow.view")],
    )
    async def workflows(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: WorkflowFilter | None = None, order_by: WorkflowOrder | None = None,
    ) -> Connection[Workflow]:  # fmt: skip
        order = order_by or WorkflowOrder()
        query = service.workflow_query((filter or WorkflowFilter()).where())
        column = getattr(models.Workflow, order.field.value)
        if order.field is WorkflowOrderField.LAST_RUN_AT:
            column = func.coalesce(column, _NEVER)
        keys = [column, models.Workflow.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Workflow.from_model
        )

    @strawberry.field(
        description="One workflow, or null when absent or not visible.",
        permission_classes=[HasPermission("workflows.workflow.view")],
    )
    async def workflow(self, info: Info, id: strawberry.ID) -> Workflow | None:
        return await node_of(info, Workflow, key_or_none(id, Workflow))

    @strawberry.field(
        description="Workflow folders, sorted by name, one page at a time.",
        permission_classes=[HasPermission("workflows.folder.view")],
    )
    async def workflow_folders(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[WorkflowFolder]:  # fmt: skip
        model = models.WorkflowFolder
        keys = [model.name, model.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, select(model), keys, direction, window, WorkflowFolder.from_model
        )

    @strawberry.field(
        description="Workflow tags, sorted by name, one page at a time.",
        permission_classes=[HasPermission("workflows.tag.view")],
    )
    async def workflow_tags(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[WorkflowTag]:  # fmt: skip
        model = models.WorkflowTag
        keys = [model.name, model.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, select(model), keys, direction, window, WorkflowTag.from_model
        )

    @strawberry.field(
        description="Workflow executions by request time (newest first unless "
        "`direction: ASC`), one page at a time.",
        permission_classes=[HasPermission("workflows.execution.view")],
    )
    async def workflow_executions(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: WorkflowExecutionFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[WorkflowExecution]:  # fmt: skip
        f = filter or WorkflowExecutionFilter()
        query = service.execution_query(
            _key(f.workflow_id, Workflow, "workflowId"), f.status
        )
        model = models.WorkflowExecution
        keys = [model.created_at, model.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, direction, window, WorkflowExecution.from_model
        )

    @strawberry.field(
        description="One workflow execution, or null when absent or not visible.",
        permission_classes=[HasPermission("workflows.execution.view")],
    )
    async def workflow_execution(
        self, info: Info, id: strawberry.ID
    ) -> WorkflowExecution | None:
        key = key_or_none(id, WorkflowExecution)
        loader = row_loader(info, WorkflowExecution)
        row = await loader.load(key) if key is not None else None
        return WorkflowExecution.from_model(row) if row is not None else None

    @strawberry.field(
        description="One execution's node results in start order, one page at a time.",
        permission_classes=[HasPermission("workflows.execution.view")],
    )
    async def workflow_node_results(
        self, info: Info, execution_id: strawberry.ID,
        first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[WorkflowNodeResult]:  # fmt: skip
        key = key_of(execution_id, WorkflowExecution, field="executionId")
        model = models.WorkflowNodeResult
        keys = [func.coalesce(model.started_at, _NEVER), model.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, service.node_result_query(key), keys, direction, window,
            WorkflowNodeResult.from_model,
        )  # fmt: skip
