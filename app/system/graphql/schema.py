"""Queries, mutations and subscriptions of the system domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, require
from app.system import service
from app.system.graphql.types import PingWorkersSuccess, SystemEvent, SystemInfo


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


@strawberry.type
class SystemMutation:
    @strawberry.mutation(
        description="Ask the workers to answer on `systemEvents`.",
        permission_classes=[HasPermission("system.worker.ping")],
    )
    async def ping_workers(self, info: Info) -> PingWorkersSuccess:
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
