"""Which pending execution starts next: at most N running, in creation order."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.db import utcnow
from app.executions import repository
from app.executions.models import PENDING, RUNNING, Execution

# Claims take this transaction-scoped advisory lock on PostgreSQL, so the slot
# count each one reads includes every claim committed before it (SQLite runs
# one writer at a time anyway).
CLAIM_LOCK_ID = 0x0E7E_C5A7


@dataclass(frozen=True)
class Slots:
    """How many executions may run at once, and the kinds that do not count."""

    limit: int
    except_kinds: Collection[str]


async def claim(
    session: AsyncSession, uuid: str, owner: str, lease: timedelta, slots: Slots
) -> Execution | None:
    """Take a pending execution: running, next fencing token, fresh lease.

    Only while fewer than `slots.limit` executions run, across all workers, and
    only when no more than the free slots' worth of pending ones are older:
    waiting executions start in creation order.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:id)"), {"id": CLAIM_LOCK_ID}
        )
    other = Execution.__table__.alias("other")
    counted = other.c.kind.notin_(list(slots.except_kinds))
    busy = select(func.count()).where(
        counted,
        (other.c.status == RUNNING)
        | ((other.c.status == PENDING) & (other.c.id < Execution.id)),
    )
    now = utcnow()
    stmt = (
        update(Execution)
        .where(
            Execution.uuid == uuid,
            Execution.status == PENDING,
            busy.scalar_subquery() < slots.limit,
        )
        .values(
            status=RUNNING,
            lease_token=Execution.lease_token + 1,
            lease_owner=owner,
            lease_expires_at=now + lease,
            started_at=now,
            updated_at=now,
        )
        .returning(Execution)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# A pending execution that found no free slot asks again this much later.
SLOT_RECHECK_MS = 1000


async def wait_for_slot(session: AsyncSession, uuid: str) -> None:
    """Send a pending execution's message again shortly: it waits for a slot.

    Nothing to do when it is no longer pending (claimed, cancelled). Waiting
    holds no worker thread; the claim decides which waiting one starts first.
    """
    execution = await repository.by_uuid(session, uuid)
    if execution is None or execution.status != PENDING:
        return
    await repository.mark_sent(session, execution.id, utcnow())
    jobs.enqueue(jobs.RUN_EXECUTION, delay_ms=SLOT_RECHECK_MS, execution_id=uuid)
