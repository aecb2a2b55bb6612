"""Notification actors."""

from __future__ import annotations

from app.notifications import service
from worker import runtime
from worker.registry import actor


@actor(service.DELIVER)
async def deliver(delivery_id: str) -> None:
    """Make one attempt at one notification delivery."""
    await service.deliver(runtime.db(), runtime.settings(), int(delivery_id))
