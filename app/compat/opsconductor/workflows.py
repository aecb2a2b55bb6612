"""OpsConductor `/api/workflows`: node/edge workflows, runs and their records."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, page_query, surface
from app.compat.opsconductor import workflow_folders as _folders  # noqa: F401  registers first
from app.compat.timefmt import iso_z_micro
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.db import unit_of_work
from app.errors import InvalidError
from app.workflows import service
from app.workflows.models import Workflow, WorkflowExecution, WorkflowNodeResult
from app.workflows.repository import WorkflowFilter


class WorkflowBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    folder_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    edges: list[dict[str, Any]] = Field(default_factory=list)
    variables: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    is_template: bool = False


class WorkflowChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    folder_id: str | None = None
    tags: list[str] | None = None
    nodes: list[dict[str, Any]] | None = None
    edges: list[dict[str, Any]] | None = None
    variables: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    enabled: bool | None = None
    is_template: bool | None = None


class ExecuteBody(BaseModel):
    trigger_data: dict[str, Any] = Field(default_factory=dict)
    test_mode: bool = False


def summary_shape(workflow: Workflow) -> dict[str, object]:
    """A workflow as `GET /api/workflows` lists it."""
    return {
        "id": workflow.id,
        "name": workflow.name,
        "description": workflow.description,
        "enabled": workflow.enabled,
        "folder_id": workflow.folder_id,
        "tags": [t.name for t in workflow.tags],
        "created_at": iso_z_micro(workflow.created_at),
        "updated_at": iso_z_micro(workflow.updated_at),
        "last_run_at": iso_z_micro(workflow.last_run_at),
        "last_run_status": workflow.last_run_status,
    }


def detail_shape(workflow: Workflow) -> dict[str, object]:
    """A workflow with its graph, variables and settings."""
    return {
        **summary_shape(workflow),
        "is_template": workflow.is_template,
        "nodes": service.public_nodes(workflow),
        "edges": workflow.edges,
        "variables": workflow.variables,
        "settings": workflow.settings,
    }


def execution_shape(execution: WorkflowExecution) -> dict[str, object]:
    """One workflow execution, without its node results."""
    return {
        "id": execution.id,
        "execution_id": execution.id,
        "workflow_id": execution.workflow_id,
        "status": execution.status,
        "trigger_type": execution.trigger_type,
        "trigger_data": execution.trigger_data,
        "test_mode": execution.test_mode,
        "error": execution.error,
        "created_at": iso_z_micro(execution.created_at),
        "started_at": iso_z_micro(execution.started_at),
        "finished_at": iso_z_micro(execution.finished_at),
    }


def node_result_shape(result: WorkflowNodeResult) -> dict[str, object]:
    """What one node did in one execution."""
    return {
        "node_id": result.node_id,
        "node_type": result.node_type,
        "status": result.status,
        "output": result.output,
        "error": result.error,
        "started_at": iso_z_micro(result.started_at),
        "finished_at": iso_z_micro(result.finished_at),
        "duration_ms": result.duration_ms,
    }


def flag(call: Call, name: str) -> bool | None:
    """A boolean query parameter (`true`/`false`, `1`/`0`); None when absent."""
    raw = call.request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise InvalidError(f"{name}: expected true or false", details={"field": name})
    return lowered in ("true", "1")


def _filter(call: Call) -> WorkflowFilter:
    query = call.request.query_params
    tag_ids = [t for raw in query.getlist("tag_id") for t in raw.split(",") if t]
    return WorkflowFilter(
        folder_id=query.get("folder_id") or None,
        tag_ids=tuple(tag_ids),
        search=query.get("search") or None,
        enabled=flag(call, "enabled"),
        include_templates=bool(flag(call, "include_templates")),
    )


@surface.route("GET", "/workflows", permission="workflows.workflow.view")
async def list_workflows(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        found, total = await service.list_workflows(session, _filter(call), q.page)
    rows = [summary_shape(w) for w in found]
    return ok(rows, count=len(rows), total=total, limit=q.limit, offset=q.offset)


@surface.route("POST", "/workflows", permission="workflows.workflow.create")
async def create_workflow(call: Call) -> Response:
    body = await call.body(WorkflowBody)
    async with unit_of_work(call.db) as session:
        workflow = await service.create_workflow(
            session,
            body.model_dump(),
            call.user().user_id,
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
        )
    return ok(detail_shape(workflow), status=201)


@surface.route("GET", "/workflows/{id}", permission="workflows.workflow.view")
async def get_workflow(call: Call) -> Response:
    async with call.db() as session:
        workflow = await service.get_workflow(session, call.request.path_params["id"])
    return ok(detail_shape(workflow))


@surface.route("PUT", "/workflows/{id}", permission="workflows.workflow.update")
async def update_workflow(call: Call) -> Response:
    body = await call.body(WorkflowChanges)
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k == "folder_id"
    }
    async with unit_of_work(call.db) as session:
        workflow = await service.update_workflow(
            session,
            call.request.path_params["id"],
            changes,
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
        )
    return ok(detail_shape(workflow))


@surface.route("DELETE", "/workflows/{id}", permission="workflows.workflow.delete")
async def delete_workflow(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_workflow(session, call.request.path_params["id"])
    return ok(None, message="Workflow deleted")


@surface.route(
    "POST", "/workflows/{id}/execute", permission="workflows.workflow.execute"
)
async def execute_workflow(call: Call) -> Response:
    body = await call.body(ExecuteBody)
    async with unit_of_work(call.db) as session:
        execution = await service.start_run(
            session,
            call.request.path_params["id"],
            trigger_type="api",
            trigger_data=body.trigger_data,
            test_mode=body.test_mode,
            user_id=call.user().user_id,
        )
    accepted = {
        "execution_id": execution.id,
        # Documented as `running`: the run is accepted and under way.
        "status": "running",
        "started_at": iso_z_micro(execution.created_at),
    }
    return ok(accepted)


@surface.route(
    "GET", "/workflows/{id}/executions", permission="workflows.execution.view"
)
async def list_executions(call: Call) -> Response:
    async with call.db() as session:
        found = await service.list_executions(session, call.request.path_params["id"])
    return ok([execution_shape(x) for x in found], count=len(found))


@surface.route(
    "GET",
    "/workflows/{workflow_id}/executions/{execution_id}",
    permission="workflows.execution.view",
)
async def get_execution(call: Call) -> Response:
    params = call.request.path_params
    async with call.db() as session:
        execution, results = await service.get_execution(
            session, params["workflow_id"], params["execution_id"]
        )
    data = {
        **execution_shape(execution),
        "variables": execution.variables,
        "node_results": [node_result_shape(r) for r in results],
    }
    return ok(data)
