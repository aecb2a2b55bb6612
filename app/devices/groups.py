"""Business rules of device groups; re-exported by `app.devices.service`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import EVERY_ROW, Page
from app.devices import repository
from app.devices.errors import (
    DeviceNotFoundError,
    DeviceNotInGroupError,
    GroupNameTakenError,
    GroupNotFoundError,
    InvalidDeviceError,
)
from app.devices.models import Group
from app.errors import found_or_raise


async def get_group(session: AsyncSession, group_id: int) -> Group:
    """The group with `group_id`, or GroupNotFoundError."""
    return found_or_raise(
        await repository.group_by_id(session, group_id), GroupNotFoundError(group_id)
    )


async def list_groups(
    session: AsyncSession, search: str | None = None, page: Page = EVERY_ROW
) -> tuple[list[Group], int]:
    """One page of the groups, by id, and how many match in all."""
    return await repository.list_groups(session, search, page)


async def groups_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Group]:
    """The groups among `ids` (for loaders)."""
    return await repository.groups_by_ids(session, ids)


async def device_counts(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, int]:
    """How many devices each group holds."""
    return await repository.device_counts(session, group_ids)


async def member_ids(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, list[int]]:
    """The device ids of each group (for loaders)."""
    return await repository.device_ids_by_group(session, group_ids)


async def create_group(
    session: AsyncSession,
    name: str,
    description: str = "",
    device_ids: Sequence[int] = (),
) -> Group:
    """Create a group holding `device_ids`."""
    name = _clean_name(name)
    if await repository.group_by_name(session, name) is not None:
        raise GroupNameTakenError(name)
    group = Group(name=name, description=description)
    session.add(group)
    await session.flush()
    await add_devices(session, group.id, device_ids)
    return group


def _clean_name(name: str) -> str:
    if not name.strip():
        raise InvalidDeviceError("name is required", details={"field": "name"})
    return name.strip()


async def update_group(
    session: AsyncSession, group_id: int, values: Mapping[str, object]
) -> Group:
    """Change a group's name or description; `device_ids` replaces its members."""
    group = await get_group(session, group_id)
    if values.get("name") is not None:
        name = _clean_name(str(values["name"]))
        other = await repository.group_by_name(session, name)
        if other is not None and other.id != group.id:
            raise GroupNameTakenError(name)
        group.name = name
    if values.get("description") is not None:
        group.description = str(values["description"])
    if values.get("device_ids") is not None:
        wanted = [int(i) for i in values["device_ids"]]  # type: ignore[attr-defined]
        current = (await repository.device_ids_by_group(session, [group_id]))[group_id]
        await remove_devices(session, group_id, [i for i in current if i not in wanted])
        await add_devices(session, group_id, wanted)
    await session.flush()
    return group


async def delete_group(session: AsyncSession, group_id: int) -> None:
    """Delete a group; its devices stay."""
    group = await get_group(session, group_id)
    await session.delete(group)
    await session.flush()


async def add_devices(
    session: AsyncSession, group_id: int, device_ids: Sequence[int]
) -> list[int]:
    """Add devices to a group; emits `group.device.added` per new member."""
    await get_group(session, group_id)
    found = {d.id for d in await repository.devices_by_ids(session, device_ids)}
    for device_id in device_ids:
        if device_id not in found:
            raise DeviceNotFoundError(device_id)
    added = await repository.add_members(session, group_id, device_ids)
    await _announce(session, "group.device.added", group_id, added)
    return added


async def remove_devices(
    session: AsyncSession, group_id: int, device_ids: Sequence[int]
) -> list[int]:
    """Remove devices from a group; emits `group.device.removed` per member."""
    await get_group(session, group_id)
    if not device_ids:
        return []
    removed = await repository.remove_members(session, group_id, device_ids)
    await _announce(session, "group.device.removed", group_id, removed)
    return removed


async def remove_member(session: AsyncSession, group_id: int, device_id: int) -> None:
    """Remove one device from a group; DeviceNotInGroupError if it is not in it."""
    if not await remove_devices(session, group_id, [device_id]):
        raise DeviceNotInGroupError(group_id, device_id)


async def _announce(
    session: AsyncSession, kind: str, group_id: int, device_ids: Sequence[int]
) -> None:
    for device_id in device_ids:
        await events.emit_domain(
            session, kind, {"group_id": group_id, "device_id": device_id}
        )
