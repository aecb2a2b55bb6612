"""GraphQL types of the system domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.events import Event


@strawberry.type(description="Facts about this OpsGraph process.")
class SystemInfo:
    version: str = strawberry.field(description="OpsGraph version.")
    mode: str = strawberry.field(description="`embedded` or `distributed`.")
    started_at: datetime = strawberry.field(description="When this process started.")


@strawberry.type(description="One event of the system stream.")
class SystemEvent:
    seq: int = strawberry.field(description="Gap-free sequence number in the stream.")
    type: str = strawberry.field(description="Event type, e.g. `worker.pong`.")
    data: JSON = strawberry.field(description="Event payload.")
    created_at: datetime = strawberry.field(description="When the event was stored.")

    @classmethod
    def from_event(cls, event: Event) -> SystemEvent:
        return cls(
            seq=event.seq, type=event.type, data=event.data, created_at=event.created_at
        )


@strawberry.type(description="A ping was queued; a worker answers on `systemEvents`.")
class PingWorkersSuccess:
    ping_id: str = strawberry.field(description="Echoed in the `worker.pong` event.")


@strawberry.type(description="One backend probe.")
class ProbeResult:
    ok: bool = strawberry.field(description="Whether it answered.")
    response_time_ms: float = strawberry.field(description="How long it took.")
    detail: str = strawberry.field(description="What it said, or the error kind.")


@strawberry.type(description="Redis as it reports itself.")
class RedisHealth:
    ok: bool = strawberry.field(description="Whether it answered.")
    response_time_ms: float = strawberry.field(description="How long INFO took.")
    version: str | None = strawberry.field(description="Redis server version.")
    used_memory_human: str | None = strawberry.field(description="Memory in use.")
    connected_clients: int | None = strawberry.field(description="Open clients.")


@strawberry.type(description="The job broker's queues.")
class QueueHealth:
    ok: bool = strawberry.field(description="Whether the broker answered.")
    queue_length: int = strawberry.field(description="Messages waiting (and delayed).")
    running: int | None = strawberry.field(
        description="Messages being processed (unknown on the in-memory broker)."
    )
    failed_jobs: int = strawberry.field(description="Dead-lettered messages.")
    active_workers: int | None = strawberry.field(description="Live worker processes.")


@strawberry.type(description="Health of this deployment, probed now.")
class SystemHealth:
    healthy: bool = strawberry.field(description="Database, broker (and Redis) up.")
    uptime_seconds: int = strawberry.field(description="This process's uptime.")
    database: ProbeResult = strawberry.field(description="`SELECT 1`.")
    redis: RedisHealth | None = strawberry.field(
        description="Redis, in distributed mode only."
    )
    queue: QueueHealth = strawberry.field(description="The job broker.")
