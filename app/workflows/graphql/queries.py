"""Queries of the workflows domain."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.workflows import service
from app.workflows.errors import WorkflowExecutionNotFoundError, WorkflowNotFoundError
from app.workflows.graphql.types import (
    Workflow,
    WorkflowExecution,
    WorkflowFolder,
    WorkflowNodeResult,
    WorkflowTag,
)
from app.workflows.repository import WorkflowFilter


@strawberry.type
class WorkflowsQuery:
    @strawberry.field(
        description="Workflows, filtered like OpsConductor's list (templates opt-in).",
        permission_classes=[HasPermission("workflows.workflow.view")],
    )
    async def workflows(
        self,
        info: Info,
        folder_id: strawberry.ID | None = None,
        tag_ids: list[strawberry.ID] | None = None,
        search: str | None = None,
        enabled: bool | None = None,
        include_templates: bool = False,
    ) -> list[Workflow]:
        where = WorkflowFilter(
            folder_id, tuple(tag_ids or ()), search, enabled, include_templates
        )
        async with info.context.db() as session:
            found, _ = await service.list_workflows(session, where)
        return [Workflow.from_model(w) for w in found]

    @strawberry.field(
        description="One workflow, or null.",
        permission_classes=[HasPermission("workflows.workflow.view")],
    )
    async def workflow(self, info: Info, id: strawberry.ID) -> Workflow | None:
        try:
            async with info.context.db() as session:
                return Workflow.from_model(await service.get_workflow(session, id))
        except WorkflowNotFoundError:
            return None

    @strawberry.field(
        description="Every workflow folder.",
        permission_classes=[HasPermission("workflows.folder.view")],
    )
    async def workflow_folders(self, info: Info) -> list[WorkflowFolder]:
        async with info.context.db() as session:
            return [
                WorkflowFolder.from_model(f)
                for f in await service.list_folders(session)
            ]

    @strawberry.field(
        description="Every workflow tag.",
        permission_classes=[HasPermission("workflows.tag.view")],
    )
    async def workflow_tags(self, info: Info) -> list[WorkflowTag]:
        async with info.context.db() as session:
            return [WorkflowTag.from_model(t) for t in await service.list_tags(session)]

    @strawberry.field(
        description="A workflow's executions, newest first.",
        permission_classes=[HasPermission("workflows.execution.view")],
    )
    async def workflow_executions(
        self, info: Info, workflow_id: strawberry.ID
    ) -> list[WorkflowExecution]:
        async with info.context.db() as session:
            found = await service.list_executions(session, workflow_id)
        return [WorkflowExecution.from_model(x) for x in found]

    @strawberry.field(
        description="One execution's node results, in start order.",
        permission_classes=[HasPermission("workflows.execution.view")],
    )
    async def workflow_node_results(
        self, info: Info, workflow_id: strawberry.ID, execution_id: strawberry.ID
    ) -> list[WorkflowNodeResult]:
        try:
            async with info.context.db() as session:
                _, results = await service.get_execution(
                    session, workflow_id, execution_id
                )
        except WorkflowExecutionNotFoundError:
            return []
        return [WorkflowNodeResult.from_model(r) for r in results]
