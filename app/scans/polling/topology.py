"""The fleet as scans and polls see it: known devices and their adjacencies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.devices import service as devices_service
from app.errors import NotFoundError
from app.scans import service as scans_service
from app.scans.polling import repository
from app.scans.polling.models import DeviceNeighbor


@dataclass(frozen=True)
class Edge:
    """A neighbour link; `target_id` is set when the neighbour is a known device."""

    source_id: int
    target_id: int | None
    neighbor: DeviceNeighbor


async def known_devices(session: AsyncSession) -> list[devices_service.Device]:
    """Devices any scan found or the poller polled, by id."""
    ids = await scans_service.scanned_device_ids(session)
    ids |= await repository.polled_device_ids(session)
    found = []
    for device_id in sorted(ids):
        try:
            found.append(await devices_service.get_device(session, device_id))
        except NotFoundError:
            continue  # deleted from the fleet since it was scanned
    return found


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
