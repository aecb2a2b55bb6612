"""Which live transport this process uses, one per event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from app.events.bus import Bus, MemoryBus, RedisBus
from app.events.types import Event
from app.settings import Settings

_settings: Settings | None = None
_memory = MemoryBus()
_redis_buses: dict[asyncio.AbstractEventLoop, RedisBus] = {}


def configure(settings: Settings) -> None:
    """Choose the transport for this process from its settings."""
    global _settings
    _settings = settings


def get_bus() -> Bus:
    """The bus for the running event loop (Redis clients are bound to one loop)."""
    if _settings is None or not _settings.redis_url:
        return _memory
    loop = asyncio.get_running_loop()
    bus = _redis_buses.get(loop)
    if bus is None:
        bus = RedisBus(_settings.redis_url, _settings.event_retention)
        _redis_buses[loop] = bus
    return bus


async def close_bus() -> None:
    """Release the running loop's bus connections."""
    bus = _redis_buses.pop(asyncio.get_running_loop(), None)
    if bus is not None:
        await bus.close()


async def publish(events: Sequence[Event]) -> None:
    """Wake the subscribers of already-stored events."""
    if events:
        await get_bus().publish(events)
