"""Business rules of schedules: validation, next-run times, firing, run now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import DomainError, found_or_raise
from app.executions import service as executions_service
from app.schedules import repository, timing
from app.schedules.errors import InvalidScheduleError, ScheduleNotFoundError
from app.schedules.models import Schedule, ScheduleFire
from app.scripts import service as scripts_service
from app.workflows import references
from app.workflows import service as workflows_service

EDITABLE = frozenset(
    {
        "name",
        "workflow_id",
        "script_id",
        "server_ids",
        "schedule_type",
        "cron_expression",
        "interval_seconds",
        "timezone",
        "config",
        "enabled",
    }
)
TIMING_FIELDS = frozenset(
    {"schedule_type", "cron_expression", "interval_seconds", "timezone", "enabled"}
)
# How a script execution can end; a script fire ends with the same status.
SCRIPT_OUTCOMES = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class FireView:
    """A recorded fire with the status of the run it started, if any."""

    fire: ScheduleFire
    status: str


def timing_of(schedule: Schedule) -> timing.Timing:
    """The timing fields of `schedule`."""
    return timing.Timing(
        schedule.schedule_type,
        schedule.cron_expression,
        schedule.interval_seconds,
        schedule.timezone,
    )


async def get_schedule(
    session: AsyncSession, schedule_id: int, target: str
) -> Schedule:
    """The schedule with `schedule_id` of kind `target` (`workflow` or `script`)."""
    return found_or_raise(
        await repository.schedule_by_id(session, schedule_id, target),
        ScheduleNotFoundError(schedule_id),
    )


async def list_schedules(
    session: AsyncSession,
    target: str,
    enabled: bool | None = None,
    status: str | None = None,
) -> list[tuple[Schedule, str | None]]:
    """Schedules of kind `target` with their last status, optionally filtered."""
    found = await repository.list_schedules(session, target, enabled)
    statuses = await last_statuses(session, [s.id for s in found])
    rows = [(s, statuses.get(s.id)) for s in found]
    return [r for r in rows if status is None or r[1] == status]


def schedule_query(target: str, enabled: bool | None) -> Select[tuple[Schedule]]:
    """Schedules of kind `target`, optionally by enabled, unordered (keyset pages)."""
    query: Select[tuple[Schedule]] = repository.schedules_matching(target, enabled)
    return query


def fire_query(schedule_id: int, target: str) -> Select[tuple[ScheduleFire]]:
    """A schedule's fires (none when it is not of kind `target`), unordered."""
    query: Select[tuple[ScheduleFire]] = repository.fires_of(schedule_id, target)
    return query


async def run_statuses(session: AsyncSession, run_ids: Sequence[str]) -> dict[str, str]:
    """The statuses of workflow runs that fires started, by run id."""
    return await workflows_service.execution_statuses(session, list(run_ids))


async def last_statuses(
    session: AsyncSession, schedule_ids: list[int]
) -> dict[int, str]:
    """Each schedule's last outcome: its last run's status, or the fire's own."""
    if not schedule_ids:
        return {}
    fires = await repository.last_fires(session, schedule_ids)
    views = await _views(session, list(fires.values()))
    return {v.fire.schedule_id: v.status for v in views}


async def create_schedule(
    session: AsyncSession, target: str, fields: dict[str, Any], user_id: int | None
) -> Schedule:
    """Validate and store a schedule; its first due time is computed now."""
    schedule = Schedule(target=target, created_by=user_id, config={}, server_ids=[])
    await _apply(session, schedule, {"enabled": True, **fields})
    session.add(schedule)
    await session.flush()
    return schedule


async def update_schedule(
    session: AsyncSession, schedule_id: int, target: str, changes: dict[str, Any]
) -> Schedule:
    """Apply `changes`; changed timing recomputes the next due time."""
    schedule = await get_schedule(session, schedule_id, target)
    await _apply(session, schedule, changes)
    await session.flush()
    return schedule


async def _apply(
    session: AsyncSession, schedule: Schedule, changes: dict[str, Any]
) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidScheduleError(f"Unknown schedule field '{field}'", field)
    for key, value in changes.items():
        setattr(schedule, key, value)
    schedule.schedule_type = schedule.schedule_type or "cron"
    schedule.timezone = schedule.timezone or "UTC"
    _check_timing(schedule)
    await _check_target(session, schedule)
    if TIMING_FIELDS & set(changes):
        schedule.next_run_at = (
            timing.next_after(timing_of(schedule), utcnow().replace(microsecond=0))
            if schedule.enabled
            else None
        )


def _check_timing(schedule: Schedule) -> None:
    if schedule.schedule_type not in ("cron", "interval"):
        raise InvalidScheduleError(
            "schedule_type must be 'cron' or 'interval'", "schedule_type"
        )
    if not timing.valid_zone(schedule.timezone):
        raise InvalidScheduleError(
            f"Unknown time zone '{schedule.timezone}'", "timezone"
        )
    if schedule.schedule_type == "interval":
        if not schedule.interval_seconds or schedule.interval_seconds < 1:
            raise InvalidScheduleError(
                "interval_seconds must be a positive number of seconds",
                "interval_seconds",
            )
    elif not schedule.cron_expression or not timing.valid_cron(
        schedule.cron_expression
    ):
        raise InvalidScheduleError(
            f"Invalid cron expression '{schedule.cron_expression}'", "cron_expression"
        )


async def _check_target(session: AsyncSession, schedule: Schedule) -> None:
    if schedule.target == "workflow":
        if not schedule.workflow_id:
            raise InvalidScheduleError("workflow_id is required", "workflow_id")
        await workflows_service.get_workflow(session, schedule.workflow_id)
        return
    if schedule.script_id is None or schedule.script_id < 1:
        raise InvalidScheduleError("script_id is required", "script_id")
    if any(not isinstance(i, int) or i < 1 for i in schedule.server_ids):
        raise InvalidScheduleError("server_ids must be server ids", "server_ids")
    await references.check_targets(session, schedule.script_id, schedule.server_ids)


async def delete_schedule(session: AsyncSession, schedule_id: int, target: str) -> None:
    """Delete a schedule with its record of fires."""
    await session.delete(await get_schedule(session, schedule_id, target))
    await session.flush()


async def set_enabled(
    session: AsyncSession, schedule_id: int, target: str, enabled: bool | None
) -> Schedule:
    """Enable or disable (None: toggle); enabling counts from now, not the past."""
    schedule = await get_schedule(session, schedule_id, target)
    wanted = (not schedule.enabled) if enabled is None else enabled
    return await update_schedule(session, schedule_id, target, {"enabled": wanted})


async def run_now(session: AsyncSession, schedule_id: int, target: str) -> FireView:
    """Fire a schedule at once, outside its timing (recorded as a manual fire)."""
    schedule = await get_schedule(session, schedule_id, target)
    now = utcnow()
    fire_id = await repository.insert_fire(
        session,
        schedule_id=schedule.id,
        fire_time=now,
        status="fired",
        manual=True,
        created_at=now,
    )
    fire = found_or_raise(
        await session.get(ScheduleFire, fire_id), ScheduleNotFoundError(schedule_id)
    )
    await start_fire(session, schedule, fire)
    return (await _views(session, [fire]))[0]


async def start_fire(
    session: AsyncSession, schedule: Schedule, fire: ScheduleFire
) -> None:
    """Start what a fire stands for; a refusal is recorded on the fire, not raised."""
    schedule.last_run_at = fire.fire_time
    if schedule.target == "script":
        await _start_script(session, schedule, fire)
        return
    trigger = {
        **schedule.config,
        "schedule_id": schedule.id,
        "fire_time": fire.fire_time.isoformat(),
    }
    try:
        # start_run refuses before it writes anything, so no savepoint is needed.
        run = await workflows_service.start_run(
            session,
            schedule.workflow_id or "",
            trigger_type="schedule",
            trigger_data=trigger,
        )
        fire.workflow_execution_id = run.id
    except DomainError as exc:
        fire.status, fire.reason = "failed", exc.message
    await session.flush()


async def _start_script(
    session: AsyncSession, schedule: Schedule, fire: ScheduleFire
) -> None:
    """Queue the schedule's script on its servers, as biRun's execute route does."""
    timeout = schedule.config.get("timeout", 60)
    try:
        # execute refuses before it writes anything, so no savepoint is needed.
        execution = await scripts_service.execute(
            session,
            schedule.script_id or 0,
            schedule.server_ids,
            host_timeout=timeout if isinstance(timeout, int) else 60,
        )
        fire.script_execution_id = execution.uuid
    except DomainError as exc:
        fire.status, fire.reason = "failed", exc.message
    await session.flush()


async def settle_script_fires(session: AsyncSession) -> int:
    """Give script fires whose execution ended its outcome; how many were settled."""
    settled = 0
    for fire in await repository.open_script_fires(session):
        try:
            execution = await executions_service.get(
                session, fire.script_execution_id or ""
            )
        except DomainError:
            fire.status, fire.reason = "failed", "its execution no longer exists"
            settled += 1
            continue
        if execution.status in SCRIPT_OUTCOMES:
            fire.status, fire.reason = execution.status, execution.error_message
            settled += 1
    await session.flush()
    return settled


async def list_fires(
    session: AsyncSession, schedule_id: int, target: str
) -> list[FireView]:
    """A schedule's recorded fires (newest first) with their runs' statuses."""
    await get_schedule(session, schedule_id, target)
    return await _views(session, await repository.list_fires(session, schedule_id))


async def _views(session: AsyncSession, fires: list[ScheduleFire]) -> list[FireView]:
    ids = [f.workflow_execution_id for f in fires if f.workflow_execution_id]
    runs = await workflows_service.execution_statuses(session, ids)
    return [
        FireView(f, runs.get(f.workflow_execution_id or "", f.status)) for f in fires
    ]


def tolerance_of(seconds: int) -> timedelta:
    """The misfire tolerance as a duration."""
    return timedelta(seconds=max(0, seconds))
