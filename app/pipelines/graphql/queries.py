"""Queries of the pipelines domain."""

from __future__ import annotations

import uuid

import strawberry

from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.pipelines import service
from app.pipelines.errors import ExecutionNotFoundError, PipelineNotFoundError
from app.pipelines.graphql.types import Pipeline, PipelineExecution, PipelineStats


def _page(limit: int, offset: int) -> tuple[int, int]:
    return min(max(limit, 1), 1000), max(offset, 0)


@strawberry.type
class PipelinesQuery:
    @strawberry.field(
        description="Pipelines, filtered and paginated.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipelines(
        self,
        info: Info,
        workspace_id: uuid.UUID | None = None,
        org_id: uuid.UUID | None = None,
        enabled: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Pipeline]:
        limit, offset = _page(limit, offset)
        async with info.context.db() as session:
            found = await service.list_pipelines(
                session,
                workspace_id=workspace_id,
                org_id=org_id,
                enabled=enabled,
                limit=limit,
                offset=offset,
            )
        return [Pipeline.from_model(p) for p in found]

    @strawberry.field(
        description="One pipeline, or null.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipeline(self, info: Info, id: uuid.UUID) -> Pipeline | None:
        async with info.context.db() as session:
            try:
                return Pipeline.from_model(await service.get_pipeline(session, id))
            except PipelineNotFoundError:
                return None

    @strawberry.field(
        description="Execution counts and durations of a pipeline, or null.",
        permission_classes=[HasPermission("pipelines.pipeline.view")],
    )
    async def pipeline_stats(self, info: Info, id: uuid.UUID) -> PipelineStats | None:
        async with info.context.db() as session:
            try:
                found = await service.statistics(session, id)
            except PipelineNotFoundError:
                return None
        return PipelineStats.from_stats(id, found)

    @strawberry.field(
        description="Pipeline executions, newest first, filtered and paginated.",
        permission_classes=[HasPermission("pipelines.execution.view")],
    )
    async def pipeline_executions(
        self,
        info: Info,
        pipeline_id: uuid.UUID | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[PipelineExecution]:
        limit, offset = _page(limit, offset)
        async with info.context.db() as session:
            found = await service.list_executions(
                session,
                pipeline_id=pipeline_id,
                status=status,
                limit=limit,
                offset=offset,
            )
        return [PipelineExecution.from_model(e) for e in found]

    @strawberry.field(
        description="One pipeline execution, or null.",
        permission_classes=[HasPermission("pipelines.execution.view")],
    )
    async def pipeline_execution(
        self, info: Info, id: uuid.UUID
    ) -> PipelineExecution | None:
        async with info.context.db() as session:
            try:
                found = await service.get_execution(session, id)
            except ExecutionNotFoundError:
                return None
        return PipelineExecution.from_model(found)
