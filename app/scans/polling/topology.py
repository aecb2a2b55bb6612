"""The fleet as the legacy dashboard draws it: devices and their adjacencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.devices import service as devices_service
from app.scans.polling import repository
from app.scans.polling.models import DeviceNeighbor


@dataclass(frozen=True)
class Edge:
    """A neighbour link; `target_id` is set when the neighbour is a known device."""

    source_id: int
    target_id: int | None
    neighbor: DeviceNeighbor


async def known_devices(session: AsyncSession) -> list[devices_service.Device]:
    """Every device of the fleet, by id."""
    ids = await devices_service.all_device_ids(session)
    return sorted(
        await devices_service.devices_by_ids(session, ids), key=lambda d: d.id
    )


async def topology(
    session: AsyncSession,
) -> tuple[list[devices_service.Device], list[Edge]]:
    """Known devices and the LLDP/CDP links between them (and to unknown peers)."""
    devices = await known_devices(session)
    by_name = {_short(d.hostname or d.name): d.id for d in devices}
    by_name.update({_short(d.name): d.id for d in devices})
    links = await repository.neighbors(session, [d.id for d in devices])
    edges = [Edge(n.device_id, by_name.get(_short(n.remote_name)), n) for n in links]
    return devices, edges


def _short(name: str) -> str:
    """`sw1.example.net` and `SW1` name the same device."""
    return name.split(".", 1)[0].lower()
