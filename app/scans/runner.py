"""The scan engine: probe every address concurrently within a bounded window.

Nothing holds a transaction during network I/O: finished targets are recorded
in short units of work, in batches, by one recorder (see `discovery.record`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from typing import Any

from app import ssh
from app.db import Sessionmaker, unit_of_work
from app.scans import discovery, probes, repository, service, snmp, vendors
from app.scans.discovery import Outcome
from app.scans.models import ACTIVE
from app.scans.plan import Plan, make_plan
from app.settings import Settings

log = logging.getLogger(__name__)
CANCEL_CHECK_SECONDS = 0.25
RECORD_EVERY = 0.1
SYSTEM_OIDS = (snmp.SYS_NAME, snmp.SYS_DESCR, snmp.SYS_OBJECT_ID, snmp.SYS_UPTIME)


async def run_scan(db: Sessionmaker, settings: Settings, scan_id: uuid.UUID) -> None:
    """Drive one scan to its end; a redelivered message for it does nothing."""
    async with unit_of_work(db) as session:
        scan = await repository.claim(session, scan_id, uuid.uuid4())
        if scan is None:
            return
        done = await repository.done_addresses(session, scan_id)
        plan = await make_plan(session, scan, settings)
    if plan.snmp and any(a.version != "v2c" for a in plan.auths):
        # Building an engine (v3) blocks the loop for a while: never inside a
        # timed probe. v2c goes through the dispatcher, which costs nothing.
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
    """Probe `pending`; False when the scan was stopped from outside.

    `window` workers probe; one recorder stores whatever finished while its
    previous write ran (group commit), so probes never wait for the database.
    """
    addresses = iter(pending)
    finished: asyncio.Queue[Outcome | None] = asyncio.Queue()

    async def work() -> None:
        for address in addresses:
            finished.put_nowait(await probe(plan, address))

    async def probe_everything() -> None:
        await asyncio.gather(
            *(work() for _ in range(max(1, min(plan.window, len(pending)))))
        )
        finished.put_nowait(None)

    async def record_all() -> bool:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await finished.get()]
            written = loop.time()
            while not finished.empty():
                batch.append(finished.get_nowait())
            outcomes = [o for o in batch if o is not None]
            if outcomes and not await discovery.record(db, plan.scan_id, outcomes):
                return False
            if batch[-1] is None:
                return True
            # Fewer, larger transactions leave the loop to the probes; the
            # last batch goes out as soon as the probing ends.
            pause = RECORD_EVERY - (loop.time() - written)
            if pause > 0:
                await asyncio.wait({prober}, timeout=pause)

    prober = asyncio.ensure_future(probe_everything())
    recorder = asyncio.ensure_future(record_all())
    watcher = asyncio.ensure_future(_until_stopped(db, plan.scan_id))
    running = {prober, recorder, watcher}
    try:
        while recorder in running and watcher in running:
            done, running = await asyncio.wait(
                running, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                task.result()
        return recorder.done() and recorder.result()
    finally:
        for task in (prober, recorder, watcher):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _until_stopped(db: Sessionmaker, scan_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(CANCEL_CHECK_SECONDS)
        async with db() as session:
            if await repository.status_of(session, scan_id) != ACTIVE:
                return


async def probe(plan: Plan, address: str) -> Outcome:
    """Reachability, SNMP system facts and SSH of one address, at once."""
    reach, facts, found = await asyncio.gather(
        _reach(plan, address), _snmp(plan, address), _ssh(plan, address)
    )
    return Outcome(address, reach, facts, found)


async def _reach(plan: Plan, address: str) -> probes.Reachability:
    if not plan.ping:
        return probes.Reachability(False, "none")
    return await probes.reach(address, plan.method, plan.ports, plan.timeout)


async def _snmp(plan: Plan, address: str) -> dict[str, Any] | None:
    if not plan.snmp or not plan.auths:
        return None
    answer = await snmp.first_answer(plan.endpoint(address), plan.auths, SYSTEM_OIDS)
    if answer is None:
        return None
    auth, values = answer
    return {**system_facts(values, auth), "snmp_port": plan.snmp_port}


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
        "snmp_credential_id": auth.credential_id,
    }


async def _ssh(plan: Plan, address: str) -> dict[str, Any] | None:
    if not plan.ssh:
        return None
    banner = await probes.ssh_banner(address, plan.ssh_port, plan.timeout)
    if banner is None:
        return None
    found: dict[str, Any] = {"port": plan.ssh_port, "banner": banner}
    if plan.ssh_login is not None:
        found.update(
            await _login(plan, dataclasses.replace(plan.ssh_login, host=address))
        )
    return found


async def _login(plan: Plan, target: ssh.SSHTarget) -> dict[str, Any]:
    limits = ssh.SSHLimits(connect_timeout=plan.timeout, login_timeout=plan.timeout * 5)
    try:
        async with ssh.session(target, limits) as connected:
            return {"login": "ok", "host_key": connected.host_key}
    except ssh.SSHError as exc:
        return {"login": exc.code}


async def _finish(
    db: Sessionmaker, scan_id: uuid.UUID, status: str, error: str | None = None
) -> None:
    async with unit_of_work(db) as session:
        scan = await repository.finish(session, scan_id, status, error=error)
        if scan is not None:
            await service.emit(session, scan, f"scan.{status}")
