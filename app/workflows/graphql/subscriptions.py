"""Subscriptions of the workflows domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.graphql.context import Info
from app.graphql.nodes import key_of
from app.graphql.permissions import require
from app.workflows import recorder
from app.workflows.graphql.types import WorkflowExecution, WorkflowExecutionEvent


@strawberry.type
class WorkflowsSubscription:
    @strawberry.subscription(
        description="An execution's events (global id) after `afterSeq`, then live, "
        "until it ends."
    )
    async def workflow_execution_events(
        self, info: Info, execution_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[WorkflowExecutionEvent, None]:
        require(info, "workflows.execution.view")
        key = key_of(execution_id, WorkflowExecution, field="executionId")
        stream = recorder.stream(key)
        async for event in events.subscribe(info.context.db, stream, after_seq):
            yield WorkflowExecutionEvent.from_event(event)
            if event.type == recorder.FINAL_EVENT:
                return
