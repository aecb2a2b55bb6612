"""Workflow actors."""

from __future__ import annotations

from app.workflows import engine
from app.workflows.service import RUN_WORKFLOW
from worker import runtime
from worker.registry import actor


@actor(RUN_WORKFLOW)
async def run(execution_id: str) -> None:
    """Run one workflow execution (a no-op if it already started or ended)."""
    await engine.run_execution(runtime.db(), runtime.settings(), execution_id)
