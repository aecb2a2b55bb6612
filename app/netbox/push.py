"""Pushing OpsGraph devices into NetBox: create or update, idempotently.

A device is matched by its recorded NetBox id, else by name, else by its
primary IP. It gets a management interface, its IP assigned to it and set as
primary IPv4. A second sync of an unchanged device sends no write at all.
Every write is audited (who, what, which NetBox object).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.errors import DomainError
from app.netbox import client, repository
from app.netbox.connection import connection
from app.netbox.errors import NetboxObjectNotFoundError
from app.netbox.records import host_of
from app.runtime_settings import service as settings_service
from app.scans import service as scans_service
from app.settings import Settings

log = logging.getLogger(__name__)
MGMT_INTERFACE = "mgmt0"
GENERIC_SLUG = "generic"
SCAN_WAIT_SECONDS = 0.5


@dataclass(frozen=True)
class Placement:
    """Where a device goes in NetBox; None (or 0) falls back to the settings."""

    site_id: int | None = None
    role_id: int | None = None
    device_type_id: int | None = None
    # Autodiscovery: a device NetBox already has keeps its name and placement.
    keep_existing: bool = False


@dataclass(frozen=True)
class SyncResult:
    """What one sync did."""

    device_id: int
    netbox_id: int
    created: bool
    writes: int


@dataclass
class Writer:
    """Sends writes to NetBox and remembers them for the audit trail."""

    conn: client.Connection
    done: list[dict[str, Any]] = field(default_factory=list)

    async def write(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """POST or PATCH `body` to `path`; the object NetBox answers."""
        answer = await client.request(self.conn, method, path, body=body)
        base = path if method == "POST" else path.rsplit("/", 2)[0] + "/"
        self.done.append(
            {
                "method": method,
                "object": f"{base}{answer['id']}",
                "fields": sorted(body),
            }
        )
        return answer


async def sync_device(
    db: Sessionmaker,
    settings: Settings,
    device_id: int,
    placement: Placement,
    actor: audit_service.Actor,
) -> SyncResult:
    """Create or update `device_id` in NetBox and record its NetBox id."""
    async with db() as session:
        device = await devices_service.get_device(session, device_id)
        known = await repository.netbox_id_of(session, device_id)
    writer = Writer(await connection(db, settings))
    wanted = await _with_defaults(db, placement)
    try:
        netbox, created = await _push(
            writer, device.name, _ipv4(device.address), known, wanted
        )
    except DomainError:
        async with unit_of_work(db) as session:
            await _audit(session, writer, actor, device_id)
        raise
    async with unit_of_work(db) as session:
        await repository.link(session, device_id, int(netbox["id"]))
        await _audit(session, writer, actor, device_id)
    return SyncResult(device_id, int(netbox["id"]), created, len(writer.done))


async def _with_defaults(db: Sessionmaker, placement: Placement) -> Placement:
    current = await settings_service.effective(db)
    return Placement(
        placement.site_id or current.netbox_default_site_id or None,
        placement.role_id or current.netbox_default_role_id or None,
        placement.device_type_id or current.netbox_default_device_type_id or None,
        placement.keep_existing,
    )


def _ipv4(address: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(address.strip()))
    except ValueError:
        return None


async def _push(
    writer: Writer, name: str, host: str | None, known: int | None, wanted: Placement
) -> tuple[dict[str, Any], bool]:
    existing = await _match(writer.conn, known, name, host)
    created = existing is None
    if existing is None:
        body = {"name": name, "status": "active", **_placed(wanted)}
        if "device_type" not in body:
            body["device_type"] = await generic_type(writer)
        existing = await writer.write("POST", "dcim/devices/", body)
    else:
        changes = {} if wanted.keep_existing else _changes(existing, name, wanted)
        if changes:
            path = f"dcim/devices/{existing['id']}/"
            existing = await writer.write("PATCH", path, changes)
    if host is not None and host_of(existing.get("primary_ip4")) != host:
        await _set_primary(writer, int(existing["id"]), host)
    return existing, created


def _placed(wanted: Placement) -> dict[str, int]:
    pairs = (
        ("site", wanted.site_id),
        ("role", wanted.role_id),
        ("device_type", wanted.device_type_id),
    )
    return {key: value for key, value in pairs if value}


def _changes(existing: dict[str, Any], name: str, wanted: Placement) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if existing.get("name") != name:
        changes["name"] = name
    for key, value in _placed(wanted).items():
        if (existing.get(key) or {}).get("id") != value:
            changes[key] = value
    return changes


async def _match(
    conn: client.Connection, known: int | None, name: str, host: str | None
) -> dict[str, Any] | None:
    """The NetBox device by recorded id, else by name, else by primary IP."""
    if known is not None:
        try:
            found: dict[str, Any] = await client.request(
                conn, "GET", f"dcim/devices/{known}/"
            )
            return found
        except NetboxObjectNotFoundError:
            log.info("NetBox device %d is gone; matching by name and IP", known)
    by_name = await client.list_all(conn, "dcim/devices/", [("name", name)])
    if by_name:
        return dict(by_name[0])
    if host is None:
        return None
    for ip in await client.list_all(conn, "ipam/ip-addresses/", [("address", host)]):
        device = (ip.get("assigned_object") or {}).get("device")
        if device:
            return dict(
                await client.request(conn, "GET", f"dcim/devices/{device['id']}/")
            )
    return None


async def _set_primary(writer: Writer, device_id: int, host: str) -> None:
    interface = await _mgmt_interface(writer, device_id)
    found = await client.list_all(
        writer.conn, "ipam/ip-addresses/", [("address", host)]
    )
    mine = [ip for ip in found if ip.get("assigned_object_id") == interface]
    assignment = {
        "assigned_object_type": "dcim.interface",
        "assigned_object_id": interface,
    }
    if mine:
        ip = mine[0]
    elif found:
        ip = await writer.write(
            "PATCH", f"ipam/ip-addresses/{found[0]['id']}/", assignment
        )
    else:
        body = {"address": f"{host}/32", "status": "active", **assignment}
        ip = await writer.write("POST", "ipam/ip-addresses/", body)
    await writer.write("PATCH", f"dcim/devices/{device_id}/", {"primary_ip4": ip["id"]})


async def _mgmt_interface(writer: Writer, device_id: int) -> int:
    params = [("device_id", str(device_id)), ("name", MGMT_INTERFACE)]
    found = await client.list_all(writer.conn, "dcim/interfaces/", params)
    if found:
        return int(found[0]["id"])
    body = {
        "device": device_id,
        "name": MGMT_INTERFACE,
        "type": "other",
        "mgmt_only": True,
    }
    return int((await writer.write("POST", "dcim/interfaces/", body))["id"])


async def generic_type(writer: Writer) -> int:
    """The generic device type (under a generic manufacturer), created once."""
    slug = [("slug", GENERIC_SLUG)]
    found = await client.list_all(writer.conn, "dcim/device-types/", slug)
    if found:
        return int(found[0]["id"])
    makers = await client.list_all(writer.conn, "dcim/manufacturers/", slug)
    maker = (
        makers[0]
        if makers
        else await writer.write(
            "POST", "dcim/manufacturers/", {"name": "Generic", "slug": GENERIC_SLUG}
        )
    )
    body = {
        "manufacturer": maker["id"],
        "model": "Generic device",
        "slug": GENERIC_SLUG,
    }
    return int((await writer.write("POST", "dcim/device-types/", body))["id"])


async def _audit(
    session: AsyncSession, writer: Writer, actor: audit_service.Actor, device_id: int
) -> None:
    for write in writer.done:
        await audit_service.record(
            session,
            "netbox.write",
            actor,
            target=f"netbox:{write['object']}",
            details={**write, "device_id": device_id},
        )


async def push_discovered(
    db: Sessionmaker,
    settings: Settings,
    scan_id: uuid.UUID,
    placement: Placement,
    actor: audit_service.Actor,
) -> list[SyncResult]:
    """Once the scan ended, create each host it found in NetBox (hosts NetBox
    already has are linked and get their IP, not moved)."""
    placement = replace(placement, keep_existing=True)
    while True:
        async with db() as session:
            scan, results = await scans_service.scan_results(session, scan_id)
        if scan.status != "running":
            break
        await asyncio.sleep(SCAN_WAIT_SECONDS)
    found = sorted({r.device_id for r in results if r.device_id is not None})
    synced = []
    for device_id in found:
        try:
            synced.append(await sync_device(db, settings, device_id, placement, actor))
        except DomainError as exc:
            log.warning("NetBox push of device %d failed: %s", device_id, exc.message)
    log.info(
        "autodiscovery %s: %d of %d hosts in NetBox", scan_id, len(synced), len(found)
    )
    return synced
