"""OpsConductor `/api/system`: health, info and statistics."""

from __future__ import annotations

import platform

from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.timefmt import iso_z_micro
from app.system import service as system_service


def in_process_worker(call: Call) -> bool:
    """True when this process runs the worker itself (embedded mode)."""
    return bool(getattr(call.request.app.state, "in_process_worker", False))


@surface.route("GET", "/system/health", permission="system.health.view")
async def health(call: Call) -> Response:
    found = await system_service.health(call.db, call.settings, in_process_worker(call))
    redis = "not_configured"
    if found.redis is not None:
        redis = "connected" if found.redis.ok else "disconnected"
    return ok(
        {
            "status": "healthy" if found.healthy else "unhealthy",
            "database": "connected" if found.database.ok else "disconnected",
            "redis": redis,
            "uptime_seconds": system_service.uptime_seconds(),
        }
    )


@surface.route("GET", "/system/info", permission="system.info.view")
async def info(call: Call) -> Response:
    return ok(
        {
            "version": system_service.opsgraph_version(),
            "python_version": platform.python_version(),
            "database_version": await system_service.database_version(call.db),
            "started_at": iso_z_micro(system_service.STARTED_AT),
            "mode": call.settings.mode,
        }
    )


@surface.route("GET", "/system/stats", permission="system.stats.view")
async def stats(call: Call) -> Response:
    found = await system_service.stats(call.db)
    return ok(
        {
            "devices": {
                "total": found.devices_total,
                "up": found.devices_up,
                "down": found.devices_down,
            },
            "workflows": {
                "total": found.workflows_total,
                "enabled": found.workflows_enabled,
            },
            "jobs": {
                "running": found.executions.running,
                "queued": found.executions.pending,
                "completed_today": found.executions.completed_today,
            },
        }
    )
