"""biRun `/workflows/`: nodes `{id, type, config}` joined by edges `{from, to}`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.compat.timefmt import iso_z_micro
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.db import unit_of_work
from app.workflows import service
from app.workflows.models import Workflow

DEFAULT_HANDLES = (None, "", "output", "success")


class WorkflowBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    edges: list[dict[str, Any]] = Field(default_factory=list)
    variables: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class WorkflowChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    nodes: list[dict[str, Any]] | None = None
    edges: list[dict[str, Any]] | None = None
    variables: dict[str, Any] | None = None
    enabled: bool | None = None


class RunBody(BaseModel):
    trigger_data: dict[str, Any] = Field(default_factory=dict)
    test_mode: bool = False


def envelope(data: Any, message: str = "Success", status: int = 200) -> JSONResponse:
    """biRun's documented success response."""
    return JSONResponse({"data": data, "message": message, "status": "success"}, status)


def canonical_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """biRun nodes as canonical ones: `config` becomes `data`."""
    return [
        {
            "id": raw.get("id"),
            "type": raw.get("type"),
            "position": raw.get("position"),
            "data": raw.get("config", raw.get("data")) or {},
        }
        for raw in nodes
    ]


def canonical_edges(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """biRun edges as canonical ones; an optional `condition` picks the handle."""
    return [
        {
            "source": raw.get("from", raw.get("source")),
            "target": raw.get("to", raw.get("target")),
            "sourceHandle": raw.get("condition", raw.get("sourceHandle")),
        }
        for raw in edges
    ]


def edge_shape(edge: dict[str, Any]) -> dict[str, Any]:
    """A canonical edge as biRun shows it."""
    shaped = {"from": edge["source"], "to": edge["target"]}
    if edge.get("sourceHandle") not in DEFAULT_HANDLES:
        shaped["condition"] = edge["sourceHandle"]
    return shaped


def workflow_shape(workflow: Workflow) -> dict[str, object]:
    """A workflow in biRun's node/edge shape."""
    return {
        "id": workflow.id,
        "name": workflow.name,
        "description": workflow.description,
        "nodes": [
            {"id": n["id"], "type": n["type"], "config": n["data"]}
            for n in service.public_nodes(workflow)
        ],
        "edges": [edge_shape(e) for e in workflow.edges],
        "variables": workflow.variables,
        "enabled": workflow.enabled,
        "last_run_at": iso_z_micro(workflow.last_run_at),
        "last_run_status": workflow.last_run_status,
        "created_at": iso_z_micro(workflow.created_at),
        "updated_at": iso_z_micro(workflow.updated_at),
    }


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if v is not None}
    if "nodes" in fields:
        fields["nodes"] = canonical_nodes(fields["nodes"])
    if "edges" in fields:
        fields["edges"] = canonical_edges(fields["edges"])
    return fields


@surface.route("GET", "/workflows/", permission="workflows.workflow.view")
async def list_workflows(call: Call) -> Response:
    async with call.db() as session:
        found, _ = await service.list_workflows(session)
    return JSONResponse({"workflows": [workflow_shape(w) for w in found]})


@surface.route("POST", "/workflows/", permission="workflows.workflow.create")
async def create_workflow(call: Call) -> Response:
    body = await call.body(WorkflowBody)
    async with unit_of_work(call.db) as session:
        workflow = await service.create_workflow(
            session,
            _fields(body.model_dump()),
            call.user().user_id,
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
        )
    return envelope(workflow_shape(workflow), "Workflow created", 201)


@surface.route("GET", "/workflows/{workflow_id}", permission="workflows.workflow.view")
async def get_workflow(call: Call) -> Response:
    async with call.db() as session:
        workflow = await service.get_workflow(
            session, call.request.path_params["workflow_id"]
        )
    return envelope(workflow_shape(workflow))


@surface.route(
    "PUT", "/workflows/{workflow_id}", permission="workflows.workflow.update"
)
async def update_workflow(call: Call) -> Response:
    body = await call.body(WorkflowChanges)
    async with unit_of_work(call.db) as session:
        workflow = await service.update_workflow(
            session,
            call.request.path_params["workflow_id"],
            _fields(body.model_dump(exclude_unset=True)),
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
        )
    return envelope(workflow_shape(workflow), "Workflow updated")


@surface.route(
    "DELETE", "/workflows/{workflow_id}", permission="workflows.workflow.delete"
)
async def delete_workflow(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_workflow(session, call.request.path_params["workflow_id"])
    return envelope(None, "Workflow deleted")


@surface.route(
    "POST", "/workflows/{workflow_id}/run", permission="workflows.workflow.execute"
)
async def run_workflow(call: Call) -> Response:
    body = await call.body(RunBody)
    async with unit_of_work(call.db) as session:
        execution = await service.start_run(
            session,
            call.request.path_params["workflow_id"],
            trigger_type="manual",
            trigger_data=body.trigger_data,
            test_mode=body.test_mode,
            user_id=call.user().user_id,
        )
    started = {
        "execution_id": execution.id,
        "status": execution.status,
        "started_at": iso_z_micro(execution.created_at),
    }
    return envelope(started, "Workflow started")
