"""Queries, mutations and subscriptions of the system domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from app import events
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, require
from app.system import service
from app.system.graphql.types import (
    PingWorkersSuccess,
    ProbeResult,
    QueueHealth,
    RedisHealth,
    SystemEvent,
    SystemHealth,
    SystemInfo,
)

# Queuing a ping has no expected failure: a one-member union, so error
# members can join later without breaking clients.
PingWorkersPayload = Annotated[
    PingWorkersSuccess, strawberry.union("PingWorkersPayload")
]


@strawberry.type
class SystemQuery:
    @strawberry.field(
        description="Version and run mode of the answering process.",
        permission_classes=[HasPermission("system.info.view")],
    )
    def system_info(self, info: Info) -> SystemInfo:
        return SystemInfo(
            version=service.opsgraph_version(),
            mode=info.context.settings.mode,
            started_at=service.STARTED_AT,
        )

    @strawberry.field(
        description="Probe the database, Redis and the job broker now.",
        permission_classes=[HasPermission("system.health.view")],
    )
    async def system_health(self, info: Info) -> SystemHealth:
        state = info.context.request.app.state
        found = await service.health(
            info.context.db,
            info.context.settings,
            bool(getattr(state, "in_process_worker", False)),
        )
        return health_type(found)


def health_type(found: service.Health) -> SystemHealth:
    """The GraphQL view of one health probe."""
    db, redis, queue = found.database, found.redis, found.queue
    return SystemHealth(
        healthy=found.healthy,
        uptime_seconds=service.uptime_seconds(),
        database=ProbeResult(
            ok=db.ok, response_time_ms=db.response_time_ms, detail=db.detail
        ),
        redis=None
        if redis is None
        else RedisHealth(
            ok=redis.ok,
            response_time_ms=redis.response_time_ms,
            version=redis.version,
            used_memory_human=redis.used_memory_human,
            connected_clients=redis.connected_clients,
        ),
        queue=QueueHealth(
            ok=queue.ok,
            queue_length=queue.queue_length,
            running=queue.running,
            failed_jobs=queue.failed_jobs,
            active_workers=queue.active_workers,
        ),
    )


@strawberry.type
class SystemMutation:
    @strawberry.mutation(
        description="Ask the workers to answer on `systemEvents`.",
        permission_classes=[HasPermission("system.worker.ping")],
    )
    async def ping_workers(self, info: Info) -> PingWorkersPayload:
        return PingWorkersSuccess(ping_id=await service.request_ping(info.context.db))


@strawberry.type
class SystemSubscription:
    @strawberry.subscription(description="System events after `afterSeq`, then live.")
    async def system_events(
        self, info: Info, after_seq: int = 0
    ) -> AsyncGenerator[SystemEvent, None]:
        require(info, "system.event.view")
        async for event in events.subscribe(
            info.context.db, service.SYSTEM_STREAM, after_seq
        ):
            yield SystemEvent.from_event(event)
