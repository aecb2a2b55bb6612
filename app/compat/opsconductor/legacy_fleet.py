"""OpsConductor legacy root routes: device data, topology, power and the poller."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from app import inputs
from app.compat.base import Call
from app.compat.opsconductor import legacy
from app.compat.opsconductor.polling import reading_shape, when
from app.compat.params import query_int
from app.compat.timefmt import iso_z
from app.db import unit_of_work
from app.devices import service as devices_service
from app.errors import InvalidError
from app.scans.polling import service as polling_service
from app.scans.polling import topology
from app.scans.polling.models import PollRun


def legacy_device(device: devices_service.Device) -> dict[str, Any]:
    """A device as the legacy dashboard lists it."""
    facts = device.facts or {}
    return {
        "id": device.id,
        "ip": device.address,
        "hostname": device.name,
        "vendor": device.vendor,
        "model": device.model,
        "device_type": device.device_type,
        "status": device.status,
        "last_seen": iso_z(device.last_seen),
        "snmp": bool(facts.get("sys_object_id") or facts.get("snmp_port")),
        "interfaces": len(device.interfaces or []),
    }


def log_shape(run: PollRun) -> dict[str, Any]:
    """One poller log line."""
    return {
        "device_id": run.device_id,
        "ip": run.address,
        "status": run.status,
        "message": run.message,
        "interfaces": run.interfaces,
        "started_at": iso_z(run.started_at),
        "finished_at": iso_z(run.finished_at),
    }


@legacy.route("GET", "/data", permission="devices.device.view")
async def data(call: Call) -> Response:
    async with call.db() as session:
        devices = await topology.known_devices(session)
    rows = [legacy_device(d) for d in devices]
    return JSONResponse(
        {
            "devices": rows,
            "total": len(rows),
            "up": sum(r["status"] == "up" for r in rows),
            "down": sum(r["status"] == "down" for r in rows),
        }
    )


@legacy.route("GET", "/device_groups", permission="groups.group.view")
async def device_groups(call: Call) -> Response:
    async with call.db() as session:
        groups, _ = await devices_service.list_groups(session)
        members = await devices_service.member_ids(session, [g.id for g in groups])
    return JSONResponse(
        {
            "groups": [
                {
                    "id": g.id,
                    "name": g.name,
                    "description": g.description,
                    "device_ids": members.get(g.id, []),
                    "device_count": len(members.get(g.id, [])),
                }
                for g in groups
            ]
        }
    )


@legacy.route("GET", "/topology_data", permission="devices.device.view")
async def topology_data(call: Call) -> Response:
    async with call.db() as session:
        devices, edges = await topology.topology(session)
    nodes = [
        {
            "id": d.id,
            "label": d.name,
            "ip": d.address,
            "status": d.status,
            "vendor": d.vendor,
        }
        for d in devices
    ]
    links = [
        {
            "from": e.source_id,
            "to": e.target_id,
            "protocol": e.neighbor.protocol,
            "local_port": e.neighbor.local_port,
            "remote_name": e.neighbor.remote_name,
            "remote_port": e.neighbor.remote_port,
        }
        for e in edges
    ]
    return JSONResponse({"nodes": nodes, "edges": links})


@legacy.route("GET", "/power_history", permission="devices.power.view")
async def power_history(call: Call) -> Response:
    device_id = inputs.parse_id(call.request.query_params.get("device_id", ""))
    if device_id is None:
        raise InvalidError("device_id: a device id is required")
    async with call.db() as session:
        rows = await polling_service.power_history(
            session,
            device_id,
            interface=call.request.query_params.get("interface") or None,
            start=when(call, "start"),
            end=when(call, "end"),
        )
    return JSONResponse(
        {"device_id": device_id, "history": [reading_shape(r) for r in rows]}
    )


@legacy.route("GET", "/poller/status", permission="devices.poller.view")
async def poller_status(call: Call) -> Response:
    async with call.db() as session:
        last = await polling_service.poll_log(session, 1)
        counts = await polling_service.poll_counts(session)
        devices = await polling_service.polled_count(session)
    return JSONResponse(
        {
            "enabled": call.settings.poll_interval_seconds > 0,
            "interval_seconds": call.settings.poll_interval_seconds,
            "devices": devices,
            "last_poll": log_shape(last[0]) if last else None,
            "polls": {"ok": counts.get("ok", 0), "failed": counts.get("failed", 0)},
        }
    )


@legacy.route("GET", "/poller/logs", permission="devices.poller.view")
async def poller_logs(call: Call) -> Response:
    limit = query_int(call, "limit", 100, 1, 1000)
    async with call.db() as session:
        runs = await polling_service.poll_log(session, limit)
    return JSONResponse({"logs": [log_shape(r) for r in runs]})


@legacy.route("POST", "/poller/run_all", permission="devices.poller.execute")
async def poller_run_all(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        devices = await polling_service.polled_count(session)
        polling_service.request_poll_all()
    return JSONResponse({"status": "queued", "devices": devices}, 202)
