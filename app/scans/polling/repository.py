"""Every SQL statement of the polling domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.scans.polling.models import (
    DeviceInterface,
    DeviceNeighbor,
    PollRun,
    PowerReading,
)


async def polled_device_ids(session: AsyncSession) -> set[int]:
    """Devices that answered a poll at least once."""
    query = select(PollRun.device_id).where(PollRun.status == "ok").distinct()
    return set((await session.scalars(query)).all())


def interfaces_of(device_id: int) -> Any:
    """A device's interfaces, unordered."""
    return select(DeviceInterface).where(DeviceInterface.device_id == device_id)


def readings_of(
    device_id: int,
    *,
    interface: str | None,
    start: datetime | None,
    end: datetime | None,
) -> Any:
    """Power samples of a device, filtered, unordered."""
    query = select(PowerReading).where(PowerReading.device_id == device_id)
    if interface is not None:
        query = query.where(PowerReading.interface == interface)
    if start is not None:
        query = query.where(PowerReading.recorded_at >= start)
    if end is not None:
        query = query.where(PowerReading.recorded_at <= end)
    return query


async def interfaces(
    session: AsyncSession, device_id: int
) -> Sequence[DeviceInterface]:
    """A device's interfaces in ifIndex order."""
    query = (
        select(DeviceInterface)
        .where(DeviceInterface.device_id == device_id)
        .order_by(DeviceInterface.if_index)
    )
    return (await session.scalars(query)).all()


async def replace_interfaces(
    session: AsyncSession, device_id: int, rows: Sequence[DeviceInterface]
) -> None:
    """Swap a device's interfaces for freshly polled ones."""
    await session.execute(
        delete(DeviceInterface).where(DeviceInterface.device_id == device_id)
    )
    session.add_all(rows)
    await session.flush()


async def replace_neighbors(
    session: AsyncSession, device_id: int, rows: Sequence[DeviceNeighbor]
) -> None:
    """Swap a device's neighbours for freshly polled ones."""
    await session.execute(
        delete(DeviceNeighbor).where(DeviceNeighbor.device_id == device_id)
    )
    session.add_all(rows)
    await session.flush()


async def neighbors(
    session: AsyncSession, device_ids: Sequence[int]
) -> Sequence[DeviceNeighbor]:
    """Neighbours of `device_ids`."""
    query = (
        select(DeviceNeighbor)
        .where(DeviceNeighbor.device_id.in_(device_ids))
        .order_by(DeviceNeighbor.device_id, DeviceNeighbor.id)
    )
    return (await session.scalars(query)).all()


async def add(session: AsyncSession, rows: Sequence[PowerReading | PollRun]) -> None:
    """Insert power readings or poll runs."""
    session.add_all(rows)
    await session.flush()


async def power_history(
    session: AsyncSession,
    device_id: int,
    *,
    interface: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> Sequence[PowerReading]:
    """Power samples of a device, oldest first, filtered."""
    query = readings_of(device_id, interface=interface, start=start, end=end)
    query = query.order_by(PowerReading.recorded_at, PowerReading.id).limit(limit)
    return (await session.scalars(query)).all()


async def poll_runs(session: AsyncSession, limit: int) -> Sequence[PollRun]:
    """The newest poll runs first."""
    query = select(PollRun).order_by(PollRun.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def poll_counts(session: AsyncSession) -> dict[str, int]:
    """How many polls ended in each status."""
    query = select(PollRun.status, func.count()).group_by(PollRun.status)
    return {str(s): int(n) for s, n in (await session.execute(query)).all()}
