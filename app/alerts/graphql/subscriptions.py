"""Subscriptions of the alerts domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.alerts import service
from app.alerts.graphql.types import AlertChange
from app.graphql.context import Info
from app.graphql.permissions import require


@strawberry.type
class AlertsSubscription:
    @strawberry.subscription(
        description="Alert changes after `afterSeq` (replayed), then live; "
        "`afterSeq: -1` starts from now."
    )
    async def alerts_changed(
        self, info: Info, after_seq: int = 0
    ) -> AsyncGenerator[AlertChange, None]:
        require(info, "alerts.alert.view")
        async for event in events.subscribe(
            info.context.db, service.ALERTS_STREAM, after_seq
        ):
            yield AlertChange.from_event(event)
