"""biRun `/schedules/`: cron schedules of a script on a set of servers."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.compat.birun.workflows import envelope
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work
from app.schedules import service
from app.schedules.models import Schedule

TARGET = "script"


class ScheduleBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    cron_expression: str = Field(min_length=1, max_length=200)
    script_id: int = Field(ge=1)
    server_ids: list[int] = Field(default_factory=list)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = True


class ScheduleChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    cron_expression: str | None = Field(default=None, min_length=1, max_length=200)
    script_id: int | None = Field(default=None, ge=1)
    server_ids: list[int] | None = None
    timezone: str | None = Field(default=None, max_length=64)
    enabled: bool | None = None


def schedule_shape(schedule: Schedule) -> dict[str, object]:
    """One schedule as biRun documents it (plus its zone)."""
    return {
        "id": schedule.id,
        "name": schedule.name,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone,
        "script_id": schedule.script_id,
        "server_ids": schedule.server_ids,
        "enabled": schedule.enabled,
        "next_run_at": iso_z_micro(schedule.next_run_at),
        "created_at": iso_z_micro(schedule.created_at),
    }


@surface.route("GET", "/schedules/", permission="schedules.schedule.view")
async def list_schedules(call: Call) -> Response:
    async with call.db() as session:
        rows = await service.list_schedules(session, TARGET)
    return JSONResponse({"schedules": [schedule_shape(s) for s, _ in rows]})


@surface.route("POST", "/schedules/", permission="schedules.schedule.create")
async def create_schedule(call: Call) -> Response:
    body = await call.body(ScheduleBody)
    fields = {**body.model_dump(), "schedule_type": "cron"}
    async with unit_of_work(call.db) as session:
        schedule = await service.create_schedule(
            session, TARGET, fields, call.user().user_id
        )
    return envelope(schedule_shape(schedule), "Schedule created", 201)


@surface.route("GET", "/schedules/{schedule_id}", permission="schedules.schedule.view")
async def get_schedule(call: Call) -> Response:
    async with call.db() as session:
        schedule = await service.get_schedule(
            session, call.path_int("schedule_id"), TARGET
        )
    return envelope(schedule_shape(schedule))


@surface.route(
    "PUT", "/schedules/{schedule_id}", permission="schedules.schedule.update"
)
async def update_schedule(call: Call) -> Response:
    body = await call.body(ScheduleChanges)
    changes = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None
    }
    async with unit_of_work(call.db) as session:
        schedule = await service.update_schedule(
            session, call.path_int("schedule_id"), TARGET, changes
        )
    return envelope(schedule_shape(schedule), "Schedule updated")


@surface.route(
    "DELETE", "/schedules/{schedule_id}", permission="schedules.schedule.delete"
)
async def delete_schedule(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_schedule(session, call.path_int("schedule_id"), TARGET)
    return envelope(None, "Schedule deleted")


@surface.route(
    "POST", "/schedules/{schedule_id}/toggle", permission="schedules.schedule.update"
)
async def toggle_schedule(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        schedule = await service.set_enabled(
            session, call.path_int("schedule_id"), TARGET, None
        )
    state = "enabled" if schedule.enabled else "disabled"
    return envelope(schedule_shape(schedule), f"Schedule {state}")
