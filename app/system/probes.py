"""Probes of the job broker and Redis: real numbers, read without blocking the loop."""

from __future__ import annotations

import time
from dataclasses import dataclass

import dramatiq
import redis.asyncio as aioredis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from app.jobs import QUEUES
from app.settings import Settings

HEARTBEAT_MS = 60_000


@dataclass(frozen=True)
class RedisDetails:
    """What Redis says about itself."""

    ok: bool
    response_time_ms: float
    version: str | None = None
    used_memory_human: str | None = None
    connected_clients: int | None = None
    message: str = "Connection successful"


@dataclass(frozen=True)
class QueueStats:
    """The job broker's view: waiting, in-flight and dead messages, live workers."""

    ok: bool
    response_time_ms: float
    queue_length: int = 0
    running: int | None = 0
    failed_jobs: int = 0
    active_workers: int | None = None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def redis_details(settings: Settings) -> RedisDetails | None:
    """INFO from Redis; None in embedded mode (no Redis)."""
    if not settings.redis_url:
        return None
    started = time.perf_counter()
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        info = await client.info()
    except (OSError, aioredis.RedisError) as exc:
        return RedisDetails(False, _ms(started), message=type(exc).__name__)
    finally:
        await client.aclose()
    return RedisDetails(
        True,
        _ms(started),
        str(info.get("redis_version")),
        str(info.get("used_memory_human")),
        int(info.get("connected_clients", 0)),
    )


async def _redis_queues(url: str, namespace: str) -> QueueStats:
    started = time.perf_counter()
    client = aioredis.Redis.from_url(url)
    try:
        waiting = failed = running = 0
        for queue in QUEUES:
            for name in (queue, f"{queue}.DQ"):
                waiting += await client.llen(f"{namespace}:{name}")
                failed += await client.zcard(f"{namespace}:{name}.XQ")
        async for key in client.scan_iter(match=f"{namespace}:__acks__.*"):
            running += await client.scard(key)
        alive_since = int(time.time() * 1000) - HEARTBEAT_MS
        workers = await client.zcount(
            f"{namespace}:__heartbeats__", alive_since, "+inf"
        )
    except (OSError, aioredis.RedisError):
        return QueueStats(False, _ms(started))
    finally:
        await client.aclose()
    return QueueStats(True, _ms(started), waiting, running, failed, int(workers))


def _stub_queues(broker: StubBroker, in_process_worker: bool) -> QueueStats:
    started = time.perf_counter()
    waiting = sum(q.qsize() for name, q in broker.queues.items() if name in QUEUES)
    failed = sum(len(v) for v in broker.dead_letters_by_queue.values())
    workers = 1 if in_process_worker else 0
    # The stub broker cannot tell in-flight messages apart: `running` is unknown.
    return QueueStats(True, _ms(started), waiting, None, failed, workers)


async def queue_stats(settings: Settings, in_process_worker: bool) -> QueueStats:
    """The broker's queues: Redis keys in distributed mode, the stub otherwise."""
    broker = dramatiq.get_broker()
    if isinstance(broker, RedisBroker) and settings.redis_url:
        return await _redis_queues(settings.redis_url, broker.namespace)
    if isinstance(broker, StubBroker):
        return _stub_queues(broker, in_process_worker)
    return QueueStats(False, 0.0)
