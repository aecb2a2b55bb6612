"""OpsConductor Devices and Groups API (`specs/opsconductor.md`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import PageQuery, ok, page_query, paged, surface
from app.compat.params import query
from app.compat.timefmt import iso_z
from app.credentials.service import (
    CREDENTIAL_USE_PERMISSION,
    SECRET_READ_PERMISSION,
)
from app.db import unit_of_work
from app.devices import service
from app.devices.models import Device, Group
from app.errors import InvalidError

# OpsConductor's `hostname` is the device's name (biRun's server `name`), its
# `ip_address` the device's address (biRun's server `hostname`).
_SORT_COLUMNS = {"ip_address": "address", "hostname": "name", "id": "id"}


class DeviceBody(BaseModel):
    ip_address: str | None = Field(default=None, min_length=1, max_length=255)
    hostname: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=200)
    device_type: str | None = Field(default=None, max_length=50)
    vendor: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)
    software_version: str | None = Field(default=None, max_length=100)
    description: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str | None = Field(default=None, max_length=150)
    credential_id: int | None = None
    interfaces: list[dict[str, Any]] | None = None
    host_key: str | None = None
    groups: list[int] | None = None


class GroupBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None


class MemberBody(BaseModel):
    device_id: int


class DeviceQuery(PageQuery):
    group_id: int | None = None
    status: Literal["up", "down", "unknown"] | None = None
    search: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    sort: str = "id"
    order: Literal["asc", "desc"] = "asc"


def device_shape(device: Device, group_ids: list[int]) -> dict[str, Any]:
    """A device as OpsConductor lists it."""
    return {
        "id": device.id,
        "ip_address": device.address,
        "hostname": device.name,
        "device_type": device.device_type,
        "vendor": device.vendor,
        "model": device.model,
        "status": device.status,
        "last_seen": iso_z(device.last_seen),
        "groups": group_ids,
    }


def device_detail(device: Device) -> dict[str, Any]:
    """A device with its software version, interfaces and group objects."""
    return {
        **device_shape(device, []),
        "software_version": device.software_version,
        "interfaces": device.interfaces,
        "groups": [{"id": g.id, "name": g.name} for g in device.groups],
    }


def group_shape(group: Group, device_count: int) -> dict[str, Any]:
    """A group as OpsConductor lists it."""
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "device_count": device_count,
        "created_at": iso_z(group.created_at),
    }


def _device_values(body: DeviceBody) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True, exclude={"ip_address", "groups"})
    if body.ip_address is not None:
        values["address"] = body.ip_address
    if body.hostname:
        values["name"] = body.hostname
    if body.groups is not None:
        values["group_ids"] = body.groups
    return values


@surface.route("GET", "/devices", permission="devices.device.view")
async def list_devices(call: Call) -> Response:
    q = query(call, DeviceQuery)
    sort = _SORT_COLUMNS.get(q.sort, q.sort)
    f = service.DeviceFilter(
        group_id=q.group_id,
        status=q.status,
        search=q.search,
        sort=sort,
        descending=q.order == "desc",
        limit=q.limit,
        offset=q.offset,
    )
    async with call.db() as session:
        devices, total = await service.list_devices(session, f)
        groups = await service.group_ids_of(session, [d.id for d in devices])
    return paged("devices", [device_shape(d, groups[d.id]) for d in devices], total, q)


@surface.route("GET", "/devices/{id}", permission="devices.device.view")
async def get_device(call: Call) -> Response:
    async with call.db() as session:
        device = await service.get_device(session, call.path_int("id"))
    return ok(device_detail(device))


@surface.route("POST", "/devices", permission="devices.device.create")
async def create_device(call: Call) -> Response:
    body = await call.body(DeviceBody)
    if body.ip_address is None:
        raise InvalidError("ip_address is required", details={"field": "ip_address"})
    values = _device_values(body)
    values.pop("address")
    data = service.DeviceInput(address=body.ip_address, **values)
    async with unit_of_work(call.db) as session:
        device = await service.create_device(
            session,
            data,
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
            exclusive=True,
        )
    return ok(device_detail(device), status=201, message="Device created")


@surface.route("PUT", "/devices/{id}", permission="devices.device.update")
async def update_device(call: Call) -> Response:
    body = await call.body(DeviceBody)
    async with unit_of_work(call.db) as session:
        device = await service.update_device(
            session,
            call.path_int("id"),
            _device_values(body),
            may_read_secrets=call.user().can(SECRET_READ_PERMISSION),
            may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
            exclusive=True,
        )
    return ok(device_detail(device), message="Device updated")


@surface.route("DELETE", "/devices/{id}", permission="devices.device.delete")
async def delete_device(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_device(session, call.path_int("id"))
    return ok(None, message="Device deleted")


@surface.route("GET", "/devices/{id}/interfaces", permission="devices.device.view")
async def device_interfaces(call: Call) -> Response:
    async with call.db() as session:
        device = await service.get_device(session, call.path_int("id"))
    return ok({"device_id": device.id, "interfaces": device.interfaces})


@surface.route("GET", "/groups", permission="groups.group.view")
async def list_groups(call: Call) -> Response:
    q = page_query(call)
    async with call.db() as session:
        groups, total = await service.list_groups(session, page=q.page)
        counts = await service.device_counts(session, [g.id for g in groups])
    return paged("groups", [group_shape(g, counts[g.id]) for g in groups], total, q)


@surface.route("GET", "/groups/{id}", permission="groups.group.view")
async def get_group(call: Call) -> Response:
    async with call.db() as session:
        group = await service.get_group(session, call.path_int("id"))
        counts = await service.device_counts(session, [group.id])
    return ok(group_shape(group, counts[group.id]))


@surface.route("POST", "/groups", permission="groups.group.create")
async def create_group(call: Call) -> Response:
    body = await call.body(GroupBody)
    if body.name is None:
        raise InvalidError("name is required", details={"field": "name"})
    async with unit_of_work(call.db) as session:
        group = await service.create_group(session, body.name, body.description or "")
    return ok(group_shape(group, 0), status=201, message="Group created")


@surface.route("PUT", "/groups/{id}", permission="groups.group.update")
async def update_group(call: Call) -> Response:
    body = await call.body(GroupBody)
    async with unit_of_work(call.db) as session:
        group = await service.update_group(
            session, call.path_int("id"), body.model_dump(exclude_unset=True)
        )
        counts = await service.device_counts(session, [group.id])
    return ok(group_shape(group, counts[group.id]), message="Group updated")


@surface.route("DELETE", "/groups/{id}", permission="groups.group.delete")
async def delete_group(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_group(session, call.path_int("id"))
    return ok(None, message="Group deleted")


@surface.route("POST", "/groups/{id}/devices", permission="groups.group.update")
async def add_group_device(call: Call) -> Response:
    body = await call.body(MemberBody)
    async with unit_of_work(call.db) as session:
        await service.add_devices(session, call.path_int("id"), [body.device_id])
    return ok(None, message="Device added to group")


@surface.route(
    "DELETE", "/groups/{id}/devices/{device_id}", permission="groups.group.update"
)
async def remove_group_device(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.remove_member(
            session, call.path_int("id"), call.path_int("device_id")
        )
    return ok(None, message="Device removed from group")


@surface.route("GET", "/groups/{id}/devices", permission="groups.group.view")
async def group_devices(call: Call) -> Response:
    group_id = call.path_int("id")
    async with call.db() as session:
        ids = await service.group_device_ids(session, group_id)
        devices = await service.devices_by_ids(session, ids)
        groups = await service.group_ids_of(session, ids)
    rows = [device_shape(d, groups[d.id]) for d in sorted(devices, key=lambda d: d.id)]
    return ok({"devices": rows})
