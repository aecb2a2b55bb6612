"""Cron triggers: a workflow's `trigger:cron` nodes start it at their due times.

Saving a graph rewrites the workflow's rows (an unchanged trigger keeps its next
due time). The scheduler leader calls `due_runs` in its pass: due rows are locked
(SKIP LOCKED) and moved past `now` in the same transaction as the runs started
for them, so each due time starts the workflow once however many schedulers run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.workflows.models import Workflow, WorkflowCronTrigger
from app.workflows.templating import is_template

log = logging.getLogger(__name__)
BATCH = 100


def cron_nodes(nodes: Sequence[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """{node id: (expression, zone)} of `trigger:cron` and biRun cron `trigger` nodes.

    A templated expression has no due time and is left out.
    """
    found: dict[str, tuple[str, str]] = {}
    for node in nodes:
        data = node.get("data") or {}
        expression = data.get("cron_expression")
        if node.get("type") not in ("trigger:cron", "trigger"):
            continue
        if isinstance(expression, str) and not is_template(expression):
            zone = (
                data.get("timezone", "UTC") if node["type"] == "trigger:cron" else "UTC"
            )
            found[node["id"]] = (expression, zone)
    return found


def next_after(expression: str, zone: str, after: datetime) -> datetime:
    """The first due time of `expression` (read in `zone`) after `after`, in UTC."""
    local = after.astimezone(ZoneInfo(zone))
    return croniter(expression, local).get_next(datetime).astimezone(UTC)


async def sync(session: AsyncSession, workflow: Workflow, now: datetime) -> None:
    """Make the workflow's trigger rows match its graph (templates have none)."""
    wanted = {} if workflow.is_template else cron_nodes(workflow.nodes)
    rows = await session.scalars(
        select(WorkflowCronTrigger).where(
            WorkflowCronTrigger.workflow_id == workflow.id
        )
    )
    existing = {row.node_id: row for row in rows}
    for node_id, row in existing.items():
        if node_id not in wanted:
            await session.delete(row)
        elif (row.cron_expression, row.timezone) != wanted[node_id]:
            row.cron_expression, row.timezone = wanted[node_id]
            row.next_run_at = next_after(*wanted[node_id], now)
    for node_id, (expression, zone) in wanted.items():
        if node_id not in existing:
            session.add(
                WorkflowCronTrigger(
                    workflow_id=workflow.id,
                    node_id=node_id,
                    cron_expression=expression,
                    timezone=zone,
                    next_run_at=next_after(expression, zone, now),
                )
            )
    await session.flush()


async def due_runs(
    session: AsyncSession, now: datetime, tolerance: timedelta
) -> list[tuple[str, dict[str, Any]]]:
    """(workflow id, trigger data) of each due trigger; all move past `now`.

    A due time missed by more than `tolerance` (the scheduler was down) is
    skipped, as schedules skip theirs.
    """
    query = (
        select(WorkflowCronTrigger)
        .join(Workflow, Workflow.id == WorkflowCronTrigger.workflow_id)
        .where(
            WorkflowCronTrigger.next_run_at <= now,
            Workflow.enabled.is_(True),
            Workflow.is_template.is_(False),
        )
        .order_by(WorkflowCronTrigger.next_run_at)
        .limit(BATCH)
        .with_for_update(of=WorkflowCronTrigger, skip_locked=True)
    )
    runs: list[tuple[str, dict[str, Any]]] = []
    for row in await session.scalars(query):
        due = row.next_run_at
        row.next_run_at = next_after(row.cron_expression, row.timezone, now)
        if now - due > tolerance:
            log.info(
                "cron trigger %s/%s missed %s: skipped",
                row.workflow_id,
                row.node_id,
                due,
            )
            continue
        row.last_run_at = due
        data = {
            "node_id": row.node_id,
            "cron_expression": row.cron_expression,
            "fire_time": due.isoformat(),
        }
        runs.append((row.workflow_id, data))
    await session.flush()
    return runs
