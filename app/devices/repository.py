"""Every SQL statement of the fleet domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import Page, contains, fetch_page
from app.devices.models import Device, Group, device_group_member

SORTABLE = ("id", "name", "hostname", "address", "status", "last_seen", "created_at")


@dataclass(frozen=True)
class DeviceFilter:
    """Filters, order and page of the device list."""

    group_id: int | None = None
    status: str | None = None
    search: str | None = None
    device_type: str | None = None
    sort: str = "id"
    descending: bool = False
    limit: int = 100
    offset: int = 0


def filtered(f: DeviceFilter) -> Select[tuple[Device]]:
    """The devices `f` selects, unordered."""
    query = select(Device)
    if f.group_id is not None:
        members = select(device_group_member.c.device_id).where(
            device_group_member.c.group_id == f.group_id
        )
        query = query.where(Device.id.in_(members))
    if f.status:
        query = query.where(Device.status == f.status)
    if f.device_type:
        query = query.where(Device.device_type == f.device_type)
    if f.search:
        query = query.where(
            or_(
                contains(Device.address, f.search),
                contains(Device.hostname, f.search),
                contains(Device.name, f.search),
            )
        )
    return query


async def list_devices(
    session: AsyncSession, f: DeviceFilter
) -> tuple[list[Device], int]:
    """One page of devices matching `f`, and how many match in all."""
    column = getattr(Device, f.sort if f.sort in SORTABLE else "id")
    order = column.desc() if f.descending else column.asc()
    query = filtered(f).order_by(order, Device.id)
    return await fetch_page(session, query, Page(f.limit, f.offset))


async def device_by_id(session: AsyncSession, device_id: int) -> Device | None:
    """The device with `device_id`, with its groups."""
    return await session.scalar(
        select(Device)
        .where(Device.id == device_id)
        .options(selectinload(Device.groups))
    )


async def devices_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Device]:
    """The devices among `ids` that exist."""
    if not ids:
        return []
    return list(await session.scalars(select(Device).where(Device.id.in_(ids))))


async def ssh_rows(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
    """How to reach the devices among `ids` (columns only), by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Device.id,
            Device.name,
            Device.address,
            Device.port,
            Device.username,
            Device.host_key,
            Device.credential_id,
        ).where(Device.id.in_(ids))
    )
    return {row.id: row for row in rows}


async def device_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """The names of the devices among `ids` that exist, by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Device.id, Device.name).where(Device.id.in_(ids))
    )
    return dict(rows.all())


async def all_device_ids(session: AsyncSession) -> list[int]:
    """Every device id, ascending."""
    return list(await session.scalars(select(Device.id).order_by(Device.id)))


async def device_by_address(session: AsyncSession, address: str) -> Device | None:
    """The oldest device at `address`."""
    query = select(Device).where(Device.address == address).order_by(Device.id)
    return await session.scalar(query.limit(1))


async def device_at(session: AsyncSession, address: str, port: int) -> Device | None:
    """The oldest device at `address` and `port`."""
    query = select(Device).where(Device.address == address, Device.port == port)
    return await session.scalar(query.order_by(Device.id).limit(1))


async def devices_by_addresses_or_names(
    session: AsyncSession, addresses: Sequence[str], names: Sequence[str]
) -> list[Device]:
    """Devices at any of `addresses` or named any of `names`, oldest first."""
    match = Device.address.in_(addresses)
    if names:
        match = or_(match, Device.hostname.in_(names), Device.name.in_(names))
    return list(await session.scalars(select(Device).where(match).order_by(Device.id)))


async def device_by_hostname(session: AsyncSession, hostname: str) -> Device | None:
    """The oldest device whose hostname or name is `hostname`."""
    query = (
        select(Device)
        .where(or_(Device.hostname == hostname, Device.name == hostname))
        .order_by(Device.id)
    )
    return await session.scalar(query.limit(1))


async def group_ids_by_device(
    session: AsyncSession, device_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The group ids of each device in `device_ids`, ascending."""
    rows = await session.execute(
        select(device_group_member.c.device_id, device_group_member.c.group_id)
        .where(device_group_member.c.device_id.in_(device_ids))
        .order_by(device_group_member.c.group_id)
    )
    found: dict[int, list[int]] = {i: [] for i in device_ids}
    for device_id, group_id in rows:
        found[device_id].append(group_id)
    return found


async def groups_by_device(
    session: AsyncSession, device_ids: Sequence[int]
) -> dict[int, list[Group]]:
    """The groups of each device in `device_ids`, by group id (one query)."""
    rows = await session.execute(
        select(device_group_member.c.device_id, Group)
        .join(Group, Group.id == device_group_member.c.group_id)
        .where(device_group_member.c.device_id.in_(device_ids))
        .order_by(Group.id)
    )
    found: dict[int, list[Group]] = {i: [] for i in device_ids}
    for device_id, group in rows:
        found[device_id].append(group)
    return found


async def device_ids_by_group(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The device ids of each group in `group_ids`, ascending."""
    rows = await session.execute(
        select(device_group_member.c.group_id, device_group_member.c.device_id)
        .where(device_group_member.c.group_id.in_(group_ids))
        .order_by(device_group_member.c.device_id)
    )
    found: dict[int, list[int]] = {i: [] for i in group_ids}
    for group_id, device_id in rows:
        found[group_id].append(device_id)
    return found


async def group_by_id(session: AsyncSession, group_id: int) -> Group | None:
    """The group with `group_id`."""
    return await session.get(Group, group_id)


async def group_by_name(session: AsyncSession, name: str) -> Group | None:
    """The group called `name`."""
    return await session.scalar(select(Group).where(Group.name == name))


async def groups_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Group]:
    """The groups among `ids` that exist."""
    if not ids:
        return []
    return list(await session.scalars(select(Group).where(Group.id.in_(ids))))


async def list_groups(
    session: AsyncSession, search: str | None, page: Page
) -> tuple[list[Group], int]:
    """One page of the groups (whose name contains `search`), by id, and the total."""
    return await fetch_page(session, groups_matching(search).order_by(Group.id), page)


def groups_matching(search: str | None) -> Select[tuple[Group]]:
    """The groups whose name contains `search` (every group for None), unordered."""
    query = select(Group)
    if search:
        query = query.where(contains(Group.name, search))
    return query


async def device_counts(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, int]:
    """How many devices each group in `group_ids` holds."""
    rows = await session.execute(
        select(device_group_member.c.group_id, func.count())
        .where(device_group_member.c.group_id.in_(group_ids))
        .group_by(device_group_member.c.group_id)
    )
    counts = dict.fromkeys(group_ids, 0)
    counts.update({g: int(n) for g, n in rows})
    return counts


async def add_members(
    session: AsyncSession, group_id: int, device_ids: Sequence[int]
) -> list[int]:
    """Add devices to a group; returns the ids that were not members yet."""
    present = set(
        await session.scalars(
            select(device_group_member.c.device_id).where(
                device_group_member.c.group_id == group_id
            )
        )
    )
    new = [i for i in dict.fromkeys(device_ids) if i not in present]
    if new:
        await session.execute(
            insert(device_group_member),
            [{"group_id": group_id, "device_id": i} for i in new],
        )
    return new


async def remove_members(
    session: AsyncSession, group_id: int, device_ids: Sequence[int]
) -> list[int]:
    """Remove devices from a group; returns the ids that were members."""
    result = await session.execute(
        delete(device_group_member)
        .where(device_group_member.c.group_id == group_id)
        .where(device_group_member.c.device_id.in_(device_ids))
        .returning(device_group_member.c.device_id)
    )
    return list(result.scalars())


async def status_counts(session: AsyncSession) -> tuple[int, int, int]:
    """All devices, those up and those down, in one aggregate."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Device.status == "up"),
                func.count().filter(Device.status == "down"),
            ).select_from(Device)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])
