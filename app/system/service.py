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
