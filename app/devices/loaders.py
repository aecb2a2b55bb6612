"""DataLoaders of the fleet: one query per batch, each on its own session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from app.credentials import service as credentials_service
from app.credentials.models import Credential
from app.db import Sessionmaker
from app.devices import service
from app.devices.models import Device, Group

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    db: Sessionmaker,
    fetch: Callable[[Any, list[K]], Awaitable[dict[K, V]]],
    default: V,
) -> DataLoader[K, V]:
    async def load(keys: Sequence[K]) -> list[V]:
        async with db() as session:
            found = await fetch(session, list(keys))
        return [found.get(k, default) for k in keys]

    return DataLoader(load_fn=load)


async def _by_id(rows: Sequence[Any]) -> dict[int, Any]:
    return {r.id: r for r in rows}


@dataclass
class FleetLoaders:
    """Loaders for device groups, group members, devices and credentials."""

    groups_by_device: DataLoader[int, list[Group]]
    members_by_group: DataLoader[int, list[int]]
    device_by_id: DataLoader[int, Device | None]
    credential_by_id: DataLoader[int, Credential | None]

    @classmethod
    def create(cls, db: Sessionmaker) -> FleetLoaders:
        """Fresh loaders for one request."""

        async def devices(session: Any, ids: list[int]) -> dict[int, Any]:
            return await _by_id(await service.devices_by_ids(session, ids))

        async def credentials(session: Any, ids: list[int]) -> dict[int, Any]:
            return await _by_id(
                await credentials_service.credentials_by_ids(session, ids)
            )

        return cls(
            groups_by_device=_batched(db, service.groups_of, []),
            members_by_group=_batched(db, service.member_ids, []),
            device_by_id=_batched(db, devices, None),
            credential_by_id=_batched(db, credentials, None),
        )


def fleet_loaders(loaders: dict[str, Any], db: Sessionmaker) -> FleetLoaders:
    """This request's fleet loaders, created on first use."""
    if "fleet" not in loaders:
        loaders["fleet"] = FleetLoaders.create(db)
    return cast(FleetLoaders, loaders["fleet"])
