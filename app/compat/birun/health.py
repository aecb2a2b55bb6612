"""biRun `/health`: database, Redis and worker-queue components, system metrics."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.runtime_settings import service as settings_service
from app.system import probes
from app.system import service as system_service


def _status(ok: bool) -> str:
    return "healthy" if ok else "unhealthy"


def redis_shape(redis: probes.RedisDetails | None) -> dict[str, object]:
    """The `redis` component (embedded mode has none)."""
    if redis is None:
        return {
            "status": "not_configured",
            "response_time_ms": 0,
            "message": "Embedded mode: live events and jobs stay in process",
        }
    if not redis.ok:
        return {
            "status": "unhealthy",
            "response_time_ms": redis.response_time_ms,
            "message": redis.message,
        }
    return {
        "status": "healthy",
        "response_time_ms": redis.response_time_ms,
        "redis_version": redis.version,
        "used_memory_human": redis.used_memory_human,
        "connected_clients": redis.connected_clients,
    }


def queue_shape(queue: probes.QueueStats) -> dict[str, object]:
    """The `worker_queue` component."""
    return {
        "status": _status(queue.ok),
        "response_time_ms": queue.response_time_ms,
        "active_workers": queue.active_workers,
        "queue_stats": {
            "queue_length": queue.queue_length,
            "failed_jobs": queue.failed_jobs,
        },
    }


@surface.route("GET", "/health", permission="system.health.view")
async def health(call: Call) -> Response:
    in_process = bool(getattr(call.request.app.state, "in_process_worker", False))
    found = await system_service.health(call.db, call.settings, in_process)
    current = await settings_service.effective(call.db)
    activity = await system_service.execution_activity(call.db)
    return JSONResponse(
        {
            "overall_status": _status(found.healthy),
            "total_response_time_ms": found.total_ms,
            "components": {
                "database": {
                    "status": _status(found.database.ok),
                    "response_time_ms": found.database.response_time_ms,
                    "message": found.database.detail,
                },
                "redis": redis_shape(found.redis),
                "worker_queue": queue_shape(found.queue),
            },
            "system_metrics": {
                "max_concurrent_executions": current.max_concurrent_executions,
                "current_running_executions": activity.running,
                "recent_executions_1h": {
                    "completed": activity.completed_1h,
                    "running": activity.running_1h,
                    "failed": activity.failed_1h,
                },
            },
        }
    )
