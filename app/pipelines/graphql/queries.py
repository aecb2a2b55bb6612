"""Queries of the pipelines domain."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import Entity, key_of, key_or_none, row_loader
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.pipelines import models, service
from app.pipelines.errors import PipelineNotFoundError
from app.pipelines.graphql.types import Pipeline, PipelineExecution, PipelineStats
from app.workflows.graphql.keys import instant, uuid_key


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


async def _get(info: Info, raw: strawberry.ID, node_type: type[Entity]) -> Any:
    """The visible row a global id names, or None."""
    key = key_or_none(raw, node_type)
    return await row_loader(info, node_type).load(key) if key is not None else None


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
        if order.field is not PipelineOrderField.NAME:
            column = instant(column)
        keys = [column, uuid_key(models.Pipeline.id)]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Pipeline.from_model
        )

    @strawberry.field(
        description="One pipeline, or null when absent or not visible.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipeline(self, info: Info, id: strawberry.ID) -> Pipeline | None:
        row = await _get(info, id, Pipeline)
        return Pipeline.from_model(row) if row is not None else None

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
        keys = [instant(model.started_at), uuid_key(model.id)]
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
        row = await _get(info, id, PipelineExecution)
        return PipelineExecution.from_model(row) if row is not None else None
