"""OpsConductor `/api/alerts`."""

from __future__ import annotations

from starlette.responses import Response

from app.alerts import service as alerts_service
from app.alerts.models import Alert
from app.compat.base import Call
from app.compat.opsconductor import ok, page_query, paged, surface
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work


def alert_shape(alert: Alert) -> dict[str, object]:
    """One documented alert object."""
    return {
        "id": alert.id,
        "title": alert.title,
        "message": alert.message,
        "severity": alert.severity,
        "status": alert.status,
        "source": alert.source,
        "device_id": alert.device_id,
        "created_at": iso_z_micro(alert.created_at),
        "acknowledged_at": iso_z_micro(alert.acknowledged_at),
        "resolved_at": iso_z_micro(alert.resolved_at),
    }


@surface.route("GET", "/alerts", permission="alerts.alert.view")
async def list_alerts(call: Call) -> Response:
    params = call.request.query_params
    q = page_query(call)
    async with call.db() as session:
        found, total = await alerts_service.list_alerts(
            session,
            status=params.get("status") or None,
            severity=params.get("severity") or None,
            source=params.get("source") or None,
            page=q.page,
        )
    return paged("alerts", [alert_shape(a) for a in found], total, q)


@surface.route("GET", "/alerts/{id}", permission="alerts.alert.view")
async def get_alert(call: Call) -> Response:
    async with call.db() as session:
        alert = await alerts_service.get_alert(session, call.path_int("id"))
    return ok(alert_shape(alert))


@surface.route("POST", "/alerts/{id}/acknowledge", permission="alerts.alert.update")
async def acknowledge_alert(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        alert = await alerts_service.acknowledge(
            session, call.path_int("id"), call.user().user_id
        )
    return ok(alert_shape(alert), message="Alert acknowledged")


@surface.route("POST", "/alerts/{id}/resolve", permission="alerts.alert.update")
async def resolve_alert(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        alert = await alerts_service.resolve(
            session, call.path_int("id"), call.user().user_id
        )
    return ok(alert_shape(alert), message="Alert resolved")


@surface.route("DELETE", "/alerts/{id}", permission="alerts.alert.delete")
async def delete_alert(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await alerts_service.delete(session, call.path_int("id"))
    return ok(None, message="Alert deleted")
