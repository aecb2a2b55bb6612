"""Every SQL statement of the executions domain."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.executions.models import (
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    TERMINAL,
    Execution,
    ExecutionHost,
)
from app.executions.targets import HostRef


@dataclass(frozen=True)
class ExecutionFilter:
    """What a list of executions may be narrowed by."""

    kind: str | None = None
    statuses: Sequence[str] | None = None
    playbook_id: int | None = None
    script_id: int | None = None
    device_id: int | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


async def by_uuid(session: AsyncSession, uuid: str) -> Execution | None:
    """The execution with public id `uuid`."""
    return await session.scalar(select(Execution).where(Execution.uuid == uuid))


async def by_id(session: AsyncSession, execution_id: int) -> Execution | None:
    """The execution with integer id `execution_id`."""
    return await session.get(Execution, execution_id)


def _filtered(query: Any, f: ExecutionFilter) -> Any:
    if f.kind is not None:
        query = query.where(Execution.kind == f.kind)
    if f.statuses:
        query = query.where(Execution.status.in_(list(f.statuses)))
    if f.playbook_id is not None:
        query = query.where(Execution.playbook_id == f.playbook_id)
    if f.script_id is not None:
        query = query.where(Execution.script_id == f.script_id)
    if f.device_id is not None:
        hosts = select(ExecutionHost.execution_id).where(
            ExecutionHost.device_id == f.device_id
        )
        query = query.where(Execution.id.in_(hosts))
    if f.started_after is not None:
        query = query.where(Execution.created_at >= f.started_after)
    if f.started_before is not None:
        query = query.where(Execution.created_at <= f.started_before)
    return query


def filtered(f: ExecutionFilter) -> Any:
    """The executions `f` selects, unordered (for keyset pages)."""
    return _filtered(select(Execution), f)


async def list_executions(
    session: AsyncSession, f: ExecutionFilter, offset: int, limit: int
) -> tuple[list[Execution], int]:
    """One page of executions, newest first, and the total matching."""
    total = await session.scalar(_filtered(select(func.count(Execution.id)), f))
    rows = await session.scalars(
        _filtered(select(Execution), f)
        .order_by(Execution.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def hosts_of(
    session: AsyncSession, execution_ids: Sequence[int]
) -> list[ExecutionHost]:
    """The host rows of these executions, in creation order."""
    rows = await session.scalars(
        select(ExecutionHost)
        .where(ExecutionHost.execution_id.in_(list(execution_ids)))
        .order_by(ExecutionHost.id)
    )
    return list(rows)


async def host_rows(
    session: AsyncSession, execution_id: int
) -> list[tuple[int, int | None, str]]:
    """(id, device id, host) of an execution's host rows, in creation order."""
    rows = await session.execute(
        select(ExecutionHost.id, ExecutionHost.device_id, ExecutionHost.host)
        .where(ExecutionHost.execution_id == execution_id)
        .order_by(ExecutionHost.id)
    )
    return [(row_id, device_id, host) for row_id, device_id, host in rows]


async def add_hosts(
    session: AsyncSession, execution_id: int, hosts: Sequence[HostRef]
) -> None:
    """The pending host rows of a new execution, in one executemany."""
    if hosts:
        await session.execute(
            insert(ExecutionHost.__table__),
            [
                {"execution_id": execution_id, "device_id": h.device_id, "host": h.name}
                for h in hosts
            ],
        )


async def renew(
    session: AsyncSession, execution_id: int, token: int, lease: timedelta
) -> bool:
    """Extend the lease while we still hold it; False when it was lost."""
    stmt = (
        update(Execution)
        .where(
            Execution.id == execution_id,
            Execution.lease_token == token,
            Execution.status == RUNNING,
        )
        .values(lease_expires_at=utcnow() + lease)
        .returning(Execution.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def still_ours(session: AsyncSession, execution_id: int, token: int) -> bool:
    """True while the execution runs under our fencing token."""
    found = await session.scalar(
        select(Execution.id).where(
            Execution.id == execution_id,
            Execution.lease_token == token,
            Execution.status == RUNNING,
        )
    )
    return found is not None


async def finish(
    session: AsyncSession,
    execution_id: int,
    values: dict[str, Any],
    *,
    token: int | None = None,
) -> Execution | None:
    """Write a terminal state once: only from a live state (and our token)."""
    now = utcnow()
    stmt = update(Execution).where(
        Execution.id == execution_id, Execution.status.in_([PENDING, RUNNING])
    )
    if token is not None:
        stmt = stmt.where(Execution.lease_token == token)
    stmt = stmt.values(completed_at=now, updated_at=now, **values).returning(Execution)
    return (await session.execute(stmt)).scalar_one_or_none()


async def expired(session: AsyncSession) -> list[Execution]:
    """Running executions whose lease ran out, locked for the reconciler."""
    rows = await session.scalars(
        select(Execution)
        .where(Execution.status == RUNNING, Execution.lease_expires_at < utcnow())
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def unclaimed_since(
    session: AsyncSession, before: datetime, except_kinds: Collection[str]
) -> list[Execution]:
    """Pending executions last sent (or changed) before `before`, locked."""
    rows = await session.scalars(
        select(Execution)
        .where(
            Execution.status == PENDING,
            Execution.updated_at < before,
            Execution.kind.notin_(except_kinds),
        )
        .order_by(Execution.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def mark_sent(session: AsyncSession, execution_id: int, at: datetime) -> None:
    """Record that a pending execution's queue message was sent again at `at`."""
    await session.execute(
        update(Execution)
        .where(Execution.id == execution_id, Execution.status == PENDING)
        .values(updated_at=at)
    )


async def update_results(
    session: AsyncSession, execution_id: int, results: dict[str, Any]
) -> bool:
    """Replace the results of a live execution; False once it is settled.

    Whoever settles an execution owns its results: a later writer changes nothing.
    """
    stmt = (
        update(Execution)
        .where(Execution.id == execution_id, Execution.status.notin_(TERMINAL))
        .values(results=results, updated_at=utcnow())
        .returning(Execution.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def fill_results(
    session: AsyncSession, execution_id: int, results: dict[str, Any]
) -> None:
    """Give a settled execution the worker's results when its settler left none."""
    await session.execute(
        update(Execution)
        .where(Execution.id == execution_id, Execution.results.is_(None))
        .values(results=results, updated_at=utcnow())
    )


async def save_hosts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write each host's outcome (rows carry their primary key `id`).

    One Core executemany, not a statement per host nor ORM bulk bookkeeping:
    a 200-host fan-out settles its rows in one round trip.
    """
    if rows:
        table = ExecutionHost.__table__
        stmt = update(table).where(table.c.id == bindparam("row_id"))
        params = [
            {k: v for k, v in r.items() if k != "id"} | {"row_id": r["id"]}
            for r in rows
        ]
        await session.execute(stmt, params)


async def status_counts(session: AsyncSession, execution_id: int) -> dict[str, int]:
    """How many hosts of an execution are in each status."""
    rows = await session.execute(
        select(ExecutionHost.status, func.count())
        .where(ExecutionHost.execution_id == execution_id)
        .group_by(ExecutionHost.status)
    )
    return {status: int(n) for status, n in rows.all()}


def is_terminal(status: str) -> bool:
    """True for completed, failed and cancelled."""
    return status in TERMINAL


async def end_open_hosts(session: AsyncSession, execution_id: int, status: str) -> None:
    """Give every host still pending or running the status `status`."""
    await session.execute(
        update(ExecutionHost)
        .where(
            ExecutionHost.execution_id == execution_id,
            ExecutionHost.status.in_([PENDING, RUNNING]),
        )
        .values(status=status, completed_at=utcnow())
    )


async def add_hosts_done(session: AsyncSession, execution_id: int, count: int) -> None:
    """Count `count` more finished hosts."""
    await session.execute(
        update(Execution)
        .where(Execution.id == execution_id)
        .values(hosts_done=Execution.hosts_done + count)
    )


async def list_host_runs(
    session: AsyncSession,
    f: ExecutionFilter,
    host_statuses: Sequence[str] | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[ExecutionHost, Execution]], int]:
    """Per-host rows of matching executions, newest first, and their total."""
    query = select(ExecutionHost, Execution).join(
        Execution, Execution.id == ExecutionHost.execution_id
    )
    query = _filtered(query, f)
    if f.device_id is not None:
        query = query.where(ExecutionHost.device_id == f.device_id)
    if host_statuses:
        query = query.where(ExecutionHost.status.in_(list(host_statuses)))
    total = await session.scalar(
        select(func.count()).select_from(
            query.with_only_columns(ExecutionHost.id).subquery()
        )
    )
    rows = await session.execute(
        query.order_by(ExecutionHost.id.desc()).offset(offset).limit(limit)
    )
    return [(h, e) for h, e in rows.all()], int(total or 0)


async def host_run(
    session: AsyncSession, host_id: int
) -> tuple[ExecutionHost, Execution] | None:
    """One per-host row with its execution."""
    row = (
        await session.execute(
            select(ExecutionHost, Execution)
            .join(Execution, Execution.id == ExecutionHost.execution_id)
            .where(ExecutionHost.id == host_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def activity_counts(
    session: AsyncSession, today: datetime, hour_ago: datetime
) -> dict[str, int]:
    """Live and recent executions by state, in one aggregate."""
    status, done = Execution.status, Execution.completed_at
    columns = {
        "running": status == RUNNING,
        "pending": status == PENDING,
        "completed_today": (status == COMPLETED) & (done >= today),
        "completed_1h": (status == COMPLETED) & (done >= hour_ago),
        "failed_1h": (status == FAILED) & (done >= hour_ago),
        "running_1h": (status == RUNNING) & (Execution.started_at >= hour_ago),
    }
    query = select(*(func.count().filter(c) for c in columns.values()))
    row = (await session.execute(query.select_from(Execution))).one()
    return {name: int(n) for name, n in zip(columns, row, strict=True)}


async def start_unleased(session: AsyncSession, uuid: str) -> Execution | None:
    """Move a pending execution to running without a lease (its driver keeps one)."""
    now = utcnow()
    stmt = (
        update(Execution)
        .where(Execution.uuid == uuid, Execution.status == PENDING)
        .values(status=RUNNING, started_at=now, updated_at=now)
        .returning(Execution)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
