"""Every SQL statement of the pipelines domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.pipelines.models import Pipeline, PipelineCursor, PipelineExecution


async def pipelines(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID | None,
    org_id: uuid.UUID | None,
    enabled: bool | None,
    limit: int,
    offset: int,
) -> Sequence[Pipeline]:
    """Pipelines matching the filters, oldest first."""
    query = pipeline_query(workspace_id, org_id, enabled)
    query = query.order_by(Pipeline.created_at, Pipeline.id).limit(limit).offset(offset)
    return (await session.scalars(query)).all()


def pipeline_query(
    workspace_id: uuid.UUID | None, org_id: uuid.UUID | None, enabled: bool | None
) -> Select[tuple[Pipeline]]:
    """Pipelines matching the filters, unordered."""
    query = select(Pipeline)
    if workspace_id is not None:
        query = query.where(Pipeline.workspace_id == workspace_id)
    if org_id is not None:
        query = query.where(Pipeline.org_id == org_id)
    if enabled is not None:
        query = query.where(Pipeline.enabled == enabled)
    return query


async def enabled_pipelines(session: AsyncSession) -> Sequence[Pipeline]:
    """Every enabled pipeline (the trigger dispatcher filters them by event)."""
    query = select(Pipeline).where(Pipeline.enabled.is_(True)).order_by(Pipeline.id)
    return (await session.scalars(query)).all()


async def executions(
    session: AsyncSession,
    *,
    pipeline_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Sequence[PipelineExecution]:
    """Executions matching the filters, newest first."""
    query = (
        execution_query(pipeline_id, status)
        .order_by(PipelineExecution.started_at.desc(), PipelineExecution.id)
        .limit(limit)
    )
    return (await session.scalars(query.offset(offset))).all()


def execution_query(
    pipeline_id: uuid.UUID | None, status: str | None
) -> Select[tuple[PipelineExecution]]:
    """Executions matching the filters, unordered."""
    query = select(PipelineExecution)
    if pipeline_id is not None:
        query = query.where(PipelineExecution.pipeline_id == pipeline_id)
    if status is not None:
        query = query.where(PipelineExecution.status == status)
    return query


async def stats(session: AsyncSession, pipeline_id: uuid.UUID) -> dict[str, Any]:
    """Counts, last start and mean duration of a pipeline's executions."""
    done = PipelineExecution.status == "completed"
    started, ended = PipelineExecution.started_at, PipelineExecution.completed_at
    if session.bind.dialect.name == "sqlite":
        duration = (func.julianday(ended) - func.julianday(started)) * 86400.0
    else:
        duration = func.extract("epoch", ended - started)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(done),
                func.count().filter(PipelineExecution.status == "failed"),
                func.max(PipelineExecution.started_at),
                func.avg(duration).filter(done),
            ).where(PipelineExecution.pipeline_id == pipeline_id)
        )
    ).one()
    return {
        "total": row[0],
        "completed": row[1],
        "failed": row[2],
        "last": row[3],
        "average_seconds": None if row[4] is None else float(row[4]),
    }


async def claim(
    session: AsyncSession, execution_id: uuid.UUID, lease_until: datetime
) -> bool:
    """Move a `started` execution to `running`; False if it was not `started`."""
    result = await session.execute(
        update(PipelineExecution)
        .where(
            PipelineExecution.id == execution_id,
            PipelineExecution.status == "started",
        )
        .values(status="running", lease_expires_at=lease_until)
        .returning(PipelineExecution.id)
    )
    return result.scalar_one_or_none() is not None


async def renew(
    session: AsyncSession,
    execution_id: uuid.UUID,
    log: list[dict[str, Any]],
    lease_until: datetime,
) -> bool:
    """Store the step log and extend the lease; False if no longer running."""
    result = await session.execute(
        update(PipelineExecution)
        .where(
            PipelineExecution.id == execution_id,
            PipelineExecution.status == "running",
        )
        .values(execution_log=log, lease_expires_at=lease_until)
        .returning(PipelineExecution.id)
    )
    return result.scalar_one_or_none() is not None


async def fail_lapsed(session: AsyncSession, now: datetime, reason: str) -> int:
    """Fail every running execution whose lease ran out; returns how many."""
    result = await session.execute(
        update(PipelineExecution)
        .where(
            PipelineExecution.status == "running",
            PipelineExecution.lease_expires_at < now,
        )
        .values(status="failed", error_message=reason, completed_at=now)
        .returning(PipelineExecution.id)
    )
    return len(result.all())


async def finish(
    session: AsyncSession,
    execution_id: uuid.UUID,
    status: str,
    error: str | None,
    at: datetime,
) -> bool:
    """Record how a running execution ended; False if it was no longer running."""
    result = await session.execute(
        update(PipelineExecution)
        .where(
            PipelineExecution.id == execution_id,
            PipelineExecution.status == "running",
        )
        .values(
            status=status, error_message=error, completed_at=at, lease_expires_at=None
        )
        .returning(PipelineExecution.id)
    )
    return result.scalar_one_or_none() is not None


async def cursor(session: AsyncSession, name: str) -> int:
    """The last handled seq of the named cursor (0 when new)."""
    found = await session.get(PipelineCursor, name)
    return found.last_seq if found is not None else 0


async def advance_cursor(session: AsyncSession, name: str, seq: int) -> None:
    """Move the named cursor forward to `seq`."""
    found = await session.get(PipelineCursor, name)
    if found is None:
        session.add(PipelineCursor(name=name, last_seq=seq))
    elif seq > found.last_seq:
        found.last_seq = seq
    await session.flush()


async def execution_for_event(
    session: AsyncSession, pipeline_id: uuid.UUID, seq: int
) -> PipelineExecution | None:
    """The execution an event already started for a pipeline, if any."""
    return await session.scalar(
        select(PipelineExecution).where(
            PipelineExecution.pipeline_id == pipeline_id,
            PipelineExecution.event_seq == seq,
        )
    )
