"""NetBox as a source of truth: read it, push devices to it, import from it.

Every face (OpsConductor routes, GraphQL, the worker) calls these functions.
The connection comes from the runtime settings at each call, so a change of URL
or token applies at once. Writes to NetBox live in `app.netbox.push`, the import
in `app.netbox.pull`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app import jobs
from app.audit import service as audit_service
from app.db import Sessionmaker, unit_of_work
from app.errors import DomainError
from app.netbox import client, repository
from app.netbox.connection import connection
from app.netbox.pull import ImportSummary, import_devices
from app.netbox.push import Placement, SyncResult, push_discovered, sync_device
from app.netbox.records import DeviceQuery, DeviceType, NetboxDevice, Ref, device_params
from app.runtime_settings import service as settings_service
from app.scans import service as scans_service
from app.settings import Settings

__all__ = [
    "DeviceQuery",
    "DeviceType",
    "ImportSummary",
    "NetboxDevice",
    "Placement",
    "Ref",
    "SyncResult",
    "import_devices",
    "push_discovered",
    "sync_device",
]

log = logging.getLogger(__name__)
SCHEDULED_IMPORT = jobs.JobSpec(actor_name="netbox.import", queue="default")
PERIOD_NAME = "netbox.import"


@dataclass(frozen=True)
class Status:
    """Whether NetBox answers with the configured token, and its version."""

    connected: bool
    url: str
    version: str | None = None
    error: str | None = None


async def status(db: Sessionmaker, settings: Settings) -> Status:
    """Connected and NetBox's version, or why not (never raises)."""
    url = (await settings_service.effective(db)).netbox_url
    try:
        version = await client.version(await connection(db, settings))
    except DomainError as exc:
        log.warning("NetBox status check failed: %s", exc.message)
        return Status(False, url, error=exc.message)
    return Status(True, url, version=version)


async def devices(
    db: Sessionmaker, settings: Settings, query: DeviceQuery
) -> list[NetboxDevice]:
    """Every NetBox device matching `query`, with the OpsGraph device it is."""
    conn = await connection(db, settings)
    found = await client.list_all(conn, "dcim/devices/", device_params(query))
    async with db() as session:
        linked = await repository.devices_by_netbox_ids(
            session, [int(d["id"]) for d in found]
        )
    return [NetboxDevice.from_api(d, linked.get(int(d["id"]))) for d in found]


async def sites(db: Sessionmaker, settings: Settings) -> list[Ref]:
    """Every NetBox site."""
    found = await client.list_all(await connection(db, settings), "dcim/sites/")
    return [Ref.from_api(s) for s in found]


async def device_roles(db: Sessionmaker, settings: Settings) -> list[Ref]:
    """Every NetBox device role."""
    conn = await connection(db, settings)
    return [Ref.from_api(r) for r in await client.list_all(conn, "dcim/device-roles/")]


async def device_types(db: Sessionmaker, settings: Settings) -> list[DeviceType]:
    """Every NetBox device type with its manufacturer."""
    conn = await connection(db, settings)
    found = await client.list_all(conn, "dcim/device-types/")
    return [DeviceType.from_api(t) for t in found]


@dataclass(frozen=True)
class Autodiscovery:
    """A discovery scan of one network whose finds go to NetBox too."""

    network: str
    placement: Placement
    create_in_netbox: bool
    options: dict[str, Any] | None = None


AUTODISCOVERY_PUSH = jobs.JobSpec(actor_name="netbox.autodiscovery", queue="scans")


async def autodiscover(
    db: Sessionmaker,
    settings: Settings,
    request: Autodiscovery,
    user_id: int | None,
    *,
    may_use_credentials: bool,
) -> Any:
    """Start a discovery scan of `request.network` (only it) with the scan
    engine; with `create_in_netbox` a worker pushes what answered once the
    scan ends. Returns the scan at once."""
    if request.create_in_netbox:
        await connection(db, settings)  # refuse at once when not configured
    scan = await scans_service.start_scan(
        db,
        settings,
        scan_type="discovery",
        target_list=[request.network],
        options=request.options,
        user_id=user_id,
        may_use_credentials=may_use_credentials,
    )
    if request.create_in_netbox:
        placement = request.placement
        jobs.enqueue(
            AUTODISCOVERY_PUSH,
            scan_id=str(scan.id),
            site_id=str(placement.site_id or 0),
            role_id=str(placement.role_id or 0),
            device_type_id=str(placement.device_type_id or 0),
            user_id=str(user_id or 0),
        )
    return scan


async def tick(db: Sessionmaker) -> bool:
    """Queue the scheduled import when due: once per interval across every
    worker (the database row of the period decides); True when queued."""
    minutes = (await settings_service.effective(db)).netbox_sync_interval_minutes
    if minutes <= 0:
        return False
    async with unit_of_work(db) as session:
        due = await scans_service.claim_period(
            session, PERIOD_NAME, timedelta(minutes=minutes)
        )
        if due:
            jobs.enqueue(SCHEDULED_IMPORT)
    return due


async def scheduled_import(
    db: Sessionmaker, settings: Settings
) -> ImportSummary | None:
    """The periodic import of every NetBox device; its outcome logged and audited."""
    actor = audit_service.Actor(username="scheduler")
    try:
        return await import_devices(db, settings, DeviceQuery(), actor)
    except DomainError as exc:
        log.warning("scheduled NetBox import failed: %s", exc.message)
        await audit_service.record_apart(
            db, "netbox.import.failed", actor, details={"error": exc.message}
        )
        return None
