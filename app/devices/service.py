"""Business rules of the fleet: devices, their status, host keys and groups.

The functions above the CRUD section are the cross-domain devices contract
(CONVENTIONS.md): executions, scans and schedules call them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, ssh
from app.credentials import service as credentials_service
from app.db import utcnow
from app.devices import checks, repository
from app.devices.errors import (
    DeviceNotFoundError,
    GroupNotFoundError,
    InvalidDeviceError,
    InvalidStatusError,
)
from app.devices.groups import (
    add_devices,
    create_group,
    delete_group,
    device_counts,
    get_group,
    groups_by_ids,
    list_groups,
    member_ids,
    remove_devices,
    remove_member,
    update_group,
)
from app.devices.models import Device, Group
from app.devices.repository import DeviceFilter
from app.errors import found_or_raise

__all__ = [
    "DeviceFilter",
    "Group",
    "add_devices",
    "create_group",
    "delete_group",
    "device_counts",
    "get_group",
    "groups_by_ids",
    "list_groups",
    "member_ids",
    "remove_devices",
    "remove_member",
    "update_group",
]

STATUSES = ("up", "down", "unknown")
# Status changes and discoveries of devices, for dashboards watching the fleet.
DEVICES_STREAM = "devices"
# Facts a discovery may set on the device row itself; the rest stay in `facts`.
_FACT_COLUMNS = ("vendor", "model", "software_version", "device_type")


@dataclass(frozen=True)
class DeviceTarget:
    """A device and how to reach it over SSH (secrets decrypted, host key pinned)."""

    device_id: int
    name: str
    target: ssh.SSHTarget


async def names_of(session: AsyncSession, device_ids: Sequence[int]) -> list[str]:
    """The names of `device_ids` in order; DeviceNotFoundError if one is gone.

    No credential is loaded or opened: callers that only record which devices
    a run targets (the API submitting it) never decrypt a secret.
    """
    names = await repository.device_names(session, device_ids)
    for device_id in device_ids:
        if device_id not in names:
            raise DeviceNotFoundError(device_id)
    return [names[i] for i in device_ids]


async def ssh_targets(
    session: AsyncSession,
    device_ids: Sequence[int],
    credential_ids: Sequence[int | None] | None = None,
) -> list[DeviceTarget]:
    """SSH targets of `device_ids` in order; DeviceNotFoundError if one is gone.

    Each logs in with its device's login, or with `credential_ids[i]` when
    given (an inventory host's own login; None: no login).
    """
    devices = await repository.ssh_rows(session, device_ids)
    for device_id in device_ids:
        if device_id not in devices:
            raise DeviceNotFoundError(device_id)
    chosen = (
        [devices[i].credential_id for i in device_ids]
        if credential_ids is None
        else list(credential_ids)
    )
    logins = await credentials_service.logins(session, sorted({c for c in chosen if c}))
    targets = []
    for device_id, credential_id in zip(device_ids, chosen, strict=True):
        device = devices[device_id]
        login = logins.get(credential_id or 0)
        own = credential_ids is not None
        target = _target(device, login, prefer_login_user=own)
        targets.append(DeviceTarget(device.id, device.name, target))
    return targets


def _target(
    device: Any, login: credentials_service.Login | None, prefer_login_user: bool
) -> ssh.SSHTarget:
    """`device`: a row of `repository.ssh_rows`."""
    secret = login.secret if login else {}
    from_login = login.username if login else None
    users = (
        (from_login, device.username)
        if prefer_login_user
        else (device.username, from_login)
    )
    username = users[0] or users[1]
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
    return found_or_raise(
        await repository.device_by_id(session, device_id),
        DeviceNotFoundError(device_id),
    )


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
        await _announce(
            session, [("device.status.changed", _status_changed(device, old, reason))]
        )


async def _announce(
    session: AsyncSession, items: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    """Record device facts on the domain stream and on the fleet's list stream
    (`devicesChanged`), in one append."""
    await events.append_streams(
        session, [(events.DOMAIN_STREAM, items), (DEVICES_STREAM, items)]
    )


def _status_changed(device: Device, old: str, reason: str | None) -> dict[str, Any]:
    return {
        "device_id": device.id,
        "device": {
            "id": device.id,
            "hostname": device.hostname or device.name,
            "ip_address": device.address,
        },
        "hostname": device.hostname or device.name,
        "address": device.address,
        "status": device.status,
        "previous_status": old,
        "old": old,
        "new": device.status,
        "reason": reason,
    }


@dataclass(frozen=True)
class Discovered:
    """A host that answered a discovery: where, its name if known, what it showed."""

    address: str
    hostname: str | None
    facts: dict[str, object]


async def mark_discovered(
    session: AsyncSession, found: Sequence[Discovered], *, reason: str
) -> list[Device]:
    """`upsert_discovered` then `set_status(up)` for many hosts, in a few statements.

    Hosts are matched in order (by address, then hostname), so two hosts of one
    batch sharing a new hostname land on one device, as one by one they would.
    """
    if not found:
        return []
    by_address: dict[str, Device] = {}
    by_name: dict[str, Device] = {}
    names = sorted({f.hostname for f in found if f.hostname})
    for device in await repository.devices_by_addresses_or_names(
        session, sorted({f.address for f in found}), names
    ):
        by_address.setdefault(device.address, device)
        for name in (device.hostname, device.name):
            if name:
                by_name.setdefault(name, device)
    now = utcnow()
    matched: list[Device] = []
    created: set[int] = set()
    for host in found:
        device = by_address.get(host.address) or (
            by_name.get(host.hostname) if host.hostname else None
        )
        if device is None:
            name = host.hostname or host.address
            device = Device(
                name=name, hostname=host.hostname or "", address=host.address
            )
            session.add(device)
            created.add(id(device))
            by_address[host.address] = by_name[name] = device
        _merge_facts(device, host.hostname, host.facts)
        device.last_seen = now
        matched.append(device)
    await session.flush()
    items: list[tuple[str, dict[str, Any]]] = []
    changed = False
    for host, device in zip(found, matched, strict=True):
        if id(device) in created:
            created.discard(id(device))
            items.append(
                (
                    "device.discovered",
                    {
                        "device_id": device.id,
                        "address": host.address,
                        "hostname": device.hostname,
                    },
                )
            )
        if device.status != "up":
            old, device.status, changed = device.status, "up", True
            items.append(
                ("device.status.changed", _status_changed(device, old, reason))
            )
    if changed:
        await session.flush()
    await _announce(session, items)
    return matched


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
    if hostname and device.name in ("", device.address):  # named by its address
        device.name = hostname
    for column in _FACT_COLUMNS:
        value = facts.get(column)
        if isinstance(value, str) and value:
            setattr(device, column, value)
    device.facts = {**(device.facts or {}), **facts}


@dataclass(frozen=True)
class DeviceInput:
    """The fields of a new device."""

    address: str
    name: str = ""
    hostname: str = ""
    port: int = 22
    username: str | None = None
    description: str = ""
    device_type: str = "server"
    vendor: str | None = None
    model: str | None = None
    software_version: str | None = None
    credential_id: int | None = None
    interfaces: list[dict[str, Any]] = field(default_factory=list)
    host_key: str | None = None
    group_ids: list[int] = field(default_factory=list)


_EDITABLE = (
    "name",
    "hostname",
    "address",
    "port",
    "username",
    "description",
    "device_type",
    "vendor",
    "model",
    "software_version",
    "credential_id",
    "interfaces",
    "host_key",
)


def device_query(f: DeviceFilter) -> Select[tuple[Device]]:
    """The devices `f` selects, unordered (for keyset pages)."""
    return repository.filtered(f)


def group_query(search: str | None) -> Select[tuple[Group]]:
    """The groups whose name contains `search`, unordered (for keyset pages)."""
    return repository.groups_matching(search)


async def list_devices(
    session: AsyncSession, f: DeviceFilter
) -> tuple[list[Device], int]:
    """One page of devices matching `f`, with the total count."""
    return await repository.list_devices(session, f)


async def devices_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Device]:
    """The devices among `ids` (for loaders)."""
    return await repository.devices_by_ids(session, ids)


async def require_devices(session: AsyncSession, ids: Sequence[int]) -> None:
    """Raise DeviceNotFoundError for the first of `ids` that is no device."""
    found = {d.id for d in await repository.devices_by_ids(session, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DeviceNotFoundError(missing[0])


async def device_at(session: AsyncSession, address: str, port: int) -> Device | None:
    """The oldest device at `address` and `port`, if any."""
    return await repository.device_at(session, address, port)


async def all_device_ids(session: AsyncSession) -> list[int]:
    """Every device id."""
    return await repository.all_device_ids(session)


async def group_ids_of(
    session: AsyncSession, device_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The group ids of each device (for list shapes and loaders)."""
    return await repository.group_ids_by_device(session, device_ids)


async def groups_of(
    session: AsyncSession, device_ids: Sequence[int]
) -> dict[int, list[Group]]:
    """The groups of each device (for loaders)."""
    return await repository.groups_by_device(session, device_ids)


async def create_device(
    session: AsyncSession,
    data: DeviceInput,
    *,
    may_use_credentials: bool = False,
    exclusive: bool = False,
) -> Device:
    """Create a device (and its group memberships).

    Linking a vault credential sends its secret to the address the caller
    names: that needs `credentials.credential.use`. `exclusive`: refuse an
    address and port another device has (OpsConductor knows a device by its
    IP; biRun may log in to one host as several servers).
    """
    if data.credential_id is not None:
        credentials_service.require_use(may_use_credentials)
    values = {name: getattr(data, name) for name in _EDITABLE}
    values["name"] = data.name or data.hostname or data.address
    values["hostname"] = data.hostname or data.name
    await checks.check_fields(session, values)
    if exclusive:
        await checks.check_unique(session, values, None)
    device = Device(**values)
    session.add(device)
    await session.flush()
    await events.emit_domain(
        session, "device.created", {"device_id": device.id, "address": device.address}
    )
    for group_id in data.group_ids:
        await add_devices(session, group_id, [device.id])
    return await get_device(session, device.id)


async def update_device(
    session: AsyncSession,
    device_id: int,
    values: Mapping[str, object],
    *,
    may_read_secrets: bool = False,
    may_use_credentials: bool = False,
    exclusive: bool = False,
) -> Device:
    """Change a device's fields; `group_ids` replaces its group memberships.

    Its login is only ever sent where it was stored for: a new address or
    port unlinks it, unless the same change names a login or the caller may
    read secrets. Linking another vault credential needs
    `credentials.credential.use`.
    """
    device = await get_device(session, device_id)
    changes = {k: values[k] for k in _EDITABLE if k in values}
    for name, value in changes.items():
        if value is None and not Device.__table__.c[name].nullable:
            raise InvalidDeviceError(f"{name} may not be null", details={"field": name})
    if changes.get("credential_id") not in (None, device.credential_id):
        credentials_service.require_use(may_use_credentials)
    moved = any(
        k in changes and changes[k] != getattr(device, k) for k in ("address", "port")
    )
    if moved and not may_read_secrets and "credential_id" not in changes:
        changes["credential_id"] = None
    merged = {k: getattr(device, k) for k in _EDITABLE} | changes
    await checks.check_fields(session, merged)
    if exclusive:
        await checks.check_unique(session, merged, device.id)
    for name, value in changes.items():
        setattr(device, name, value)
    if values.get("group_ids") is not None:
        wanted = [int(i) for i in values["group_ids"]]  # type: ignore[attr-defined]
        current = [g.id for g in device.groups]
        for group_id in current:
            if group_id not in wanted:
                await remove_devices(session, group_id, [device.id])
        for group_id in wanted:
            await add_devices(session, group_id, [device.id])
    await session.flush()
    session.expire(device, ["groups"])
    return await get_device(session, device.id)


async def delete_device(session: AsyncSession, device_id: int) -> None:
    """Delete a device; emits `device.deleted`."""
    device = await get_device(session, device_id)
    await session.delete(device)
    await session.flush()
    await events.emit_domain(
        session, "device.deleted", {"device_id": device_id, "address": device.address}
    )


async def status_counts(session: AsyncSession) -> tuple[int, int, int]:
    """(total, up, down) device counts."""
    return await repository.status_counts(session)
