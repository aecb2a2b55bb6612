"""OpsConductor `/api/scheduler/jobs`: cron and interval jobs that run workflows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.opsconductor.workflows import flag
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work
from app.schedules import service
from app.schedules.models import Schedule
from app.schedules.service import FireView

TARGET = "workflow"


class JobBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    workflow_id: str = Field(min_length=1, max_length=36)
    schedule_type: Literal["cron", "interval"] = "cron"
    cron_expression: str | None = Field(default=None, max_length=200)
    interval_seconds: int | None = Field(default=None, ge=1)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)


class JobChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    workflow_id: str | None = Field(default=None, min_length=1, max_length=36)
    schedule_type: Literal["cron", "interval"] | None = None
    cron_expression: str | None = Field(default=None, max_length=200)
    interval_seconds: int | None = Field(default=None, ge=1)
    timezone: str | None = Field(default=None, max_length=64)
    enabled: bool | None = None
    config: dict[str, Any] | None = None


def job_shape(job: Schedule, last_status: str | None) -> dict[str, object]:
    """One scheduled job as OpsConductor documents it."""
    return {
        "id": job.id,
        "name": job.name,
        "workflow_id": job.workflow_id,
        "schedule_type": job.schedule_type,
        "cron_expression": job.cron_expression,
        "interval_seconds": job.interval_seconds,
        "timezone": job.timezone,
        "config": job.config,
        "enabled": job.enabled,
        "last_run_at": iso_z_micro(job.last_run_at),
        "next_run_at": iso_z_micro(job.next_run_at),
        "last_status": last_status,
    }


def fire_shape(view: FireView) -> dict[str, object]:
    """One recorded firing of a job."""
    fire = view.fire
    return {
        "id": fire.id,
        "job_id": fire.schedule_id,
        "scheduled_time": iso_z_micro(fire.fire_time),
        "status": view.status,
        "reason": fire.reason,
        "missed_count": fire.missed_count,
        "manual": fire.manual,
        "execution_id": fire.workflow_execution_id,
        "created_at": iso_z_micro(fire.created_at),
    }


async def _one(call: Call, job: Schedule) -> Response:
    async with call.db() as session:
        statuses = await service.last_statuses(session, [job.id])
    return ok(job_shape(job, statuses.get(job.id)))


@surface.route("GET", "/scheduler/jobs", permission="schedules.job.view")
async def list_jobs(call: Call) -> Response:
    status = call.request.query_params.get("status") or None
    async with call.db() as session:
        rows = await service.list_schedules(
            session, TARGET, flag(call, "enabled"), status
        )
    return ok({"jobs": [job_shape(job, last) for job, last in rows]})


@surface.route("POST", "/scheduler/jobs", permission="schedules.job.create")
async def create_job(call: Call) -> Response:
    body = await call.body(JobBody)
    async with unit_of_work(call.db) as session:
        job = await service.create_schedule(
            session, TARGET, body.model_dump(), call.user().user_id
        )
    return ok(job_shape(job, None), status=201)


@surface.route("GET", "/scheduler/jobs/{id}", permission="schedules.job.view")
async def get_job(call: Call) -> Response:
    async with call.db() as session:
        job = await service.get_schedule(session, call.path_int("id"), TARGET)
    return await _one(call, job)


@surface.route("PUT", "/scheduler/jobs/{id}", permission="schedules.job.update")
async def update_job(call: Call) -> Response:
    body = await call.body(JobChanges)
    # Only the timing pair may be cleared (switching cron <-> interval).
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k in ("cron_expression", "interval_seconds")
    }
    async with unit_of_work(call.db) as session:
        job = await service.update_schedule(
            session, call.path_int("id"), TARGET, changes
        )
    return await _one(call, job)


@surface.route("DELETE", "/scheduler/jobs/{id}", permission="schedules.job.delete")
async def delete_job(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_schedule(session, call.path_int("id"), TARGET)
    return ok(None, message="Job deleted")


async def _enable(call: Call, enabled: bool) -> Response:
    async with unit_of_work(call.db) as session:
        job = await service.set_enabled(session, call.path_int("id"), TARGET, enabled)
    return await _one(call, job)


@surface.route("POST", "/scheduler/jobs/{id}/enable", permission="schedules.job.update")
async def enable_job(call: Call) -> Response:
    return await _enable(call, True)


@surface.route(
    "POST", "/scheduler/jobs/{id}/disable", permission="schedules.job.update"
)
async def disable_job(call: Call) -> Response:
    return await _enable(call, False)


@surface.route("POST", "/scheduler/jobs/{id}/run", permission="schedules.job.execute")
async def run_job(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        view = await service.run_now(session, call.path_int("id"), TARGET)
    return ok(fire_shape(view), message="Job started")


@surface.route(
    "GET", "/scheduler/jobs/{id}/executions", permission="schedules.job.view"
)
async def job_executions(call: Call) -> Response:
    async with call.db() as session:
        views = await service.list_fires(session, call.path_int("id"), TARGET)
    return ok({"executions": [fire_shape(v) for v in views]})
