"""MockOps Pipelines API (`specs/mockops.md`, "Pipelines API")."""

from __future__ import annotations

import uuid
from typing import Literal

from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.mockops import shapes, surface
from app.credentials.service import SECRET_READ_PERMISSION
from app.db import unit_of_work
from app.pipelines import service
from app.pipelines.errors import ExecutionNotFoundError, PipelineNotFoundError
from app.pipelines.inputs import PipelineInput, PipelinePatch, TriggerInput


class PipelineFilters(shapes.Page):
    workspace_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    enabled: bool | None = None


class ExecutionFilters(shapes.Page):
    pipeline_id: uuid.UUID | None = None
    status: Literal["started", "running", "completed", "failed", "cancelled"] | None = (
        None
    )


def _pipeline_id(call: Call) -> uuid.UUID:
    return shapes.path_uuid(call, "pipeline_id", PipelineNotFoundError())


# The executions routes come first: `/pipelines/executions` is not a pipeline id.
@surface.route("GET", "/pipelines/executions", permission="pipelines.execution.view")
async def list_executions(call: Call) -> Response:
    """Executions, newest first, filtered and paginated."""
    f = shapes.query(call, ExecutionFilters)
    async with call.db() as session:
        found = await service.list_executions(
            session,
            pipeline_id=f.pipeline_id,
            status=f.status,
            limit=f.limit,
            offset=f.offset,
        )
    return JSONResponse([shapes.execution(e) for e in found])


@surface.route(
    "GET", "/pipelines/executions/{execution_id}", permission="pipelines.execution.view"
)
async def get_execution(call: Call) -> Response:
    """One execution with its step log."""
    execution_id = shapes.path_uuid(call, "execution_id", ExecutionNotFoundError())
    async with call.db() as session:
        found = await service.get_execution(session, execution_id)
    return JSONResponse(shapes.execution(found))


@surface.route("GET", "/pipelines", permission="pipelines.pipeline.view")
async def list_pipelines(call: Call) -> Response:
    """Pipelines, filtered and paginated."""
    f = shapes.query(call, PipelineFilters)
    async with call.db() as session:
        found = await service.list_pipelines(
            session,
            workspace_id=f.workspace_id,
            org_id=f.org_id,
            enabled=f.enabled,
            limit=f.limit,
            offset=f.offset,
        )
    return JSONResponse([shapes.pipeline(p) for p in found])


@surface.route("POST", "/pipelines", permission="pipelines.pipeline.create")
async def create_pipeline(call: Call) -> Response:
    """Create a pipeline."""
    data = await shapes.body(call, PipelineInput)
    async with unit_of_work(call.db) as session:
        created = await service.create_pipeline(session, data, call.settings)
    return JSONResponse(shapes.pipeline(created))


@surface.route("GET", "/pipelines/{pipeline_id}", permission="pipelines.pipeline.view")
async def get_pipeline(call: Call) -> Response:
    """One pipeline."""
    async with call.db() as session:
        found = await service.get_pipeline(session, _pipeline_id(call))
    return JSONResponse(shapes.pipeline(found))


@surface.route(
    "PATCH", "/pipelines/{pipeline_id}", permission="pipelines.pipeline.update"
)
async def update_pipeline(call: Call) -> Response:
    """Change a pipeline's name, definition or enabled flag."""
    pipeline_id = _pipeline_id(call)
    data = await shapes.body(call, PipelinePatch)
    async with unit_of_work(call.db) as session:
        changed = await service.update_pipeline(
            session,
            pipeline_id,
            data,
            call.settings,
            may_read_secrets=call.user().can(SECRET_READ_PERMISSION),
        )
    return JSONResponse(shapes.pipeline(changed))


@surface.route(
    "DELETE", "/pipelines/{pipeline_id}", permission="pipelines.pipeline.delete"
)
async def delete_pipeline(call: Call) -> Response:
    """Delete a pipeline and its executions."""
    pipeline_id = _pipeline_id(call)
    async with unit_of_work(call.db) as session:
        await service.delete_pipeline(session, pipeline_id)
    return Response(status_code=204)


@surface.route(
    "POST", "/pipelines/{pipeline_id}/trigger", permission="pipelines.pipeline.trigger"
)
async def trigger_pipeline(call: Call) -> Response:
    """Start an execution by hand, with an optional event; steps run in the worker."""
    pipeline_id = _pipeline_id(call)
    data = await shapes.body(call, TriggerInput, optional=True)
    async with unit_of_work(call.db) as session:
        started = await service.trigger(session, pipeline_id, data.event)
    return JSONResponse(shapes.execution(started))


@surface.route(
    "GET", "/pipelines/{pipeline_id}/stats", permission="pipelines.pipeline.view"
)
async def pipeline_stats(call: Call) -> Response:
    """Execution counts and durations of one pipeline."""
    pipeline_id = _pipeline_id(call)
    async with call.db() as session:
        found = await service.statistics(session, pipeline_id)
    return JSONResponse(shapes.stats(pipeline_id, found))
