"""Record what one probed address showed: result row, counters, event, fleet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.scans import probes, repository, service

FACT_KEYS = (
    "vendor",
    "model",
    "device_type",
    "sys_descr",
    "sys_object_id",
    "snmp_port",
    "snmp_credential_id",
)


@dataclass(frozen=True)
class Outcome:
    """What probing one address found."""

    address: str
    reach: probes.Reachability
    snmp: dict[str, Any] | None
    ssh: dict[str, Any] | None

    @property
    def answered(self) -> bool:
        """Whether anything at the address answered."""
        return self.reach.reachable or self.snmp is not None or self.ssh is not None


async def record(
    db: Sessionmaker, scan_id: uuid.UUID, outcomes: Sequence[Outcome]
) -> bool:
    """Store finished targets with the counters and one progress event each.

    One transaction for the whole batch: the scan row and the event stream's
    counter are locked until commit, so per-target transactions would queue up
    behind each other. False once the scan stopped.
    """
    async with unit_of_work(db) as session:
        scan = await repository.advance(
            session,
            scan_id,
            finished=len(outcomes),
            discovered=sum(o.answered for o in outcomes),
        )
        if scan is None:
            return False
        devices = await _into_fleet(session, scan_id, outcomes)
        rows = [_row(scan_id, o, devices.get(o.address)) for o in outcomes]
        await repository.add_results(session, rows)
        await service.emit_progress(
            session, scan, [(o.address, o.answered) for o in outcomes]
        )
    return True


async def _into_fleet(
    session: AsyncSession, scan_id: uuid.UUID, outcomes: Sequence[Outcome]
) -> dict[str, int]:
    """Upsert the answering hosts as devices, mark them up; their ids by address."""
    answered = [o for o in outcomes if o.answered]
    found = [
        devices_service.Discovered(
            o.address, (o.snmp or {}).get("sys_name"), _facts(scan_id, o)
        )
        for o in answered
    ]
    devices = await devices_service.mark_discovered(
        session, found, reason=f"answered discovery scan {scan_id}"
    )
    for outcome, device in zip(answered, devices, strict=True):
        host_key = (outcome.ssh or {}).get("host_key")
        if host_key:
            await devices_service.record_host_key(session, device.id, host_key)
    return {o.address: d.id for o, d in zip(answered, devices, strict=True)}


def _facts(scan_id: uuid.UUID, outcome: Outcome) -> dict[str, object]:
    facts = outcome.snmp or {}
    return {
        **{k: facts.get(k) for k in FACT_KEYS if facts.get(k)},
        "discovered_by": str(scan_id),
        "reached_by": outcome.reach.method,
    }


def _row(scan_id: uuid.UUID, outcome: Outcome, device_id: int | None) -> dict[str, Any]:
    facts = outcome.snmp or {}
    return {
        "scan_id": scan_id,
        "address": outcome.address,
        "hostname": facts.get("sys_name"),
        "reachable": outcome.reach.reachable,
        "method": outcome.reach.method,
        "latency_ms": outcome.reach.latency_ms,
        "open_ports": outcome.reach.open_ports,
        "snmp": outcome.snmp,
        "ssh": outcome.ssh,
        "device_id": device_id,
        "discovered": outcome.answered,
    }
