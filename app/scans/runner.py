"""The scan engine: probe every address concurrently within a bounded window.

Nothing holds a transaction during network I/O: each finished target is
recorded in its own short unit of work, which also advances the counters and
appends the progress event, so progress is exactly what is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from app.db import Sessionmaker, unit_of_work
from app.scans import probes, repository, service, snmp, vendors
from app.scans.models import ACTIVE, Scan, ScanResult
from app.settings import Settings

log = logging.getLogger(__name__)
CANCEL_CHECK_SECONDS = 0.25


@dataclass(frozen=True)
class Plan:
    """Everything the probes of one scan need, resolved from options and settings."""

    scan_id: uuid.UUID
    ping: bool
    method: str
    ports: list[int]
    timeout: float
    window: int
    snmp: bool
    snmp_port: int
    snmp_retries: int
    auths: tuple[snmp.SnmpAuth, ...]
    ssh: bool
    ssh_port: int

    @classmethod
    def of(cls, scan: Scan, settings: Settings) -> Plan:
        """The plan for `scan` under `settings`."""
        opts = service.parse_options(scan.options)
        return cls(
            scan_id=scan.id,
            ping=opts.ping,
            method=probes.choose_method(opts.ping_method),
            ports=opts.tcp_ports or list(settings.scan_tcp_ports),
            timeout=opts.timeout or settings.scan_timeout_seconds,
            window=opts.window or settings.scan_window,
            snmp=opts.snmp,
            snmp_port=opts.snmp_port or settings.snmp_port,
            snmp_retries=settings.snmp_retries,
            auths=snmp_auths(opts, settings),
            ssh=opts.ssh,
            ssh_port=opts.ssh_port,
        )


def snmp_auths(
    opts: service.ScanOptions, settings: Settings
) -> tuple[snmp.SnmpAuth, ...]:
    """The v3 users, then the v2c communities, to try in that order."""
    v3 = [snmp.SnmpAuth("v3", **user.model_dump()) for user in opts.snmp_v3_users or []]
    communities = opts.snmp_communities or settings.snmp_communities
    return (*v3, *(snmp.SnmpAuth("v2c", community=c) for c in communities))


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


async def run_scan(db: Sessionmaker, settings: Settings, scan_id: uuid.UUID) -> None:
    """Drive one scan to its end; a redelivered message for it does nothing."""
    async with unit_of_work(db) as session:
        scan = await repository.claim(session, scan_id, uuid.uuid4())
        done = await repository.done_addresses(session, scan_id) if scan else set()
    if scan is None:
        return
    plan = Plan.of(scan, settings)
    if plan.snmp:
        # Building an engine blocks the loop for a while: never inside a timed probe.
        snmp.engine()
    pending = [a for a in scan.addresses if a not in done]
    try:
        finished = await _probe_all(db, plan, pending)
    except Exception as exc:
        log.exception("scan %s failed", scan_id)
        await _finish(db, scan_id, "failed", error=type(exc).__name__)
        return
    if finished:
        await _finish(db, scan_id, "completed")


async def _probe_all(db: Sessionmaker, plan: Plan, pending: list[str]) -> bool:
    """Probe `pending`; False when the scan was stopped from outside."""
    addresses = iter(pending)

    async def work() -> None:
        for address in addresses:
            if not await record(db, plan, await probe(plan, address)):
                return

    workers = asyncio.gather(
        *(work() for _ in range(max(1, min(plan.window, len(pending)))))
    )
    watcher = asyncio.ensure_future(_until_stopped(db, plan.scan_id))
    await asyncio.wait({workers, watcher}, return_when=asyncio.FIRST_COMPLETED)
    stopped = watcher.done()
    for task in (workers, watcher):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return not stopped


async def _until_stopped(db: Sessionmaker, scan_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(CANCEL_CHECK_SECONDS)
        async with db() as session:
            if await repository.status_of(session, scan_id) != ACTIVE:
                return


async def probe(plan: Plan, address: str) -> Outcome:
    """Reachability, SNMP system facts and SSH banner of one address, at once."""
    reach, facts, banner = await asyncio.gather(
        _reach(plan, address), _snmp(plan, address), _ssh(plan, address)
    )
    return Outcome(address, reach, facts, banner)


async def _reach(plan: Plan, address: str) -> probes.Reachability:
    if not plan.ping:
        return probes.Reachability(False, "none")
    return await probes.reach(address, plan.method, plan.ports, plan.timeout)


async def _snmp(plan: Plan, address: str) -> dict[str, Any] | None:
    if not plan.snmp:
        return None
    endpoint = snmp.Endpoint(address, plan.snmp_port, plan.timeout, plan.snmp_retries)
    oids = (snmp.SYS_NAME, snmp.SYS_DESCR, snmp.SYS_OBJECT_ID, snmp.SYS_UPTIME)
    answer = await snmp.first_answer(endpoint, plan.auths, oids)
    if answer is None:
        return None
    auth, values = answer
    return system_facts(values, auth)


def system_facts(values: dict[str, Any], auth: snmp.SnmpAuth) -> dict[str, Any]:
    """sysName/sysDescr/sysObjectID/sysUpTime with the vendor and model derived."""
    descr = snmp.text(values.get(snmp.SYS_DESCR))
    object_id = snmp.text(values.get(snmp.SYS_OBJECT_ID))
    uptime = values.get(snmp.SYS_UPTIME)
    vendor = vendors.vendor(object_id, descr)
    return {
        "sys_name": snmp.text(values.get(snmp.SYS_NAME)),
        "sys_descr": descr,
        "sys_object_id": object_id,
        "sys_uptime": int(uptime) if uptime is not None else None,
        "vendor": vendor,
        "model": vendors.model(vendor, descr),
        "device_type": vendors.device_type(descr),
        "auth": auth.label,
    }


async def _ssh(plan: Plan, address: str) -> dict[str, Any] | None:
    if not plan.ssh:
        return None
    banner = await probes.ssh_banner(address, plan.ssh_port, plan.timeout)
    return None if banner is None else {"port": plan.ssh_port, "banner": banner}


async def record(db: Sessionmaker, plan: Plan, outcome: Outcome) -> bool:
    """Store one target's result and progress; False once the scan stopped."""
    async with unit_of_work(db) as session:
        scan = await repository.advance(
            session, plan.scan_id, discovered=outcome.answered
        )
        if scan is None:
            return False
        await repository.add_result(session, _result_row(plan.scan_id, outcome))
        await service.emit(
            session,
            scan,
            "scan.progress",
            address=outcome.address,
            reachable=outcome.answered,
        )
    return True


def _result_row(scan_id: uuid.UUID, outcome: Outcome) -> ScanResult:
    facts = outcome.snmp or {}
    return ScanResult(
        scan_id=scan_id,
        address=outcome.address,
        hostname=facts.get("sys_name"),
        reachable=outcome.reach.reachable,
        method=outcome.reach.method,
        latency_ms=outcome.reach.latency_ms,
        open_ports=outcome.reach.open_ports,
        snmp=outcome.snmp,
        ssh=outcome.ssh,
        discovered=outcome.answered,
    )


async def _finish(
    db: Sessionmaker, scan_id: uuid.UUID, status: str, error: str | None = None
) -> None:
    async with unit_of_work(db) as session:
        scan = await repository.finish(session, scan_id, status, error=error)
        if scan is not None:
            await service.emit(session, scan, f"scan.{status}")
