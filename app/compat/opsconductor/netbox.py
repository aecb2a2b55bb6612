"""OpsConductor NetBox API (`specs/opsconductor.md`, "NetBox API"): 7 routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.audit import service as audit_service
from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.params import query
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.netbox import service
from app.netbox.records import DeviceType, NetboxDevice, Ref

VIEW = "netbox.netbox.view"
WRITE = "netbox.netbox.sync"


class DevicesQuery(BaseModel):
    site: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=100)
    status: str | None = Field(default=None, max_length=50)
    search: str | None = Field(default=None, max_length=200)


class SyncBody(BaseModel):
    site_id: int | None = Field(default=None, ge=1)
    role_id: int | None = Field(default=None, ge=1)
    device_type_id: int | None = Field(default=None, ge=1)


class AutodiscoveryBody(SyncBody):
    network: str = Field(min_length=1, max_length=100)
    create_in_netbox: bool = False
    options: dict[str, Any] | None = None


def actor(call: Call) -> audit_service.Actor:
    """The caller as the audit trail records it."""
    user = call.user()
    return audit_service.Actor(user.user_id, user.username, call.client)


def ref_shape(ref: Ref | None) -> dict[str, Any] | None:
    """A site, role or platform: id, name, slug."""
    return None if ref is None else {"id": ref.id, "name": ref.name, "slug": ref.slug}


def type_shape(kind: DeviceType | None) -> dict[str, Any] | None:
    """A device type with its manufacturer."""
    if kind is None:
        return None
    return {
        "id": kind.id,
        "name": kind.model,
        "slug": kind.slug,
        "model": kind.model,
        "manufacturer": kind.manufacturer,
    }


def device_shape(device: NetboxDevice) -> dict[str, Any]:
    """A NetBox device as OpsConductor lists it."""
    return {
        "id": device.id,
        "name": device.name,
        "status": device.status,
        "site": ref_shape(device.site),
        "role": ref_shape(device.role),
        "device_type": type_shape(device.device_type),
        "platform": ref_shape(device.platform),
        "primary_ip": device.primary_ip4,
        "opsgraph_device_id": device.opsgraph_device_id,
    }


@surface.route("GET", "/netbox/status", permission=VIEW)
async def netbox_status(call: Call) -> Response:
    found = await service.status(call.db, call.settings)
    data: dict[str, Any] = {
        "connected": found.connected,
        "url": found.url,
        "version": found.version,
    }
    if found.error is not None:
        data["error"] = found.error
    return ok(data)


@surface.route("GET", "/netbox/devices", permission=VIEW)
async def netbox_devices(call: Call) -> Response:
    asked = query(call, DevicesQuery)
    wanted = service.DeviceQuery(asked.site, asked.role, asked.status, asked.search)
    found = await service.devices(call.db, call.settings, wanted)
    return ok([device_shape(d) for d in found])


@surface.route("GET", "/netbox/sites", permission=VIEW)
async def netbox_sites(call: Call) -> Response:
    return ok([ref_shape(s) for s in await service.sites(call.db, call.settings)])


@surface.route("GET", "/netbox/device-roles", permission=VIEW)
async def netbox_device_roles(call: Call) -> Response:
    found = await service.device_roles(call.db, call.settings)
    return ok([ref_shape(r) for r in found])


@surface.route("GET", "/netbox/device-types", permission=VIEW)
async def netbox_device_types(call: Call) -> Response:
    found = await service.device_types(call.db, call.settings)
    return ok([type_shape(t) for t in found])


@surface.route("POST", "/netbox/sync/{device_id}", permission=WRITE)
async def netbox_sync(call: Call) -> Response:
    device_id = call.path_int("device_id")
    body = await call.body(SyncBody)
    placement = service.Placement(body.site_id, body.role_id, body.device_type_id)
    done = await service.sync_device(
        call.db, call.settings, device_id, placement, actor(call)
    )
    data = {
        "device_id": done.device_id,
        "netbox_id": done.netbox_id,
        "created": done.created,
        "changed": done.writes > 0,
    }
    message = "Device created in NetBox" if done.created else "Device synced to NetBox"
    return ok(data, message=message)


@surface.route("POST", "/netbox/autodiscovery", permission=WRITE)
async def netbox_autodiscovery(call: Call) -> Response:
    body = await call.body(AutodiscoveryBody)
    request = service.Autodiscovery(
        network=body.network,
        placement=service.Placement(body.site_id, body.role_id, body.device_type_id),
        create_in_netbox=body.create_in_netbox,
        options=body.options,
    )
    scan = await service.autodiscover(
        call.db,
        call.settings,
        request,
        call.user().user_id,
        may_use_credentials=call.user().can(CREDENTIAL_USE_PERMISSION),
    )
    data = {
        "scan_id": str(scan.id),
        "status": scan.status,
        "total_targets": scan.total_targets,
        "create_in_netbox": body.create_in_netbox,
    }
    return ok(data, status=202, message="Autodiscovery started")
