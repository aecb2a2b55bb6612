"""OPMAS playbook and playbook-execution routes (`specs/opmas-playbooks.md`)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.opmas import surface
from app.compat.params import query_int
from app.compat.timefmt import iso_z
from app.db import unit_of_work
from app.errors import InvalidError
from app.executions import service as executions_service
from app.executions.errors import ExecutionNotFoundError
from app.executions.models import STATUSES, Execution
from app.executions.repository import ExecutionFilter
from app.playbooks import service
from app.playbooks.errors import PlaybookNotFoundError
from app.playbooks.models import Playbook

MAX_LIMIT = 1000


def playbook_shape(p: Playbook) -> dict[str, Any]:
    """The documented playbook object."""
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "steps": p.steps,
        "version": p.version,
        "is_active": p.is_active,
        "created_at": iso_z(p.created_at),
        "updated_at": iso_z(p.updated_at),
    }


def execution_shape(e: Execution) -> dict[str, Any]:
    """The documented playbook-execution object."""
    return {
        "id": e.id,
        "playbook_id": e.playbook_id,
        "status": e.status,
        "started_at": iso_z(e.started_at),
        "completed_at": iso_z(e.completed_at),
        "results": e.results,
        "error_message": e.error_message,
        "created_at": iso_z(e.created_at),
        "updated_at": iso_z(e.updated_at),
    }


def _bool_param(call: Call, name: str) -> bool | None:
    raw = call.request.query_params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidError(f"{name} must be true or false")
    return raw.lower() in ("true", "1")


def _playbook_id(call: Call) -> int:
    return call.path_int("playbook_id", PlaybookNotFoundError("Playbook not found"))


def _execution_id(call: Call) -> int:
    return call.path_int("execution_id", ExecutionNotFoundError("Execution not found"))


async def _object(call: Call) -> dict[str, Any]:
    data = await call.json()
    if not isinstance(data, dict):
        raise InvalidError("Request body must be a JSON object")
    return data


@surface.route("GET", "/playbooks", permission="playbooks.playbook.view")
async def list_playbooks(call: Call) -> Response:
    skip = query_int(call, "skip", 0, 0, 10**9)
    limit = query_int(call, "limit", 100, 1, MAX_LIMIT)
    active = _bool_param(call, "is_active")
    async with call.db() as session:
        rows = await service.list_playbooks(session, skip, limit, active)
    return JSONResponse([playbook_shape(p) for p in rows])


@surface.route("POST", "/playbooks", permission="playbooks.playbook.create")
async def create_playbook(call: Call) -> Response:
    data = await _object(call)
    async with unit_of_work(call.db) as session:
        playbook = await service.create(session, data)
    return JSONResponse(playbook_shape(playbook), 201)


@surface.route(
    "GET",
    "/playbooks/executions/{execution_id}",
    permission="executions.execution.view",
)
async def get_execution(call: Call) -> Response:
    execution_id = _execution_id(call)
    async with call.db() as session:
        execution = await executions_service.get(session, execution_id)
    return JSONResponse(execution_shape(execution))


@surface.route(
    "PUT",
    "/playbooks/executions/{execution_id}",
    permission="executions.execution.update",
)
async def update_execution(call: Call) -> Response:
    execution_id = _execution_id(call)
    data = await _object(call)
    results = data.get("results")
    if results is not None and not isinstance(results, dict):
        raise InvalidError("results must be an object")
    async with unit_of_work(call.db) as session:
        execution = await executions_service.get(session, execution_id)
        execution = await executions_service.apply_update(
            session, execution, data.get("status"), results
        )
    return JSONResponse(execution_shape(execution))


@surface.route("GET", "/playbooks/{playbook_id}", permission="playbooks.playbook.view")
async def get_playbook(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    async with call.db() as session:
        playbook = await service.get(session, playbook_id)
    return JSONResponse(playbook_shape(playbook))


@surface.route(
    "PUT", "/playbooks/{playbook_id}", permission="playbooks.playbook.update"
)
async def update_playbook(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    data = await _object(call)
    async with unit_of_work(call.db) as session:
        playbook = await service.update(session, playbook_id, data)
    return JSONResponse(playbook_shape(playbook))


@surface.route(
    "DELETE", "/playbooks/{playbook_id}", permission="playbooks.playbook.delete"
)
async def delete_playbook(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    async with unit_of_work(call.db) as session:
        await service.delete(session, playbook_id)
    return JSONResponse({"message": "Playbook deleted successfully"})


def _status_shape(p: Playbook) -> dict[str, Any]:
    return {"is_active": p.is_active, "updated_at": iso_z(p.updated_at)}


@surface.route(
    "GET", "/playbooks/{playbook_id}/status", permission="playbooks.playbook.view"
)
async def get_status(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    async with call.db() as session:
        playbook = await service.get(session, playbook_id)
    return JSONResponse(_status_shape(playbook))


@surface.route(
    "PUT", "/playbooks/{playbook_id}/status", permission="playbooks.playbook.update"
)
async def set_status(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    data = await _object(call)
    async with unit_of_work(call.db) as session:
        playbook = await service.set_active(session, playbook_id, data.get("is_active"))
    return JSONResponse(_status_shape(playbook))


def _targets(data: dict[str, Any]) -> tuple[list[int], int]:
    ids = data.get("device_ids", [])
    timeout = data.get("timeout", 60)
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise InvalidError("device_ids must be a list of integers")
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise InvalidError("timeout must be an integer")
    return ids, timeout


@surface.route(
    "POST", "/playbooks/{playbook_id}/execute", permission="playbooks.playbook.execute"
)
async def execute_playbook(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    device_ids, timeout = _targets(await _object(call))
    async with unit_of_work(call.db) as session:
        execution = await service.execute(
            session,
            playbook_id,
            device_ids,
            host_timeout=timeout,
            created_by=call.user().user_id,
        )
    return JSONResponse(execution_shape(execution))


@surface.route(
    "GET",
    "/playbooks/{playbook_id}/executions",
    permission="executions.execution.view",
)
async def list_executions(call: Call) -> Response:
    playbook_id = _playbook_id(call)
    skip = query_int(call, "skip", 0, 0, 10**9)
    limit = query_int(call, "limit", 100, 1, MAX_LIMIT)
    status = call.request.query_params.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidError("Invalid execution status")
    f = ExecutionFilter(playbook_id=playbook_id, statuses=[status] if status else None)
    async with call.db() as session:
        await service.get(session, playbook_id)
        page = await executions_service.list_page(session, f, skip, limit)
    return JSONResponse([execution_shape(e) for e in page.items])
