"""Queries of the pipelines domain."""

from __future__ import annotations

import uuid
from enum import Enum

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import key_of, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.pipelines import models, service
from app.pipelines.errors import PipelineNotFoundError
from app.pipelines.graphql.types import Pipeline, PipelineExecution, PipelineStats


@strawberry.enum(description="What pipelines can be sorted by.")
class PipelineOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.input(description="How to sort pipelines.")
class PipelineOrder:
    field: PipelineOrderField = PipelineOrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which pipelines to list; every given filter applies.")
class PipelineFilter:
    workspace_id: uuid.UUID | None = strawberry.field(
        default=None, description="Workspace scope."
    )
    org_id: uuid.UUID | None = strawberry.field(
        default=None, description="Organization."
    )
    enabled: bool | None = strawberry.field(default=None, description="On or off.")


@strawberry.input(description="Which pipeline executions to list.")
class PipelineExecutionFilter:
    pipeline_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only runs of this pipeline."
    )
    status: str | None = strawberry.field(
        default=None, description="started, running, completed, failed, cancelled."
    )


@strawberry.type
class PipelinesQuery:
    @strawberry.field(
        description="Pipelines matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipelines(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: PipelineFilter | None = None, order_by: PipelineOrder | None = None,
    ) -> Connection[Pipeline]:  # fmt: skip
        f = filter or PipelineFilter()
        order = order_by or PipelineOrder()
        query = service.pipeline_query(f.workspace_id, f.org_id, f.enabled)
        column = getattr(models.Pipeline, order.field.value)
        keys = [column, models.Pipeline.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Pipeline.from_model
        )

    @strawberry.field(
        description="One pipeline, or null when absent or not visible.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipeline(self, info: Info, id: strawberry.ID) -> Pipeline | None:
        return await node_of(info, Pipeline, key_or_none(id, Pipeline))

    @strawberry.field(
        description="Execution counts and durations of a pipeline, or null.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipeline_stats(
        self, info: Info, id: strawberry.ID
    ) -> PipelineStats | None:
        key = key_or_none(id, Pipeline)
        if key is None:
            return None
        async with info.context.db() as session:
            try:
                found = await service.statistics(session, key)
            except PipelineNotFoundError:
                return None
        return PipelineStats.from_stats(key, found)

    @strawberry.field(
        description="Pipeline executions by start time (newest first unless "
        "`direction: ASC`), one page at a time.",
        permission_classes=[HasPermission("pipelines.execution.view")],
    )
    async def pipeline_executions(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: PipelineExecutionFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[PipelineExecution]:  # fmt: skip
        f = filter or PipelineExecutionFilter()
        key = None
        if f.pipeline_id is not None:
            key = key_of(f.pipeline_id, Pipeline, field="pipelineId")
        query = service.execution_query(key, f.status)
        model = models.PipelineExecution
        keys = [model.started_at, model.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, direction, window, PipelineExecution.from_model
        )

    @strawberry.field(
        description="One pipeline execution, or null when absent or not visible.",
        permission_classes=[HasPermission("pipelines.execution.view")],
    )
    async def pipeline_execution(
        self, info: Info, id: strawberry.ID
    ) -> PipelineExecution | None:
        return await node_of(
            info, PipelineExecution, key_or_none(id, PipelineExecution)
        )
