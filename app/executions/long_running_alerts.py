"""Executions running longer than `long_running_delay_seconds` raise one alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.alerts import service as alerts_service
from app.db import utcnow
from app.executions.models import RUNNING, Execution


async def mark_long_running(session: AsyncSession, before: datetime) -> list[Execution]:
    """Running executions started before `before` and not yet flagged; flag them.

    The conditional update flags each execution once, whichever worker's
    reconciler gets there first.
    """
    now = utcnow()
    stmt = (
        update(Execution)
        .where(
            Execution.status == RUNNING,
            Execution.started_at < before,
            Execution.long_running_alerted_at.is_(None),
        )
        .values(long_running_alerted_at=now)
        .returning(Execution)
    )
    return list((await session.execute(stmt)).scalars())


async def raise_due(session: AsyncSession, delay: timedelta) -> list[str]:
    """Alert once (alert.raised) and state the fact once (execution.long_running)."""
    flagged = await mark_long_running(session, utcnow() - delay)
    for execution in flagged:
        assert execution.started_at is not None  # noqa: S101  running
        minutes = (utcnow() - execution.started_at).total_seconds() / 60
        await alerts_service.raise_alert(
            session,
            key=f"execution.long_running:{execution.uuid}",
            title=f"Execution {execution.id} is running long",
            message=(
                f"Execution {execution.uuid} ({execution.kind}) has been running "
                f"for {minutes:.1f} min, past the {delay.total_seconds():.0f} s "
                "long-running delay"
            ),
            source="executions",
        )
        fact = {
            "execution_id": execution.uuid,
            "id": execution.id,
            "kind": execution.kind,
            "playbook_id": execution.playbook_id,
            "script_id": execution.script_id,
            "started_at": execution.started_at.isoformat(),
        }
        await events.emit_domain(session, "execution.long_running", fact)
    return [e.uuid for e in flagged]
