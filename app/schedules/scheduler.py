"""The scheduler loop: one leader per pass fires each due time exactly once.

Two guards, as DESIGN.md asks: a PostgreSQL advisory lock makes one scheduler
the leader of a pass (SQLite has one process, which always leads), and the
unique (schedule_id, fire_time) row means that even two leaders, say after a
lost lock, cannot fire the same due time twice: the second insert does nothing
and starts nothing.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Sessionmaker, unit_of_work, utcnow
from app.runtime_settings import service as settings_service
from app.schedules import repository, service, timing
from app.schedules.models import Schedule, ScheduleFire
from app.settings import Settings
from app.workflows import service as workflows_service

log = logging.getLogger(__name__)


@dataclass
class Pass:
    """What one scheduler pass did."""

    led: bool = False
    fired: list[tuple[int, datetime]] = field(default_factory=list)
    skipped: list[tuple[int, datetime, int]] = field(default_factory=list)
    event_runs: int = 0
    cron_runs: int = 0
    settled: int = 0


async def tick(db: Sessionmaker, now: datetime | None = None) -> Pass:
    """One pass: if this scheduler leads, fire (or skip) every due schedule."""
    now = now or utcnow()
    current = await settings_service.effective(db)
    tolerance = service.tolerance_of(current.schedule_trigger_tolerance_seconds)
    done = Pass()
    async with unit_of_work(db) as session:
        if not await repository.try_lead(session):
            return done
        done.led = True
        for schedule in await repository.due_schedules(session, now):
            await _handle_due(session, schedule, now, tolerance, done)
        done.event_runs = await workflows_service.dispatch_events(session, db)
        done.cron_runs = await workflows_service.dispatch_cron(session, now, tolerance)
        done.settled = await service.settle_script_fires(session)
    await workflows_service.reconcile_expired(db)
    return done


async def _handle_due(
    session: AsyncSession,
    schedule: Schedule,
    now: datetime,
    tolerance: timedelta,
    done: Pass,
) -> None:
    due = schedule.next_run_at or now
    plan = timing.plan(service.timing_of(schedule), due, now, tolerance)
    if plan.skipped_first is not None:
        recorded = await repository.insert_fire(
            session,
            schedule_id=schedule.id,
            fire_time=plan.skipped_first,
            status="skipped",
            reason=_skip_reason(plan, tolerance),
            missed_count=plan.skipped_count,
            created_at=now,
        )
        if recorded is not None:
            done.skipped.append((schedule.id, plan.skipped_first, plan.skipped_count))
    if plan.fire is not None:
        await _fire(session, schedule, plan.fire, now, done)
    schedule.next_run_at = plan.next_run


def _skip_reason(plan: timing.Plan, tolerance: timedelta) -> str:
    seconds = int(tolerance.total_seconds())
    if plan.fire is not None:
        return (
            f"{plan.skipped_count} earlier due time(s) missed; "
            "only the latest one within tolerance fired"
        )
    return f"missed by more than the {seconds} s tolerance"


async def _fire(
    session: AsyncSession,
    schedule: Schedule,
    fire_time: datetime,
    now: datetime,
    done: Pass,
) -> None:
    fire_id = await repository.insert_fire(
        session,
        schedule_id=schedule.id,
        fire_time=fire_time,
        status="fired",
        created_at=now,
    )
    if fire_id is None:
        return
    fire = await session.get(ScheduleFire, fire_id)
    if fire is not None:
        await service.start_fire(session, schedule, fire)
        done.fired.append((schedule.id, fire_time))


async def run_loop(db: Sessionmaker, settings: Settings, stop: asyncio.Event) -> None:
    """Tick every `scheduler_interval_seconds` until `stop` is set."""
    log.info("scheduler started")
    while not stop.is_set():
        try:
            await tick(db)
        except Exception:
            log.exception("scheduler pass failed; retrying next tick")
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.scheduler_interval_seconds)
    log.info("scheduler stopped")
