"""Process-level facts: readiness of the backends, worker pings, the system stream."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from importlib.metadata import version

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, jobs
from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service as devices_service
from app.executions import service as executions_service
from app.settings import Settings
from app.system import probes
from app.workflows import service as workflows_service

SYSTEM_STREAM = "system"
STARTED_AT = utcnow()


@dataclass(frozen=True)
class Check:
    """The outcome of probing one backend."""

    name: str
    ok: bool
    detail: str
    response_time_ms: float


def opsgraph_version() -> str:
    """The installed distribution's version."""
    return version("opsgraph")


async def check_database(db: Sessionmaker) -> Check:
    """Run `SELECT 1` on the database."""
    started = time.perf_counter()
    try:
        async with db() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return Check("database", False, type(exc).__name__, _ms(started))
    return Check("database", True, "Connection successful", _ms(started))


async def check_event_bus() -> Check:
    """Ping the live event transport (Redis in distributed mode)."""
    started = time.perf_counter()
    try:
        await events.get_bus().ping()
    except Exception as exc:
        return Check("redis", False, type(exc).__name__, _ms(started))
    return Check("redis", True, "Connection successful", _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def request_ping(db: Sessionmaker) -> str:
    """Ask a worker to answer on the system stream; returns the ping id."""
    ping_id = uuid.uuid4().hex
    async with unit_of_work(db):
        jobs.enqueue(jobs.PING, ping_id=ping_id)
    return ping_id


async def record_pong(session: AsyncSession, ping_id: str) -> None:
    """Append a worker's answer to a ping on the system stream."""
    await events.append(
        session,
        SYSTEM_STREAM,
        [
            (
                "worker.pong",
                {"ping_id": ping_id, "host": socket.gethostname(), "pid": os.getpid()},
            )
        ],
    )


def uptime_seconds() -> int:
    """Seconds since this process started."""
    return int((utcnow() - STARTED_AT).total_seconds())


async def database_version(db: Sessionmaker) -> str:
    """The database server's product and version, e.g. `PostgreSQL 16.4`."""
    async with db() as session:
        if session.get_bind().dialect.name == "postgresql":
            raw = await session.scalar(text("SHOW server_version"))
            return f"PostgreSQL {str(raw).split()[0]}"
        raw = await session.scalar(text("SELECT sqlite_version()"))
        return f"SQLite {raw}"


@dataclass(frozen=True)
class Health:
    """Every backend probe of one health request."""

    database: Check
    redis: probes.RedisDetails | None
    queue: probes.QueueStats
    total_ms: float

    @property
    def healthy(self) -> bool:
        """The database and broker answer, and Redis too when configured."""
        redis_ok = self.redis is None or self.redis.ok
        return self.database.ok and self.queue.ok and redis_ok


async def health(
    db: Sessionmaker, settings: Settings, in_process_worker: bool
) -> Health:
    """Probe the database, Redis and the job broker."""
    started = time.perf_counter()
    database = await check_database(db)
    redis = await probes.redis_details(settings)
    queue = await probes.queue_stats(settings, in_process_worker)
    return Health(database, redis, queue, _ms(started))


@dataclass(frozen=True)
class Stats:
    """Counts across the fleet, the workflows and the executions."""

    devices_total: int
    devices_up: int
    devices_down: int
    workflows_total: int
    workflows_enabled: int
    executions: executions_service.Activity


async def stats(db: Sessionmaker) -> Stats:
    """Device, workflow and execution counts, read in one session."""
    async with db() as session:
        devices = await devices_service.status_counts(session)
        workflows = await workflows_service.workflow_counts(session)
        executions = await executions_service.activity(session)
    return Stats(*devices, *workflows, executions)


async def execution_activity(db: Sessionmaker) -> executions_service.Activity:
    """Running, pending and recently finished executions."""
    async with db() as session:
        return await executions_service.activity(session)
