"""Execution actors: one message runs one execution on all of its hosts."""

from __future__ import annotations

from app import jobs
from app.executions import engine
from worker import runtime
from worker.registry import actor


@actor(jobs.RUN_EXECUTION)
async def run_execution(execution_id: str) -> None:
    """Run one execution; a redelivered message for a claimed one does nothing."""
    await engine.run(runtime.db(), execution_id, runtime.settings())
