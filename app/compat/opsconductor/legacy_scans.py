"""OpsConductor legacy root routes: scans, progress and settings.

Legacy dashboards read plain JSON objects (no `{success, data}` envelope);
errors keep the OpsConductor error shape. README documents every body.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.opsconductor import legacy
from app.compat.timefmt import iso_z
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.db import unit_of_work
from app.errors import InvalidError
from app.scans import defaults
from app.scans import service as scans_service
from app.scans.models import Scan


class LegacyScanBody(BaseModel):
    network: str | None = Field(default=None, max_length=1000)
    targets: list[str] | None = Field(default=None, max_length=256)


class SelectedBody(BaseModel):
    device_ids: list[int] = Field(default_factory=list, max_length=1024)
    ips: list[str] = Field(default_factory=list, max_length=1024)


class TestSettingsBody(BaseModel):
    settings: dict[str, Any] = Field(default_factory=dict)


def legacy_progress(scan: Scan | None) -> dict[str, Any]:
    """`/progress`: the latest scan's counters, or an idle marker."""
    if scan is None:
        return {"status": "idle", "running": False, "progress": 0, "scan_id": None}
    return {
        "scan_id": str(scan.id),
        "type": scan.type,
        "status": scan.status,
        "running": scan.status == "running",
        "progress": scan.progress,
        "total": scan.total_targets,
        "completed": scan.completed_targets,
        "discovered": scan.discovered_devices,
        "started_at": iso_z(scan.started_at),
        "completed_at": iso_z(scan.completed_at),
    }


def started(scan: Scan) -> JSONResponse:
    """What every legacy scan trigger answers: 202 and the scan's id."""
    body = {
        "status": "started",
        "scan_id": str(scan.id),
        "type": scan.type,
        "total_targets": scan.total_targets,
    }
    return JSONResponse(body, 202)


async def _targets(call: Call) -> list[str] | None:
    body = await call.body(LegacyScanBody)
    if body.targets:
        return body.targets
    return [body.network] if body.network else None


async def _start(call: Call, scan_type: str, chosen: list[str] | None) -> Response:
    scan = await scans_service.start_default_scan(
        call.db,
        call.settings,
        scan_type=scan_type,
        target_list=chosen,
        user_id=call.user().user_id,
        may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
    )
    return started(scan)


@legacy.route("POST", "/scan", permission="scans.scan.create")
async def scan(call: Call) -> Response:
    return await _start(call, "discovery", await _targets(call))


@legacy.route("POST", "/snmp_scan", permission="scans.scan.create")
async def snmp_scan(call: Call) -> Response:
    return await _start(call, "snmp", await _targets(call))


@legacy.route("POST", "/ssh_scan", permission="scans.scan.create")
async def ssh_scan(call: Call) -> Response:
    return await _start(call, "ssh", await _targets(call))


@legacy.route("POST", "/scan_selected", permission="scans.scan.create")
async def scan_selected(call: Call) -> Response:
    body = await call.body(SelectedBody)
    async with call.db() as session:
        addresses = await scans_service.device_addresses(session, body.device_ids)
    chosen = [*addresses, *body.ips]
    if not chosen:
        raise InvalidError("device_ids or ips: name at least one")
    return await _start(call, "discovery", chosen)


@legacy.route("GET", "/progress", permission="scans.scan.view")
async def progress(call: Call) -> Response:
    wanted = call.request.query_params.get("scan_id")
    async with call.db() as session:
        found = (
            await scans_service.get_scan(session, wanted)
            if wanted
            else await scans_service.latest_scan(session)
        )
    return JSONResponse(legacy_progress(found))


@legacy.route("GET", "/get_settings", permission="scans.settings.view")
async def get_settings(call: Call) -> Response:
    async with call.db() as session:
        current = await defaults.load(session)
    return JSONResponse(defaults.public(current))


@legacy.route("POST", "/save_settings", permission="scans.settings.update")
async def save_settings(call: Call) -> Response:
    raw = await call.json()
    async with unit_of_work(call.db) as session:
        current = await defaults.load(session)
        saved = await defaults.save(
            session, defaults.validate(_object(raw), current, call.settings)
        )
    return JSONResponse({"status": "saved", "settings": defaults.public(saved)})


@legacy.route("POST", "/test_settings", permission="scans.settings.test")
async def test_settings(call: Call) -> Response:
    body = await call.body(TestSettingsBody)
    async with call.db() as session:
        current = await defaults.load(session)
    checked = defaults.validate(body.settings, current, call.settings)
    return JSONResponse(
        {
            "valid": True,
            "targets": defaults.target_count(checked, call.settings),
            "settings": defaults.public(checked),
        }
    )


def _object(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidError("body: must be a JSON object")
    return raw
