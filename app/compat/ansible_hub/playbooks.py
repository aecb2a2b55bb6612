"""Ansible Hub Playbook API (ansible-hub.md "Playbook 管理 API")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool
from starlette.responses import JSONResponse, Response

from app.ansible import job_service
from app.ansible import service as playbooks
from app.ansible.models import AnsibleJob, AnsiblePlaybook
from app.compat import params
from app.compat.ansible_hub import ok, surface
from app.compat.base import Call
from app.compat.timefmt import iso_z
from app.db import unit_of_work

VIEW = "playbooks.ansible_playbook.view"
JOB_VIEW = "playbooks.ansible_job.view"


class TaskBody(BaseModel):
    id: int | None = None
    enabled: StrictBool
    content: str = Field(max_length=100_000)


class CreateBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: str
    main: dict[str, Any]
    tasks: list[TaskBody] = Field(max_length=500)


class UpdateBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    type: str | None = None
    main: dict[str, Any] | None = None
    tasks: list[TaskBody] | None = Field(default=None, max_length=500)


class ListQuery(BaseModel):
    search: str | None = Field(default=None, max_length=200)
    type: Literal["Machine", "Other"] | None = None
    status: Literal["Success", "Fail", "Not start"] | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=10, ge=1, le=playbooks.MAX_PER_PAGE)


class ExecuteBody(BaseModel):
    playbook_ids: list[int] = Field(min_length=1, max_length=job_service.MAX_PLAYBOOKS)
    inventory_id: int | None = None
    extra_vars: dict[str, Any] = Field(default_factory=dict)


def summary_shape(p: AnsiblePlaybook) -> dict[str, Any]:
    """A playbook as the list shows it."""
    return {
        "id": p.id,
        "name": p.name,
        "type": p.type,
        "status": p.status,
        "last_run_at": iso_z(p.last_run_at),
        "created_at": iso_z(p.created_at),
        "updated_at": iso_z(p.updated_at),
    }


def playbook_shape(p: AnsiblePlaybook) -> dict[str, Any]:
    """A playbook with its play header and tasks."""
    tasks = [{"id": t.id, "enabled": t.enabled, "content": t.content} for t in p.tasks]
    return {
        "id": p.id,
        "name": p.name,
        "type": p.type,
        "status": p.status,
        "main": p.main,
        "tasks": tasks,
        "last_run_at": iso_z(p.last_run_at),
        "created_at": iso_z(p.created_at),
        "updated_at": iso_z(p.updated_at),
    }


def _drafts(tasks: list[TaskBody]) -> list[playbooks.TaskDraft]:
    return [playbooks.TaskDraft(t.enabled, t.content, t.id) for t in tasks]


@surface.route("GET", "/playbooks", permission=VIEW)
async def list_playbooks(call: Call) -> Response:
    query = params.query(call, ListQuery)
    async with call.db() as session:
        page = await playbooks.list_playbooks(
            session,
            search=query.search,
            type_=query.type,
            status=query.status,
            page=query.page,
            per_page=query.per_page,
        )
    pagination = {
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_pages": params.page_count(page.total, page.per_page),
    }
    items = [summary_shape(p) for p in page.items]
    return ok({"items": items, "pagination": pagination})


@surface.route("GET", "/playbooks/{id}", permission=VIEW)
async def get_playbook(call: Call) -> Response:
    playbook_id = call.path_int("id")
    async with call.db() as session:
        playbook = await playbooks.get_playbook(session, playbook_id)
    return ok(playbook_shape(playbook))


@surface.route("POST", "/playbooks", permission="playbooks.ansible_playbook.create")
async def create_playbook(call: Call) -> Response:
    body = await call.body(CreateBody)
    async with unit_of_work(call.db) as session:
        playbook = await playbooks.create_playbook(
            session,
            name=body.name,
            type_=body.type,
            main=body.main,
            tasks=_drafts(body.tasks),
        )
    return ok(playbook_shape(playbook), status=201, message="Playbook 創建成功")


@surface.route("PUT", "/playbooks/{id}", permission="playbooks.ansible_playbook.update")
async def update_playbook(call: Call) -> Response:
    playbook_id = call.path_int("id")
    body = await call.body(UpdateBody)
    async with unit_of_work(call.db) as session:
        playbook = await playbooks.update_playbook(
            session,
            playbook_id,
            name=body.name,
            type_=body.type,
            main=body.main,
            tasks=None if body.tasks is None else _drafts(body.tasks),
        )
    return ok(playbook_shape(playbook), message="Playbook 更新成功")


@surface.route(
    "DELETE", "/playbooks/{id}", permission="playbooks.ansible_playbook.delete"
)
async def delete_playbook(call: Call) -> Response:
    playbook_id = call.path_int("id")
    async with unit_of_work(call.db) as session:
        await playbooks.delete_playbook(session, playbook_id)
    return JSONResponse({"success": True, "message": "Playbook 刪除成功"})


def job_shape(job: AnsibleJob) -> dict[str, Any]:
    """A job with each playbook's status, Ansible output and times."""
    entries = [
        {
            "id": e.playbook_id,
            "name": e.name,
            "status": e.status,
            "output": e.output,
            "started_at": iso_z(e.started_at),
            "completed_at": iso_z(e.completed_at),
        }
        for e in job.playbooks
    ]
    return {
        "job_id": job.id,
        "status": job.status,
        "playbooks": entries,
        "created_at": iso_z(job.created_at),
        "started_at": iso_z(job.started_at),
        "completed_at": iso_z(job.completed_at),
    }


@surface.route(
    "POST", "/playbooks/execute", permission="playbooks.ansible_playbook.execute"
)
async def execute_playbooks(call: Call) -> Response:
    body = await call.body(ExecuteBody)
    async with unit_of_work(call.db) as session:
        job = await job_service.create_job(
            session,
            body.playbook_ids,
            inventory_id=body.inventory_id,
            extra_vars=body.extra_vars,
            user_id=call.user().user_id,
        )
    data = {
        "job_id": job.id,
        "status": job.status,
        "playbooks": [
            {"id": e.playbook_id, "name": e.name, "status": e.status}
            for e in job.playbooks
        ],
        "created_at": iso_z(job.created_at),
    }
    return ok(data, message="Playbook 執行已排程")


@surface.route("GET", "/playbooks/jobs/{job_id}", permission=JOB_VIEW)
async def get_job(call: Call) -> Response:
    job_id = str(call.request.path_params["job_id"])
    async with call.db() as session:
        job = await job_service.get_job(session, job_id)
    return ok(job_shape(job))
