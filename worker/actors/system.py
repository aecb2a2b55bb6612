"""System actors."""

from __future__ import annotations

from app import jobs
from app.db import unit_of_work
from app.system import service
from worker import runtime
from worker.registry import actor


@actor(jobs.PING)
async def ping(ping_id: str) -> None:
    """Answer a ping on the system stream."""
    async with unit_of_work(runtime.db()) as session:
        await service.record_pong(session, ping_id)
