"""OpsConductor Scans API: start, status, progress, results, cancel."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from app import inputs
from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.params import query_int
from app.compat.timefmt import iso_z
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.db import unit_of_work
from app.scans import service as scans_service
from app.scans.models import Scan, ScanResult


class StartScanBody(BaseModel):
    type: str = Field(default="discovery", max_length=50)
    targets: list[str] = Field(min_length=1, max_length=256)
    options: dict[str, Any] | None = None


def scan_shape(scan: Scan) -> dict[str, Any]:
    """A scan with its progress, options shown without secrets."""
    return {
        **scans_service.progress_shape(scan),
        "type": scan.type,
        "targets": scan.targets,
        "options": scans_service.public_options(scan.options),
        "started_at": iso_z(scan.started_at),
        "completed_at": iso_z(scan.completed_at),
        "error": scan.error,
    }


def result_shape(result: ScanResult) -> dict[str, Any]:
    """One target's findings."""
    return {
        "ip_address": result.address,
        "hostname": result.hostname,
        "reachable": result.reachable,
        "discovered": result.discovered,
        "method": result.method,
        "latency_ms": result.latency_ms,
        "open_ports": result.open_ports,
        "snmp": result.snmp,
        "ssh": result.ssh,
        "device_id": result.device_id,
        "completed_at": iso_z(result.completed_at),
    }


@surface.route("POST", "/scans", permission="scans.scan.create")
async def start_scan(call: Call) -> Response:
    body = await call.body(StartScanBody)
    scan = await scans_service.start_scan(
        call.db,
        call.settings,
        scan_type=body.type,
        target_list=body.targets,
        options=body.options,
        user_id=call.user().user_id,
        may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
    )
    data = {
        "scan_id": str(scan.id),
        "status": scan.status,
        "started_at": iso_z(scan.started_at),
        "total_targets": scan.total_targets,
    }
    return ok(data, status=201)


@surface.route("GET", "/scans", permission="scans.scan.view")
async def list_scans(call: Call) -> Response:
    limit, offset = _page(call)
    async with call.db() as session:
        scans, total = await scans_service.list_scans(session, limit, offset)
    return ok(
        {
            "scans": [scan_shape(s) for s in scans],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def _page(call: Call) -> tuple[int, int]:
    limit = query_int(call, "limit", 100, 1, 1000)
    return limit, query_int(call, "offset", 0, 0, inputs.MAX_INT)


@surface.route("GET", "/scans/{scan_id}", permission="scans.scan.view")
async def get_scan(call: Call) -> Response:
    async with call.db() as session:
        scan = await scans_service.get_scan(
            session, call.request.path_params["scan_id"]
        )
    return ok(scan_shape(scan))


@surface.route("GET", "/scans/{scan_id}/progress", permission="scans.scan.view")
async def scan_progress(call: Call) -> Response:
    async with call.db() as session:
        scan = await scans_service.get_scan(
            session, call.request.path_params["scan_id"]
        )
    return ok(scans_service.progress_shape(scan))


@surface.route("POST", "/scans/{scan_id}/cancel", permission="scans.scan.cancel")
async def cancel_scan(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        scan = await scans_service.cancel_scan(
            session, call.request.path_params["scan_id"]
        )
    return ok(scans_service.progress_shape(scan), message="Scan cancelled")


@surface.route("GET", "/scans/{scan_id}/results", permission="scans.scan.view")
async def scan_results(call: Call) -> Response:
    async with call.db() as session:
        scan, results = await scans_service.scan_results(
            session, call.request.path_params["scan_id"]
        )
    return ok(
        {
            **scans_service.progress_shape(scan),
            "results": [result_shape(r) for r in results],
            "total": len(results),
        }
    )
