"""Pipeline actors."""

from __future__ import annotations

from uuid import UUID

from app.pipelines import service
from worker import runtime
from worker.registry import actor


@actor(service.RUN_PIPELINE)
async def run(execution_id: str) -> None:
    """Run one started pipeline execution's steps."""
    await service.run_execution(runtime.db(), runtime.settings(), UUID(execution_id))
