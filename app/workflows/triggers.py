"""Event triggers: domain events start workflows whose `trigger:event` matches.

The scheduler leader calls `dispatch` inside its pass; the cursor row moves in
the same transaction as the runs it starts, so each event starts each matching
workflow once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import Sessionmaker
from app.events.models import EventStream
from app.workflows.models import Workflow, WorkflowEventCursor

BATCH = 500


async def _cursor(session: AsyncSession) -> WorkflowEventCursor:
    """The domain stream's cursor, locked; created at the stream's head."""
    stream = events.DOMAIN_STREAM
    cursor = await session.get(WorkflowEventCursor, stream, with_for_update=True)
    if cursor is None:
        head = await session.scalar(
            select(EventStream.last_seq).where(EventStream.name == stream)
        )
        cursor = WorkflowEventCursor(stream=stream, last_seq=head or 0)
        session.add(cursor)
        await session.flush()
    return cursor


def _matches(workflow: Workflow, event: events.Event) -> bool:
    if event.data.get("workflow_id") == workflow.id:
        return False  # a workflow's own outcome never re-triggers it
    for node in workflow.nodes:
        config: dict[str, Any] = node.get("data") or {}
        if node.get("type") != "trigger:event":
            continue
        wanted = config.get("filter") or {}
        if config.get("event_type") == event.type and all(
            event.data.get(k) == v for k, v in wanted.items()
        ):
            return True
    return False


async def due_runs(
    session: AsyncSession, db: Sessionmaker
) -> list[tuple[str, dict[str, Any]]]:
    """(workflow id, trigger data) for every new event and matching workflow."""
    cursor = await _cursor(session)
    batch = await events.history(db, events.DOMAIN_STREAM, cursor.last_seq, limit=BATCH)
    if not batch:
        return []
    cursor.last_seq = batch[-1].seq
    listening = [
        w
        for w in await session.scalars(
            select(Workflow).where(
                Workflow.enabled.is_(True), Workflow.is_template.is_(False)
            )
        )
        if any(n.get("type") == "trigger:event" for n in w.nodes)
    ]
    return [
        (w.id, {"event_type": e.type, "event_seq": e.seq, **e.data})
        for e in batch
        for w in listening
        if _matches(w, e)
    ]
