"""Where executions find the hosts and SSH targets of their device ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app import ssh
from app.executions.errors import InvalidExecutionError


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


async def resolve(session: AsyncSession, device_ids: Sequence[int]) -> list[Target]:
    """The SSH targets of `device_ids`, from the device inventory."""
    if not device_ids:
        return []
    raise InvalidExecutionError("The device inventory is not available yet")


async def host_refs(session: AsyncSession, device_ids: Sequence[int]) -> list[HostRef]:
    """The hosts of `device_ids`, checked to exist, in the order given."""
    return [HostRef(t.device_id, t.name) for t in await resolve(session, device_ids)]
