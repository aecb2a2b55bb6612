"""Where executions find the hosts and SSH targets of their device ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app import ssh
from app.devices import service as devices_service


@dataclass(frozen=True)
class HostRef:
    """A host an execution will run on: its device id and display name."""

    device_id: int | None
    name: str


class Target(Protocol):
    """What a resolver hands back per device (devices' DeviceTarget fits)."""

    @property
    def device_id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def target(self) -> ssh.SSHTarget: ...


Resolver = Callable[[AsyncSession, Sequence[int]], Awaitable[Sequence[Target]]]
KeyRecorder = Callable[[AsyncSession, Mapping[int, str]], Awaitable[None]]


async def resolve(session: AsyncSession, device_ids: Sequence[int]) -> list[Target]:
    """The SSH targets of `device_ids`, from the device inventory."""
    if not device_ids:
        return []
    return list(await devices_service.ssh_targets(session, device_ids))


async def host_refs(session: AsyncSession, device_ids: Sequence[int]) -> list[HostRef]:
    """The hosts of `device_ids`, checked to exist, in the order given."""
    names = await devices_service.names_of(session, device_ids)
    return [HostRef(i, name) for i, name in zip(device_ids, names, strict=True)]


async def group_members(session: AsyncSession, group_id: int) -> list[int]:
    """The device ids of a group; raises GroupNotFoundError."""
    return await devices_service.group_device_ids(session, group_id)


async def remember_host_keys(session: AsyncSession, seen: Mapping[int, str]) -> None:
    """Trust on first use: record the keys hosts presented when none was pinned."""
    for device_id, host_key in seen.items():
        await devices_service.record_host_key(session, device_id, host_key)
