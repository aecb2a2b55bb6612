"""biRun Servers, Server Groups and Health Monitoring (`specs/birun.md`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.base import Call
from app.compat.birun import surface
from app.compat.params import page_count, query
from app.compat.timefmt import iso_z
from app.credentials import service as credentials_service
from app.db import unit_of_work
from app.devices import health, server_service, service
from app.devices.errors import InvalidDeviceError
from app.devices.models import Device, Group


class ServerBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    hostname: str = Field(min_length=1, max_length=255)
    username: str = Field(min_length=1, max_length=150)
    port: int = Field(default=22, ge=1, le=65535)
    auth_type: str = "password"
    ssh_key: str | None = None
    password: str | None = None
    description: str = ""


class ServerUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    hostname: str | None = Field(default=None, min_length=1, max_length=255)
    username: str | None = Field(default=None, min_length=1, max_length=150)
    port: int | None = Field(default=None, ge=1, le=65535)
    auth_type: str | None = None
    ssh_key: str | None = None
    password: str | None = None
    description: str | None = None


class ServerQuery(BaseModel):
    page: int = Field(default=1, ge=1)
    limit: int = Field(default=10, ge=1, le=1000)
    search: str | None = None


class GroupBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    server_ids: list[int] | None = None


def actor(call: Call) -> credentials_service.Actor:
    """The caller, for the credential audit log."""
    user = call.user()
    return credentials_service.Actor(
        user.user_id,
        user.username,
        call.client,
        may_read_secrets=user.can(credentials_service.SECRET_READ_PERMISSION),
    )


def server_shape(device: Device, auth_type: str | None) -> dict[str, Any]:
    """A device as biRun shows a server."""
    return {
        "id": device.id,
        "name": device.name,
        "hostname": device.address,
        "username": device.username,
        "port": device.port,
        "auth_type": auth_type,
        "description": device.description,
        "created_at": iso_z(device.created_at),
        "last_health_check": iso_z(device.last_health_check),
        "health_status": device.health_status,
    }


async def _auth_types(call: Call, devices: list[Device]) -> dict[int, str | None]:
    ids = sorted({d.credential_id for d in devices if d.credential_id})
    async with call.db() as session:
        creds = await credentials_service.credentials_by_ids(session, ids)
    kinds = {c.id: c.attributes.get("auth_type") for c in creds}
    return {d.id: kinds.get(d.credential_id or 0) for d in devices}


async def _one(call: Call, device: Device, status: int = 200) -> Response:
    kinds = await _auth_types(call, [device])
    return JSONResponse(server_shape(device, kinds[device.id]), status)


@surface.route("GET", "/servers/", permission="devices.device.view")
async def list_servers(call: Call) -> Response:
    q = query(call, ServerQuery)
    f = service.DeviceFilter(
        search=q.search, limit=q.limit, offset=(q.page - 1) * q.limit
    )
    async with call.db() as session:
        devices, total = await service.list_devices(session, f)
    kinds = await _auth_types(call, devices)
    return JSONResponse(
        {
            "servers": [server_shape(d, kinds[d.id]) for d in devices],
            "total": total,
            "page": q.page,
            "pages": page_count(total, q.limit),
        }
    )


@surface.route("POST", "/servers/", permission="devices.device.create")
async def create_server(call: Call) -> Response:
    body = await call.body(ServerBody)
    async with unit_of_work(call.db) as session:
        device = await server_service.create_server(
            session, actor(call), server_service.ServerInput(**body.model_dump())
        )
    return await _one(call, device, 201)


@surface.route("GET", "/servers/{server_id}", permission="devices.device.view")
async def get_server(call: Call) -> Response:
    async with call.db() as session:
        device = await service.get_device(session, call.path_int("server_id"))
    return await _one(call, device)


@surface.route("PUT", "/servers/{server_id}", permission="devices.device.update")
async def update_server(call: Call) -> Response:
    body = await call.body(ServerUpdate)
    async with unit_of_work(call.db) as session:
        device = await server_service.update_server(
            session, actor(call), call.path_int("server_id"), body.model_dump()
        )
    return await _one(call, device)


@surface.route("DELETE", "/servers/{server_id}", permission="devices.device.delete")
async def delete_server(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await server_service.delete_server(
            session, actor(call), call.path_int("server_id")
        )
    return JSONResponse({"message": "Server deleted successfully"})


def health_shape(device: Device) -> dict[str, Any]:
    """One row of biRun's health summary."""
    return {
        "server_id": device.id,
        "server_name": device.name,
        "status": device.health_status,
        "uptime_seconds": device.uptime_seconds,
        "load_1min": device.load_1min,
        "disk_usage": device.disk_usage,
        "memory_usage": device.memory_usage,
        "last_checked": iso_z(device.last_health_check),
        "message": device.health_message,
    }


@surface.route(
    "POST", "/servers/{server_id}/health/check", permission="devices.device.execute"
)
async def check_server(call: Call) -> Response:
    device_id = call.path_int("server_id")
    await health.check_device(
        call.db,
        device_id,
        health.limits_from(call.settings),
        strict=call.settings.ssh_strict_host_keys,
    )
    async with call.db() as session:
        device = await service.get_device(session, device_id)
    return JSONResponse(health_shape(device))


@surface.route("POST", "/health/check-all", permission="devices.device.execute")
async def check_all(call: Call) -> Response:
    queued = await health.request_check_all(call.db)
    return JSONResponse(
        {"message": f"Health check started for {queued} servers", "queued": queued},
        202,
    )


@surface.route("GET", "/health/summary", permission="devices.device.view")
async def health_summary(call: Call) -> Response:
    async with call.db() as session:
        devices, _ = await service.list_devices(
            session, service.DeviceFilter(limit=100_000)
        )
    return JSONResponse({"servers": [health_shape(d) for d in devices]})


def group_shape(group: Group, server_ids: list[int]) -> dict[str, Any]:
    """A device group as biRun shows a server group."""
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "server_ids": server_ids,
        "created_at": iso_z(group.created_at),
        "updated_at": iso_z(group.updated_at),
    }


async def _group(call: Call, group_id: int, status: int = 200) -> Response:
    async with call.db() as session:
        group = await service.get_group(session, group_id)
        members = await service.member_ids(session, [group_id])
    return JSONResponse(group_shape(group, members[group_id]), status)


@surface.route("GET", "/server-groups/", permission="groups.group.view")
async def list_server_groups(call: Call) -> Response:
    async with call.db() as session:
        groups, _ = await service.list_groups(session)
        members = await service.member_ids(session, [g.id for g in groups])
    return JSONResponse([group_shape(g, members[g.id]) for g in groups])


@surface.route("POST", "/server-groups/", permission="groups.group.create")
async def create_server_group(call: Call) -> Response:
    body = await call.body(GroupBody)
    if body.name is None:
        raise InvalidDeviceError("name is required", details={"field": "name"})
    async with unit_of_work(call.db) as session:
        group = await service.create_group(
            session, body.name, body.description or "", body.server_ids or []
        )
    return await _group(call, group.id, 201)


@surface.route("GET", "/server-groups/{group_id}", permission="groups.group.view")
async def get_server_group(call: Call) -> Response:
    return await _group(call, call.path_int("group_id"))


@surface.route("PUT", "/server-groups/{group_id}", permission="groups.group.update")
async def update_server_group(call: Call) -> Response:
    body = await call.body(GroupBody)
    values = body.model_dump(exclude_unset=True)
    if "server_ids" in values:
        values["device_ids"] = values.pop("server_ids")
    async with unit_of_work(call.db) as session:
        group = await service.update_group(session, call.path_int("group_id"), values)
    return await _group(call, group.id)


@surface.route("DELETE", "/server-groups/{group_id}", permission="groups.group.delete")
async def delete_server_group(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_group(session, call.path_int("group_id"))
    return JSONResponse({"message": "Server group deleted successfully"})
