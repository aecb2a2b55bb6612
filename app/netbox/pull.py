"""Importing NetBox devices as OpsGraph devices, matched by NetBox id.

Name, primary IPv4, manufacturer and model (vendor/model), platform (as the
software field) and site and role (as groups `netbox-site-<slug>` and
`netbox-role-<slug>`). A device without a primary IPv4 that OpsGraph does not
know yet is skipped: OpsGraph devices need an address. Running it twice changes
nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.netbox import client, repository
from app.netbox.connection import connection
from app.netbox.records import DeviceQuery, NetboxDevice, device_params
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ImportSummary:
    """How many NetBox devices were created, updated, unchanged or skipped."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


async def import_devices(
    db: Sessionmaker,
    settings: Settings,
    query: DeviceQuery,
    actor: audit_service.Actor,
) -> ImportSummary:
    """Create or update an OpsGraph device for each NetBox device matching `query`."""
    conn = await connection(db, settings)
    found = await client.list_all(conn, "dcim/devices/", device_params(query))
    summary = ImportSummary()
    async with unit_of_work(db) as session:
        linked = await repository.devices_by_netbox_ids(
            session, [int(d["id"]) for d in found]
        )
        groups = _Groups(session)
        for raw in found:
            item = NetboxDevice.from_api(raw, linked.get(int(raw["id"])))
            outcome = await _import_one(session, item, groups)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        await audit_service.record(
            session,
            "netbox.import",
            actor,
            target="netbox:dcim/devices/",
            details=vars(summary) | {"filter": vars(query)},
        )
    log.info(
        "NetBox import: %d created, %d updated, %d unchanged, %d skipped",
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.skipped,
        extra={"source": "netbox", "category": "audit"},
    )
    return summary


async def _import_one(
    session: AsyncSession, item: NetboxDevice, groups: _Groups
) -> str:
    device_id = item.opsgraph_device_id
    if device_id is None and item.primary_ip4 is not None:
        same = await devices_service.device_at(session, item.primary_ip4, 22)
        if same is not None and await repository.netbox_id_of(session, same.id) is None:
            device_id = same.id
    if device_id is None and item.primary_ip4 is None:
        return "skipped"
    values = _values(item)
    wanted = [await groups.id_of(kind, ref.slug) for kind, ref in _refs(item)]
    if device_id is None:
        data = devices_service.DeviceInput(group_ids=wanted, **values)
        device = await devices_service.create_device(session, data)
        await repository.link(session, device.id, item.id)
        return "created"
    device = await devices_service.get_device(session, device_id)
    changes: dict[str, Any] = {
        k: v for k, v in values.items() if getattr(device, k) != v
    }
    have = {g.id for g in device.groups}
    if not set(wanted) <= have:
        changes["group_ids"] = sorted(have | set(wanted))
    if changes:
        await devices_service.update_device(session, device_id, changes)
    await repository.link(session, device_id, item.id)
    return "updated" if changes else "unchanged"


def _values(item: NetboxDevice) -> dict[str, Any]:
    values: dict[str, Any] = {"name": item.name or item.primary_ip4}
    if item.primary_ip4 is not None:
        values["address"] = item.primary_ip4
    if item.device_type is not None:
        values["vendor"] = item.device_type.manufacturer or None
        values["model"] = item.device_type.model or None
    if item.platform is not None:
        values["software_version"] = item.platform.name
    return values


def _refs(item: NetboxDevice) -> list[tuple[str, Any]]:
    return [(k, r) for k, r in (("site", item.site), ("role", item.role)) if r]


class _Groups:
    """Group ids by name, creating `netbox-<kind>-<slug>` groups on first use."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[str, int] | None = None

    async def id_of(self, kind: str, slug: str) -> int:
        if self.known is None:
            groups, _total = await devices_service.list_groups(self.session)
            self.known = {g.name: g.id for g in groups}
        name = f"netbox-{kind}-{slug}"
        if name not in self.known:
            group = await devices_service.create_group(
                self.session, name, f"NetBox {kind} {slug}"
            )
            self.known[name] = group.id
        return self.known[name]
