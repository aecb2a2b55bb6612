"""OpsConductor `/api/logs`: stored application log records."""

from __future__ import annotations

from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work
from app.logs import service as logs_service
from app.logs.models import LogRecord


def log_shape(row: LogRecord) -> dict[str, object]:
    """One documented log entry."""
    return {
        "id": row.id,
        "timestamp": iso_z_micro(row.timestamp),
        "level": row.level,
        "source": row.source,
        "category": row.category,
        "message": row.message,
        "extra": row.extra,
    }


@surface.route("GET", "/logs", permission="logs.log.view")
async def list_logs(call: Call) -> Response:
    params = dict(call.request.query_params)
    where = logs_service.parse_filter(params)
    limit = logs_service.parse_limit(params.get("limit"))
    offset = (
        logs_service.parse_limit(params.get("offset"), 0) if "offset" in params else 0
    )
    async with call.db() as session:
        rows, total = await logs_service.list_logs(session, where, limit, offset)
    return ok({"logs": [log_shape(r) for r in rows], "total": total})


@surface.route("DELETE", "/logs", permission="logs.log.delete")
async def clear_logs(call: Call) -> Response:
    params = call.request.query_params
    before = logs_service.parse_time("before", params.get("before"))
    async with unit_of_work(call.db) as session:
        deleted = await logs_service.clear(session, before, params.get("level"))
    return ok({"deleted": deleted}, message="Logs cleared")
