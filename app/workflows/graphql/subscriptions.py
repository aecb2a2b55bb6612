"""Subscriptions of the workflows domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.graphql.context import Info
from app.graphql.permissions import require
from app.workflows import recorder
from app.workflows.graphql.types import WorkflowExecutionEvent


@strawberry.type
class WorkflowsSubscription:
    @strawberry.subscription(
        description="An execution's events after `afterSeq`, then live, until it ends."
    )
    async def workflow_execution_events(
        self, info: Info, execution_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[WorkflowExecutionEvent, None]:
        require(info, "workflows.execution.view")
        stream = recorder.stream(execution_id)
        async for event in events.subscribe(info.context.db, stream, after_seq):
            yield WorkflowExecutionEvent.from_event(event)
            if event.type == recorder.FINAL_EVENT:
                return
