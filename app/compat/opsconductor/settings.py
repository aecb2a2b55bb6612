"""OpsConductor `/api/settings`: the runtime settings store in `{success, data}`."""

from __future__ import annotations

from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.db import unit_of_work
from app.runtime_settings import service as settings_service


async def _shape(call: Call) -> dict[str, object]:
    current = await settings_service.effective(call.db)
    return settings_service.shown(current, settings_service.OPSCONDUCTOR_KEYS)


@surface.route("GET", "/settings", permission="settings.settings.view")
async def get_settings(call: Call) -> Response:
    return ok(await _shape(call))


@surface.route("PUT", "/settings", permission="settings.settings.update")
async def put_settings(call: Call) -> Response:
    changes = await call.json()
    async with unit_of_work(call.db) as session:
        await settings_service.update(
            session, changes, call.user().user_id, settings_service.OPSCONDUCTOR_KEYS
        )
    return ok(await _shape(call), message="Settings updated")
