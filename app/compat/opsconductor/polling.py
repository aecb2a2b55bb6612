"""OpsConductor device power history (interfaces are served by the fleet's route)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.timefmt import iso_z
from app.errors import InvalidError
from app.scans.polling import service as polling_service
from app.scans.polling.models import PowerReading


def when(call: Call, name: str) -> datetime | None:
    """An ISO-8601 query parameter as an aware time (naive means UTC)."""
    raw = call.request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidError(f"{name}: not an ISO-8601 date-time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def reading_shape(row: PowerReading) -> dict[str, object]:
    """One optical power sample."""
    return {
        "interface": row.interface,
        "if_index": row.if_index,
        "rx_power": row.rx_power_dbm,
        "tx_power": row.tx_power_dbm,
        "recorded_at": iso_z(row.recorded_at),
    }


@surface.route("GET", "/devices/{id}/power-history", permission="devices.power.view")
async def power_history(call: Call) -> Response:
    device_id = call.path_int("id")
    interface = call.request.query_params.get("interface") or None
    start, end = when(call, "start"), when(call, "end")
    async with call.db() as session:
        rows = await polling_service.power_history(
            session, device_id, interface=interface, start=start, end=end
        )
    return ok(
        {
            "device_id": device_id,
            "history": [reading_shape(r) for r in rows],
            "total": len(rows),
        }
    )
