"""Health checks of Linux hosts over SSH: uptime, load, disk and memory usage."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import asyncssh
from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs, ssh
from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service
from app.devices.errors import DeviceNotFoundError
from app.errors import DomainError
from app.settings import Settings

CHECK_HEALTH = jobs.JobSpec(
    actor_name="devices.check_health", queue="ssh", time_limit_ms=900_000
)
# One round trip; each section is parsed by its own marker.
PROBE = (
    "echo @uptime; cat /proc/uptime; echo @load; cat /proc/loadavg; "
    "echo @disk; df -P / | tail -n 1; echo @mem; cat /proc/meminfo"
)
COMMAND_TIMEOUT = 20.0


class HealthOutputError(DomainError):
    """Raised when a host's answer to the probe cannot be parsed (not Linux?)."""

    code = "HEALTH_OUTPUT_INVALID"


@dataclass(frozen=True)
class Metrics:
    """What one successful health check measured."""

    uptime_seconds: int
    load_1min: float
    disk_usage: float
    memory_usage: float


@dataclass(frozen=True)
class HealthResult:
    """The outcome of one check; `code` says why it failed."""

    device_id: int
    healthy: bool
    metrics: Metrics | None
    code: str | None = None
    message: str | None = None


def limits_from(settings: Settings) -> ssh.SSHLimits:
    """The SSH timeouts configured in `settings`."""
    return ssh.SSHLimits(
        connect_timeout=settings.ssh_connect_timeout,
        login_timeout=settings.ssh_login_timeout,
    )


def parse(output: str) -> Metrics:
    """Metrics from the probe's output, or HealthOutputError."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        if line.startswith("@"):
            current = sections.setdefault(line[1:].strip(), [])
        elif line.strip():
            current.append(line)
    try:
        mem = {
            k.strip(): float(v.split()[0])
            for k, v in (line.split(":", 1) for line in sections["mem"])
        }
        used = (mem["MemTotal"] - mem["MemAvailable"]) / mem["MemTotal"] * 100
        return Metrics(
            uptime_seconds=int(float(sections["uptime"][0].split()[0])),
            load_1min=float(sections["load"][0].split()[0]),
            disk_usage=float(sections["disk"][0].split()[4].rstrip("%")),
            memory_usage=round(used, 1),
        )
    except (KeyError, IndexError, ValueError, ZeroDivisionError):
        raise HealthOutputError("Unexpected health probe output") from None


async def _measure(
    db: Sessionmaker, device_id: int, limits: ssh.SSHLimits, strict: bool
) -> Metrics:
    async with db() as session:
        (found,) = await service.ssh_targets(session, [device_id])
    async with ssh.session(found.target, limits, strict=strict) as connected:
        result = await asyncio.wait_for(
            connected.conn.run(PROBE, check=False), COMMAND_TIMEOUT
        )
        host_key = connected.host_key
    if found.target.host_key is None:
        async with unit_of_work(db) as session:
            await service.record_host_key(session, device_id, host_key)
    return parse(str(result.stdout))


async def check_device(
    db: Sessionmaker, device_id: int, limits: ssh.SSHLimits, *, strict: bool = False
) -> HealthResult:
    """Check one device now (no transaction open during SSH) and record it."""
    try:
        metrics = await _measure(db, device_id, limits, strict)
    except DeviceNotFoundError:
        raise
    except DomainError as exc:
        result = HealthResult(device_id, False, None, exc.code, exc.message)
    except TimeoutError:
        result = HealthResult(
            device_id, False, None, "SSH_TIMEOUT", "Health probe timed out"
        )
    except (asyncssh.Error, OSError) as exc:
        message = f"SSH session failed: {type(exc).__name__}"
        result = HealthResult(device_id, False, None, "SSH_CONNECTION_FAILED", message)
    else:
        result = HealthResult(device_id, True, metrics)
    async with unit_of_work(db) as session:
        await _record(session, result)
    return result


async def _record(session: AsyncSession, result: HealthResult) -> None:
    device = await service.get_device(session, result.device_id)
    device.last_health_check = utcnow()
    device.health_status = "healthy" if result.healthy else "unhealthy"
    device.health_message = (
        None if result.healthy else f"{result.code}: {result.message}"[:500]
    )
    if result.metrics is not None:
        m = result.metrics
        device.uptime_seconds, device.load_1min = m.uptime_seconds, m.load_1min
        device.disk_usage, device.memory_usage = m.disk_usage, m.memory_usage
    await service.set_status(
        session,
        result.device_id,
        "up" if result.healthy else "down",
        reason=None if result.healthy else result.code,
    )


async def check_devices(
    db: Sessionmaker,
    device_ids: Sequence[int],
    limits: ssh.SSHLimits,
    *,
    concurrency: int,
    strict: bool = False,
) -> list[HealthResult]:
    """Check many devices at once, at most `concurrency` at a time."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(device_id: int) -> HealthResult | None:
        async with gate:
            try:
                return await check_device(db, device_id, limits, strict=strict)
            except DeviceNotFoundError:
                return None

    results = await asyncio.gather(*(one(i) for i in device_ids))
    return [r for r in results if r is not None]


async def request_check_all(db: Sessionmaker) -> int:
    """Queue a health check of every device; returns how many were queued."""
    async with unit_of_work(db) as session:
        ids = await service.all_device_ids(session)
        if ids:
            jobs.enqueue(CHECK_HEALTH, device_ids=",".join(map(str, ids)))
    return len(ids)


@dataclass(frozen=True)
class Reachability:
    """Whether an SSH login to one device worked; `code` says why not."""

    device_id: int
    ok: bool
    code: str | None
    message: str


async def probe_device(
    db: Sessionmaker, device_id: int, limits: ssh.SSHLimits, *, strict: bool = False
) -> Reachability:
    """Log in to a device with its login; see `probe_target`."""
    async with db() as session:
        (found,) = await service.ssh_targets(session, [device_id])
    return await probe_target(db, found, limits, strict=strict)


async def probe_target(
    db: Sessionmaker,
    found: service.DeviceTarget,
    limits: ssh.SSHLimits,
    *,
    strict: bool = False,
) -> Reachability:
    """Log in to a device, remember its host key (TOFU) and set its status."""
    device_id = found.device_id
    try:
        async with ssh.session(found.target, limits, strict=strict) as connected:
            host_key = connected.host_key
    except ssh.SSHError as exc:
        result = Reachability(device_id, False, exc.code, exc.message)
    else:
        result = Reachability(device_id, True, None, "SSH login succeeded")
    async with unit_of_work(db) as session:
        if result.ok and found.target.host_key is None:
            await service.record_host_key(session, device_id, host_key)
        await service.set_status(
            session, device_id, "up" if result.ok else "down", reason=result.code
        )
    return result


async def probe_targets(
    db: Sessionmaker,
    targets: Sequence[service.DeviceTarget],
    limits: ssh.SSHLimits,
    *,
    concurrency: int,
    strict: bool = False,
) -> list[Reachability]:
    """`probe_target` for many targets at once (in order), `concurrency` at a time."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(found: service.DeviceTarget) -> Reachability:
        async with gate:
            return await probe_target(db, found, limits, strict=strict)

    return list(await asyncio.gather(*(one(t) for t in targets)))
