"""The record of a running workflow: node results, stream events, the outcome.

Every write is fenced by the execution's lease token, so a duplicate delivery
or a worker that lost its lease cannot overwrite what the owner recorded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import Sessionmaker, unit_of_work, utcnow
from app.workflows import repository as repo
from app.workflows.graph import GraphNode
from app.workflows.models import Workflow, WorkflowExecution, WorkflowNodeResult

if TYPE_CHECKING:
    from app.workflows.engine import Dag, Outcome

FINAL_EVENT = "execution.completed"


class LeaseLostError(Exception):
    """Raised when this worker no longer holds the execution's lease."""


def stream(execution_id: str) -> str:
    """The event stream of one workflow execution."""
    return f"workflow-execution:{execution_id}"


def plain(value: Any) -> Any:
    """`value` reduced to JSON types (dates and odd objects become strings)."""
    return json.loads(json.dumps(value, default=str))


async def emit(
    session: AsyncSession, execution_id: str, kind: str, data: dict[str, Any]
) -> None:
    """Append one event to the execution's stream."""
    payload = plain({"execution_id": execution_id, **data})
    await events.append(session, stream(execution_id), [(kind, payload)])


@asynccontextmanager
async def _fenced(
    db: Sessionmaker, execution_id: str, token: str
) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(db) as session:
        if not await repo.holds_lease(session, execution_id, token):
            raise LeaseLostError(execution_id)
        yield session


async def node_started(dag: Dag, node: GraphNode) -> None:
    """Stream that a node started."""
    async with _fenced(dag.db, dag.execution.id, dag.token) as session:
        await emit(
            session,
            dag.execution.id,
            "node.started",
            {"node_id": node.id, "node_type": node.type},
        )


async def node_result(
    dag: Dag, node: GraphNode, outcome: Outcome, started: datetime, ended: datetime
) -> None:
    """Store a node's result and stream it."""
    output = plain(outcome.output)
    duration = int((ended - started).total_seconds() * 1000)
    async with _fenced(dag.db, dag.execution.id, dag.token) as session:
        session.add(
            WorkflowNodeResult(
                execution_id=dag.execution.id,
                node_id=node.id,
                node_type=node.type,
                status=outcome.status,
                output=output,
                error=outcome.error,
                started_at=started,
                finished_at=ended,
                duration_ms=duration,
            )
        )
        await emit(
            session,
            dag.execution.id,
            "node.completed",
            {
                "node_id": node.id,
                "node_type": node.type,
                "status": outcome.status,
                "output": output,
                "error": outcome.error,
                "started_at": started.isoformat(),
                "finished_at": ended.isoformat(),
                "duration_ms": duration,
            },
        )


async def finish(
    db: Sessionmaker,
    execution: WorkflowExecution,
    token: str,
    status: str,
    error: str | None,
    variables: dict[str, Any],
) -> None:
    """Close the execution, update the workflow's last run, emit the outcome."""
    async with unit_of_work(db) as session:
        if not await repo.holds_lease(session, execution.id, token):
            return
        row = await session.get(WorkflowExecution, execution.id)
        if row is None:
            return
        row.status, row.error, row.finished_at = status, error, utcnow()
        row.variables, row.lease_token = plain(variables), None
        await _closed(session, row)


async def abandon(db: Sessionmaker, execution_id: str, reason: str) -> None:
    """End a running execution whose lease expired as failed with `reason`."""
    now = utcnow()
    async with unit_of_work(db) as session:
        result = await session.execute(
            update(WorkflowExecution)
            .where(
                WorkflowExecution.id == execution_id,
                WorkflowExecution.status == "running",
                WorkflowExecution.lease_expires_at < now,
            )
            .values(status="failed", error=reason, finished_at=now, lease_token=None)
        )
        if not result.rowcount:
            return
        row = await session.get(WorkflowExecution, execution_id, populate_existing=True)
        if row is not None:
            await _closed(session, row)


async def _closed(session: AsyncSession, row: WorkflowExecution) -> None:
    if not row.test_mode:
        # A run is not an edit: keep `updated_at` as it was.
        await session.execute(
            update(Workflow)
            .where(Workflow.id == row.workflow_id)
            .values(
                last_run_at=row.started_at or row.created_at,
                last_run_status=row.status,
                updated_at=Workflow.updated_at,
            )
        )
    await emit(session, row.id, FINAL_EVENT, {"status": row.status, "error": row.error})
    await events.emit_domain(
        session,
        "workflow.completed" if row.status == "success" else "workflow.failed",
        {
            "workflow_id": row.workflow_id,
            "execution_id": row.id,
            "status": row.status,
            "trigger_type": row.trigger_type,
            "test_mode": row.test_mode,
            "error": row.error,
        },
    )
