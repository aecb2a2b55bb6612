"""The interface poller: IF-MIB and optical power over SNMP, history, log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service as devices_service
from app.scans import service as scans_service
from app.scans import snmp
from app.scans.plan import vault_auth
from app.scans.polling import mib, neighbors, repository
from app.scans.polling.models import (
    DeviceInterface,
    DeviceNeighbor,
    PollRun,
    PowerReading,
)
from app.scans.polling.neighbors import Neighbor
from app.settings import Settings

POLL_ALL = jobs.JobSpec(actor_name="scans.poll_all", queue="scans")
POLL_WINDOW = 16
MAX_HISTORY = 10_000


def request_poll_all() -> None:
    """Queue a poll of every SNMP device (sent after the unit of work commits)."""
    jobs.enqueue(POLL_ALL)


async def device_ids(session: AsyncSession) -> list[int]:
    """Devices the poller polls: SNMP answered in a scan or a poll."""
    scanned = await scans_service.snmp_device_ids(session)
    return sorted(scanned | await repository.polled_device_ids(session))


async def poll_all(db: Sessionmaker, settings: Settings) -> list[PollRun]:
    """Poll every SNMP device, a bounded number at a time."""
    async with db() as session:
        ids = await device_ids(session)
    window = asyncio.Semaphore(POLL_WINDOW)

    async def one(device_id: int) -> PollRun:
        async with window:
            return await poll_device(db, settings, device_id)

    return list(await asyncio.gather(*(one(i) for i in ids)))


async def poll_device(db: Sessionmaker, settings: Settings, device_id: int) -> PollRun:
    """Walk a device's interfaces and power; record them, its status and a log line."""
    async with db() as session:
        device = await devices_service.get_device(session, device_id)
        auths = await _auths(session, device, settings)
    started = utcnow()
    endpoint = snmp.Endpoint(
        device.address,
        int((device.facts or {}).get("snmp_port") or settings.snmp_port),
        settings.snmp_timeout_seconds,
        settings.snmp_retries,
    )
    found = await _walk(endpoint, auths)
    async with unit_of_work(db) as session:
        return await _record(session, device, found, started)


async def _auths(
    session: AsyncSession, device: devices_service.Device, settings: Settings
) -> list[snmp.SnmpAuth]:
    facts = device.facts or {}
    ids = [i for i in (facts.get("snmp_credential_id"), device.credential_id) if i]
    stored = await credentials_service.credentials_by_ids(session, ids)
    vault = [vault_auth(c) for c in stored if c.credential_type == "snmp"]
    return [
        *vault,
        *(snmp.SnmpAuth("v2c", community=c) for c in settings.snmp_communities),
    ]


@dataclass(frozen=True)
class Polled:
    """What one poll read from a device."""

    interfaces: list[mib.Interface]
    neighbors: list[Neighbor]


async def _walk(
    endpoint: snmp.Endpoint, auths: Sequence[snmp.SnmpAuth]
) -> Polled | None:
    answer = await snmp.first_answer(endpoint, auths, [snmp.SYS_UPTIME])
    if answer is None:
        return None
    auth = answer[0]
    walked: dict[str, object] = {}
    for root in (*mib.ROOTS, *neighbors.ROOTS):
        walked.update(await snmp.walk(endpoint, auth, root))
    found = mib.interfaces(walked)
    names = {i.if_index: i.name for i in found}
    return Polled(found, neighbors.neighbors(walked, names))


async def _record(
    session: AsyncSession,
    device: devices_service.Device,
    found: Polled | None,
    started: datetime,
) -> PollRun:
    now = utcnow()
    if found is None:
        await devices_service.set_status(
            session, device.id, "down", reason="SNMP poll got no answer"
        )
        run = _run(device, "failed", "No SNMP answer", 0, started)
    else:
        await _store(session, device.id, found, now)
        count = len(found.interfaces)
        run = _run(device, "ok", f"{count} interfaces", count, started)
    await repository.add(session, [run])
    return run


async def _store(
    session: AsyncSession, device_id: int, polled: Polled, now: datetime
) -> None:
    """Keep interfaces, power samples, neighbours and the device's interface list."""
    found = polled.interfaces
    await repository.replace_neighbors(
        session,
        device_id,
        [
            DeviceNeighbor(device_id=device_id, seen_at=now, **asdict(n))
            for n in polled.neighbors
        ],
    )
    rows = [
        DeviceInterface(device_id=device_id, polled_at=now, **asdict(i)) for i in found
    ]
    await repository.replace_interfaces(session, device_id, rows)
    await repository.add(session, _readings(device_id, found, now))
    # The fleet's GET /api/devices/:id/interfaces serves this column.
    device = await devices_service.get_device(session, device_id)
    device.interfaces = [interface_shape(r) for r in rows]
    await devices_service.set_status(session, device_id, "up", reason="SNMP poll")


def interface_shape(row: DeviceInterface) -> dict[str, object]:
    """One interface as REST and the device's interface list show it."""
    return {
        "if_index": row.if_index,
        "name": row.name,
        "description": row.description,
        "alias": row.alias,
        "admin_status": row.admin_status,
        "oper_status": row.oper_status,
        "speed": row.speed_bps,
        "mtu": row.mtu,
        "mac_address": row.mac_address,
        "in_octets": row.in_octets,
        "out_octets": row.out_octets,
        "in_errors": row.in_errors,
        "out_errors": row.out_errors,
        "rx_power": row.rx_power_dbm,
        "tx_power": row.tx_power_dbm,
        "polled_at": row.polled_at.isoformat().replace("+00:00", "Z"),
    }


def _run(
    device: devices_service.Device,
    status: str,
    message: str,
    count: int,
    started: datetime,
) -> PollRun:
    return PollRun(
        device_id=device.id,
        address=device.address,
        status=status,
        message=message,
        interfaces=count,
        started_at=started,
        finished_at=utcnow(),
    )


def _readings(
    device_id: int, found: list[mib.Interface], now: datetime
) -> list[PowerReading]:
    return [
        PowerReading(
            device_id=device_id,
            if_index=i.if_index,
            interface=i.name,
            rx_power_dbm=i.rx_power_dbm,
            tx_power_dbm=i.tx_power_dbm,
            recorded_at=now,
        )
        for i in found
        if i.rx_power_dbm is not None or i.tx_power_dbm is not None
    ]


def interface_query(device_id: int) -> Select[tuple[DeviceInterface]]:
    """A device's last polled interfaces, unordered (for keyset pages)."""
    query: Select[tuple[DeviceInterface]] = repository.interfaces_of(device_id)
    return query


def power_query(
    device_id: int,
    *,
    interface: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select[tuple[PowerReading]]:
    """A device's optical power samples, filtered, unordered (keyset pages)."""
    query: Select[tuple[PowerReading]] = repository.readings_of(
        device_id, interface=interface, start=start, end=end
    )
    return query


async def interfaces(
    session: AsyncSession, device_id: int
) -> Sequence[DeviceInterface]:
    """The last polled interfaces of a device (DeviceNotFoundError if unknown)."""
    await devices_service.get_device(session, device_id)
    return await repository.interfaces(session, device_id)


async def power_history(
    session: AsyncSession,
    device_id: int,
    *,
    interface: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Sequence[PowerReading]:
    """Optical power samples of a device, oldest first, filtered."""
    await devices_service.get_device(session, device_id)
    return await repository.power_history(
        session, device_id, interface=interface, start=start, end=end, limit=MAX_HISTORY
    )


async def poll_log(session: AsyncSession, limit: int = 100) -> Sequence[PollRun]:
    """The newest poll runs."""
    return await repository.poll_runs(session, limit)


async def poll_counts(session: AsyncSession) -> dict[str, int]:
    """How many polls succeeded and failed."""
    return await repository.poll_counts(session)


async def polled_count(session: AsyncSession) -> int:
    """How many devices the poller covers."""
    return len(await device_ids(session))


async def tick(db: Sessionmaker, settings: Settings) -> None:
    """Periodic duties: fail scans whose worker vanished, queue the poll when due."""
    async with unit_of_work(db) as session:
        await scans_service.reap_stale(
            session, timedelta(seconds=settings.scan_stale_seconds)
        )
        interval = settings.poll_interval_seconds
        if interval > 0 and await scans_service.claim_period(
            session, POLL_ALL.actor_name, timedelta(seconds=interval)
        ):
            request_poll_all()
