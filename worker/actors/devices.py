"""Fleet actors: health checks over SSH."""

from __future__ import annotations

from app.devices import health
from worker import runtime
from worker.registry import actor


@actor(health.CHECK_HEALTH)
async def check_health(device_ids: str) -> None:
    """Check the listed devices, bounded by OPSGRAPH_SSH_CONCURRENCY."""
    settings = runtime.settings()
    await health.check_devices(
        runtime.db(),
        [int(i) for i in device_ids.split(",") if i],
        health.limits_from(settings),
        concurrency=settings.ssh_concurrency,
        strict=settings.ssh_strict_host_keys,
    )
