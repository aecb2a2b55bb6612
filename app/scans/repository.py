"""Every SQL statement of the scans domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.scans.models import ACTIVE, PeriodicRun, Scan, ScanResult


async def add_scan(session: AsyncSession, scan: Scan) -> Scan:
    """Insert a scan."""
    session.add(scan)
    await session.flush()
    return scan


async def scan_by_id(
    session: AsyncSession, scan_id: uuid.UUID, *, lock: bool = False
) -> Scan | None:
    """The scan with `scan_id`, optionally locked for update."""
    query = select(Scan).where(Scan.id == scan_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


def scans_matching(status: str | None, scan_type: str | None) -> Any:
    """The scans of this status and type (None: any), unordered."""
    query = select(Scan)
    if status is not None:
        query = query.where(Scan.status == status)
    if scan_type is not None:
        query = query.where(Scan.type == scan_type)
    return query


def results_of(scan_id: uuid.UUID) -> Any:
    """The results of one scan, unordered."""
    return select(ScanResult).where(ScanResult.scan_id == scan_id)


async def list_scans(session: AsyncSession, limit: int, offset: int) -> Sequence[Scan]:
    """Scans, newest first."""
    query = select(Scan).order_by(Scan.started_at.desc()).limit(limit).offset(offset)
    return (await session.scalars(query)).all()


async def count_scans(session: AsyncSession) -> int:
    """How many scans exist."""
    return int((await session.scalar(select(func.count()).select_from(Scan))) or 0)


async def latest_scan(session: AsyncSession) -> Scan | None:
    """The most recently started scan."""
    found = await list_scans(session, 1, 0)
    return found[0] if found else None


async def claim(
    session: AsyncSession, scan_id: uuid.UUID, token: uuid.UUID
) -> Scan | None:
    """Mark a running, unclaimed scan as ours; None when it is not claimable."""
    stmt = (
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ACTIVE, Scan.claim.is_(None))
        .values(claim=token, heartbeat_at=utcnow())
        .returning(Scan)
    )
    return (await session.scalars(stmt)).one_or_none()


async def done_addresses(session: AsyncSession, scan_id: uuid.UUID) -> set[str]:
    """Addresses of `scan_id` that already have a result."""
    query = select(ScanResult.address).where(ScanResult.scan_id == scan_id)
    return set((await session.scalars(query)).all())


async def advance(
    session: AsyncSession, scan_id: uuid.UUID, *, finished: int, discovered: int
) -> Scan | None:
    """Count `finished` more targets on a running scan; None if it stopped."""
    completed = Scan.completed_targets + finished
    stmt = (
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ACTIVE)
        .values(
            completed_targets=completed,
            discovered_devices=Scan.discovered_devices + discovered,
            progress=completed * 100 // Scan.total_targets,
            heartbeat_at=utcnow(),
        )
        .returning(Scan)
    )
    return (await session.scalars(stmt)).one_or_none()


async def finish(
    session: AsyncSession,
    scan_id: uuid.UUID,
    status: str,
    *,
    error: str | None = None,
) -> Scan | None:
    """Move a running scan to `status`; None when it was no longer running."""
    values: dict[str, object] = {"status": status, "completed_at": utcnow()}
    if status == "completed":
        values["progress"] = 100
    if error is not None:
        values["error"] = error[:500]
    stmt = (
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ACTIVE)
        .values(**values)
        .returning(Scan)
    )
    return (await session.scalars(stmt)).one_or_none()


async def status_of(session: AsyncSession, scan_id: uuid.UUID) -> str | None:
    """The current status of a scan."""
    return await session.scalar(select(Scan.status).where(Scan.id == scan_id))


async def add_results(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert finished targets' results (column values), in one statement."""
    await session.execute(insert(ScanResult), rows)


async def results(session: AsyncSession, scan_id: uuid.UUID) -> Sequence[ScanResult]:
    """Results of a scan, in address order of completion."""
    query = select(ScanResult).where(ScanResult.scan_id == scan_id)
    return (await session.scalars(query.order_by(ScanResult.id))).all()


async def snmp_device_ids(session: AsyncSession) -> set[int]:
    """Fleet devices that answered SNMP in some scan.

    Rows written before `snmp` stored SQL NULL hold JSON `null` for "no answer":
    its text is 'null' on both PostgreSQL and SQLite.
    """
    query = select(ScanResult.device_id).where(
        ScanResult.device_id.is_not(None),
        ScanResult.snmp.is_not(None),
        cast(ScanResult.snmp, String) != "null",
    )
    return {int(r) for r in (await session.scalars(query.distinct())).all()}


async def stale_scan_ids(session: AsyncSession, before: datetime) -> list[uuid.UUID]:
    """Running scans with no sign of life since `before`."""
    query = select(Scan.id).where(Scan.status == ACTIVE, Scan.heartbeat_at < before)
    return list((await session.scalars(query)).all())


async def claim_period(
    session: AsyncSession, name: str, now: datetime, due_before: datetime
) -> bool:
    """True for the one caller that finds `name` due (last run before `due_before`).

    The first sighting only starts the clock, so a fresh start does not fire.
    """
    row = await session.get(PeriodicRun, name, with_for_update=True)
    if row is None:
        session.add(PeriodicRun(name=name, last_at=now))
        await session.flush()
        return False
    if row.last_at >= due_before:
        return False
    row.last_at = now
    await session.flush()
    return True


async def counts(session: AsyncSession, since: datetime) -> dict[str, int]:
    """Running scans, and scans that ended successfully since `since`."""
    running = select(func.count()).where(Scan.status == ACTIVE)
    done = select(func.count()).where(
        Scan.status == "completed", Scan.completed_at >= since
    )
    return {
        "running": int(await session.scalar(running) or 0),
        "completed_today": int(await session.scalar(done) or 0),
    }
