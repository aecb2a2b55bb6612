"""Business rules of the fleet: devices, their status, host keys and groups.

The functions above the CRUD section are the cross-domain devices contract
(CONVENTIONS.md): executions, scans and schedules call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import events, ssh
from app.credentials import service as credentials_service
from app.db import utcnow
from app.devices import repository
from app.devices.errors import (
    DeviceNotFoundError,
    GroupNotFoundError,
    InvalidStatusError,
)
from app.devices.models import Device

STATUSES = ("up", "down", "unknown")
# Facts a discovery may set on the device row itself; the rest stay in `facts`.
_FACT_COLUMNS = ("vendor", "model", "software_version", "device_type")


@dataclass(frozen=True)
class DeviceTarget:
    """A device and how to reach it over SSH (secrets decrypted, host key pinned)."""

    device_id: int
    name: str
    target: ssh.SSHTarget


async def ssh_targets(
    session: AsyncSession, device_ids: Sequence[int]
) -> list[DeviceTarget]:
    """SSH targets of `device_ids` in order; DeviceNotFoundError if one is gone."""
    devices = {d.id: d for d in await repository.devices_by_ids(session, device_ids)}
    for device_id in device_ids:
        if device_id not in devices:
            raise DeviceNotFoundError(device_id)
    wanted = {d.credential_id for d in devices.values() if d.credential_id}
    credentials = {
        c.id: c
        for c in await credentials_service.credentials_by_ids(session, sorted(wanted))
    }
    targets = []
    for device_id in device_ids:
        device = devices[device_id]
        credential = credentials.get(device.credential_id or 0)
        targets.append(
            DeviceTarget(device.id, device.name, _target(device, credential))
        )
    return targets


def _target(
    device: Device, credential: credentials_service.Credential | None
) -> ssh.SSHTarget:
    secret = credentials_service.secret_of(credential) if credential else {}
    username = device.username or (credential.username if credential else None)
    return ssh.SSHTarget(
        host=device.address,
        username=username or "root",
        port=device.port,
        password=secret.get("password"),
        private_key=secret.get("private_key"),
        passphrase=secret.get("passphrase"),
        host_key=device.host_key,
    )


async def group_device_ids(session: AsyncSession, group_id: int) -> list[int]:
    """The ids of the devices in a group, ascending; GroupNotFoundError if none."""
    if await repository.group_by_id(session, group_id) is None:
        raise GroupNotFoundError(group_id)
    return (await repository.device_ids_by_group(session, [group_id]))[group_id]


async def get_device(session: AsyncSession, device_id: int) -> Device:
    """The device with `device_id` and its groups, or DeviceNotFoundError."""
    device = await repository.device_by_id(session, device_id)
    if device is None:
        raise DeviceNotFoundError(device_id)
    return device


async def record_host_key(session: AsyncSession, device_id: int, host_key: str) -> None:
    """Trust on first use: remember `host_key` unless one is already recorded."""
    device = await get_device(session, device_id)
    if device.host_key is None:
        device.host_key = host_key
        await session.flush()


async def set_status(
    session: AsyncSession, device_id: int, status: str, *, reason: str | None = None
) -> None:
    """Set a device's status; emits `device.status.changed` when it changes."""
    if status not in STATUSES:
        raise InvalidStatusError(status)
    device = await get_device(session, device_id)
    old = device.status
    device.status = status
    if status == "up":
        device.last_seen = utcnow()
    await session.flush()
    if old != status:
        await events.emit_domain(
            session,
            "device.status.changed",
            {
                "device_id": device.id,
                "hostname": device.hostname or device.name,
                "address": device.address,
                "old": old,
                "new": status,
                "reason": reason,
            },
        )


async def upsert_discovered(
    session: AsyncSession,
    *,
    address: str,
    hostname: str | None = None,
    facts: dict[str, object],
) -> Device:
    """Match a discovered host by address then hostname; create it if new."""
    device = await repository.device_by_address(session, address)
    if device is None and hostname:
        device = await repository.device_by_hostname(session, hostname)
    created = device is None
    if device is None:
        device = Device(
            name=hostname or address, hostname=hostname or "", address=address
        )
        session.add(device)
    _merge_facts(device, hostname, facts)
    device.last_seen = utcnow()
    await session.flush()
    if created:
        await events.emit_domain(
            session,
            "device.discovered",
            {"device_id": device.id, "address": address, "hostname": device.hostname},
        )
    return device


def _merge_facts(device: Device, hostname: str | None, facts: dict[str, Any]) -> None:
    if hostname and not device.hostname:
        device.hostname = hostname
    for column in _FACT_COLUMNS:
        value = facts.get(column)
        if isinstance(value, str) and value:
            setattr(device, column, value)
    device.facts = {**(device.facts or {}), **facts}
