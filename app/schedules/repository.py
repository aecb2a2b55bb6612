"""Every SQL statement of the schedules domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.schedules.models import Schedule, ScheduleFire

# One scheduler leads per pass: the transaction-scoped advisory lock is held by
# whichever scheduler took it first and is released when its pass commits.
LEADER_LOCK_ID = 0x0965_5C4E


async def try_lead(session: AsyncSession) -> bool:
    """Take the scheduler leader lock for this transaction (always, on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": LEADER_LOCK_ID}
    )
    return bool(taken)


async def due_schedules(
    session: AsyncSession, now: datetime, limit: int = 100
) -> list[Schedule]:
    """Enabled schedules due by `now`, locked; rows another pass holds are skipped."""
    query = (
        select(Schedule)
        .where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
        .order_by(Schedule.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))


async def insert_fire(session: AsyncSession, **values: Any) -> int | None:
    """Record one fire; None when that (schedule, fire_time) was already recorded."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ScheduleFire)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["schedule_id", "fire_time"])
        .returning(ScheduleFire.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def schedule_by_id(
    session: AsyncSession, schedule_id: int, target: str
) -> Schedule | None:
    """The schedule with `schedule_id` if it has `target`."""
    found = await session.get(Schedule, schedule_id)
    return found if found is not None and found.target == target else None


async def list_schedules(
    session: AsyncSession, target: str, enabled: bool | None = None
) -> list[Schedule]:
    """Schedules of one target kind, by id."""
    query = select(Schedule).where(Schedule.target == target)
    if enabled is not None:
        query = query.where(Schedule.enabled.is_(enabled))
    return list(await session.scalars(query.order_by(Schedule.id)))


def schedules_matching(target: str, enabled: bool | None) -> Any:
    """Schedules of one target kind, optionally by enabled, unordered."""
    query = select(Schedule).where(Schedule.target == target)
    if enabled is not None:
        query = query.where(Schedule.enabled.is_(enabled))
    return query


def fires_of(schedule_id: int, target: str) -> Any:
    """The fires of a schedule of kind `target`, unordered."""
    return (
        select(ScheduleFire)
        .join(Schedule, Schedule.id == ScheduleFire.schedule_id)
        .where(ScheduleFire.schedule_id == schedule_id, Schedule.target == target)
    )


async def list_fires(
    session: AsyncSession, schedule_id: int, limit: int = 100
) -> list[ScheduleFire]:
    """A schedule's fires, newest due time first."""
    return list(
        await session.scalars(
            select(ScheduleFire)
            .where(ScheduleFire.schedule_id == schedule_id)
            .order_by(ScheduleFire.fire_time.desc(), ScheduleFire.id.desc())
            .limit(limit)
        )
    )


async def last_fires(
    session: AsyncSession, schedule_ids: Sequence[int]
) -> dict[int, ScheduleFire]:
    """The most recently recorded fire of each schedule."""
    newest = (
        select(func.max(ScheduleFire.id))
        .where(ScheduleFire.schedule_id.in_(schedule_ids))
        .group_by(ScheduleFire.schedule_id)
    )
    rows = await session.scalars(
        select(ScheduleFire).where(ScheduleFire.id.in_(newest))
    )
    return {f.schedule_id: f for f in rows}


async def open_script_fires(
    session: AsyncSession, limit: int = 500
) -> list[ScheduleFire]:
    """Script fires still `fired` (their execution's end not yet recorded), locked."""
    query = (
        select(ScheduleFire)
        .where(
            ScheduleFire.status == "fired",
            ScheduleFire.script_execution_id.is_not(None),
        )
        .order_by(ScheduleFire.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))
