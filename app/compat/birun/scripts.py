"""biRun script, script-execution and server-execute routes (`specs/birun.md`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app import inputs
from app.compat.base import Call
from app.compat.birun import surface
from app.compat.params import page_count, query_int
from app.compat.timefmt import iso_z
from app.db import unit_of_work
from app.errors import InvalidError
from app.executions import service as executions_service
from app.executions.models import Execution, ExecutionHost
from app.executions.repository import ExecutionFilter
from app.scripts import service
from app.scripts.models import Script
from app.scripts.service import ScriptInput

MAX_LIMIT = 500
QUEUED = "Script execution queued successfully"


class ScriptBody(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    content: str | None = None
    description: str | None = None


class ExecuteBody(BaseModel):
    server_ids: list[int] = Field(default_factory=list, max_length=10_000)
    timeout: int = Field(default=60, ge=1, le=86_400)
    group_id: int | None = None


class ServerExecuteBody(BaseModel):
    script_content: str = Field(min_length=1)
    timeout: int = Field(default=30, ge=1, le=86_400)


def script_shape(s: Script) -> dict[str, Any]:
    """biRun's script object."""
    return {
        "id": s.id,
        "name": s.name,
        "content": s.content,
        "description": s.description,
        "created_at": iso_z(s.created_at),
        "updated_at": iso_z(s.updated_at),
    }


def run_shape(
    host: ExecutionHost, execution: Execution, names: dict[int, str]
) -> dict[str, Any]:
    """biRun's per-server execution object."""
    output = "\n".join(t for t in (host.stdout, host.stderr) if t) or host.error
    return {
        "id": host.id,
        "execution_id": execution.uuid,
        "script_id": execution.script_id,
        "server_id": host.device_id,
        "status": host.status,
        "started_at": iso_z(host.started_at),
        "completed_at": iso_z(host.completed_at),
        "output": output or "",
        "exit_code": host.exit_code,
        "error": host.error,
        "script": {"id": execution.script_id, "name": names.get(execution.script_id)}
        if execution.script_id is not None
        else None,
        "server": {"id": host.device_id, "name": host.host},
    }


def _paging(call: Call) -> tuple[int, int]:
    page = query_int(call, "page", 1, 1, 10**6)
    limit = query_int(call, "limit", 20, 1, MAX_LIMIT)
    return page, limit


def _query_date(call: Call, name: str) -> datetime | None:
    raw = call.request.query_params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidError(f"{name} must be an ISO date") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _queued(execution: Execution) -> Response:
    return JSONResponse(
        {"execution_id": execution.uuid, "status": "queued", "message": QUEUED}
    )


@surface.route("GET", "/scripts/", permission="scripts.script.view")
async def list_scripts(call: Call) -> Response:
    page, limit = _paging(call)
    search = call.request.query_params.get("search") or None
    async with call.db() as session:
        rows, total = await service.list_scripts(
            session, (page - 1) * limit, limit, search
        )
    return JSONResponse(
        {
            "scripts": [script_shape(s) for s in rows],
            "total": total,
            "page": page,
            "pages": page_count(total, limit, minimum=1),
        }
    )


@surface.route("POST", "/scripts/", permission="scripts.script.create")
async def create_script(call: Call) -> Response:
    body = await call.body(ScriptBody)
    async with unit_of_work(call.db) as session:
        script = await service.create(session, ScriptInput(**body.model_dump()))
    return JSONResponse(script_shape(script), 201)


@surface.route("GET", "/scripts/executions/", permission="executions.execution.view")
async def list_runs(call: Call) -> Response:
    return await _runs(call, None)


@surface.route(
    "GET", "/scripts/executions/{execution_id}", permission="executions.execution.view"
)
async def get_run(call: Call) -> Response:
    key = str(call.request.path_params["execution_id"])
    async with call.db() as session:
        if (host_id := inputs.parse_id(key)) is not None:
            host, execution = await executions_service.host_run(session, host_id)
            names = await service.names(session, [execution.script_id or 0])
            return JSONResponse(run_shape(host, execution, names))
        execution = await executions_service.get(session, key)
        hosts = await executions_service.hosts(session, execution)
        names = await service.names(session, [execution.script_id or 0])
    return JSONResponse(_execution_shape(execution, hosts, names))


def _execution_shape(
    execution: Execution, hosts: list[ExecutionHost], names: dict[int, str]
) -> dict[str, Any]:
    return {
        "execution_id": execution.uuid,
        "script_id": execution.script_id,
        "status": execution.status,
        "started_at": iso_z(execution.started_at),
        "completed_at": iso_z(execution.completed_at),
        "error_message": execution.error_message,
        "results": [run_shape(h, execution, names) for h in hosts],
    }


@surface.route(
    "POST",
    "/scripts/executions/{execution_id}/stop",
    permission="executions.execution.cancel",
)
async def stop_run(call: Call) -> Response:
    key = str(call.request.path_params["execution_id"])
    async with unit_of_work(call.db) as session:
        if (host_id := inputs.parse_id(key)) is not None:
            _, execution = await executions_service.host_run(session, host_id)
        else:
            execution = await executions_service.get(session, key)
        execution = await executions_service.cancel(session, execution)
    return JSONResponse(
        {
            "execution_id": execution.uuid,
            "status": execution.status,
            "message": "Execution stopped",
        }
    )


@surface.route("GET", "/scripts/{script_id}", permission="scripts.script.view")
async def get_script(call: Call) -> Response:
    async with call.db() as session:
        script = await service.get(session, call.path_int("script_id"))
    return JSONResponse(script_shape(script))


@surface.route("PUT", "/scripts/{script_id}", permission="scripts.script.update")
async def update_script(call: Call) -> Response:
    body = await call.body(ScriptBody)
    async with unit_of_work(call.db) as session:
        script = await service.update(
            session, call.path_int("script_id"), ScriptInput(**body.model_dump())
        )
    return JSONResponse(script_shape(script))


@surface.route("DELETE", "/scripts/{script_id}", permission="scripts.script.delete")
async def delete_script(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete(session, call.path_int("script_id"))
    return JSONResponse({"message": "Script deleted successfully"})


@surface.route(
    "POST", "/scripts/{script_id}/execute", permission="scripts.script.execute"
)
async def execute_script(call: Call) -> Response:
    body = await call.body(ExecuteBody)
    async with unit_of_work(call.db) as session:
        execution = await service.execute(
            session,
            call.path_int("script_id"),
            body.server_ids,
            group_id=body.group_id,
            host_timeout=body.timeout,
            created_by=call.user().user_id,
        )
    return _queued(execution)


@surface.route(
    "GET", "/scripts/{script_id}/executions", permission="executions.execution.view"
)
async def script_runs(call: Call) -> Response:
    script_id = call.path_int("script_id")
    async with call.db() as session:
        await service.get(session, script_id)
    return await _runs(call, script_id)


async def _runs(call: Call, script_id: int | None) -> Response:
    page, limit = _paging(call)
    params = call.request.query_params
    status = params.get("status") or None
    f = ExecutionFilter(
        kind="script",
        script_id=script_id or query_int(call, "script_id", 0, 0, 2**31) or None,
        device_id=query_int(call, "server_id", 0, 0, 2**31) or None,
        started_after=_query_date(call, "start_date"),
        started_before=_query_date(call, "end_date"),
    )
    async with call.db() as session:
        found = await executions_service.list_host_runs(
            session, f, [status] if status else None, (page - 1) * limit, limit
        )
        names = await service.names(session, [e.script_id or 0 for _, e in found.items])
    return JSONResponse(
        {
            "executions": [run_shape(h, e, names) for h, e in found.items],
            "total": found.total,
            "page": page,
            "pages": page_count(found.total, limit, minimum=1),
        }
    )


@surface.route(
    "POST", "/servers/{server_id}/execute", permission="scripts.script.execute"
)
async def execute_on_server(call: Call) -> Response:
    body = await call.body(ServerExecuteBody)
    async with unit_of_work(call.db) as session:
        execution = await service.execute_content(
            session,
            call.path_int("server_id"),
            body.script_content,
            host_timeout=body.timeout,
            created_by=call.user().user_id,
        )
    return _queued(execution)
