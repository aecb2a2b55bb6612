"""Subscriptions of the executions domain: the dashboards' live feeds."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.executions import service
from app.executions.errors import ExecutionNotFoundError
from app.executions.graphql.types import (
    Execution,
    ExecutionEvent,
    ExecutionFilterInput,
    ExecutionProgress,
)
from app.executions.repository import ExecutionFilter
from app.graphql.context import Info
from app.graphql.nodes import key_or_none
from app.graphql.permissions import require

VIEW = "executions.execution.view"


async def _uuid(info: Info, execution_id: strawberry.ID) -> str:
    key = key_or_none(execution_id, Execution)
    if key is None:
        raise ExecutionNotFoundError("Execution not found")
    async with info.context.db() as session:
        found = await service.get(session, key)
    return found.uuid


def _final(event: events.Event) -> bool:
    return event.type == "status" and bool(event.data.get("final"))


@strawberry.type
class ExecutionsSubscription:
    @strawberry.subscription(
        description="Events of one execution (global id) after `afterSeq`: "
        "stored ones first, then live, with no gap and no duplicate; ends after "
        "the final status."
    )
    async def execution_events(
        self, info: Info, execution_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[ExecutionEvent, None]:
        require(info, VIEW)
        uuid = await _uuid(info, execution_id)
        stream = service.stream_of(uuid)
        async for event in events.subscribe(info.context.db, stream, after_seq):
            yield ExecutionEvent.from_event(event)
            if _final(event):
                return

    @strawberry.subscription(
        description="Status, hosts done of total, percent and ETA of one execution "
        "(global id), "
        "now and after every host or status change."
    )
    async def execution_progress(
        self, info: Info, execution_id: strawberry.ID
    ) -> AsyncGenerator[ExecutionProgress, None]:
        require(info, VIEW)
        uuid = await _uuid(info, execution_id)
        stream = service.stream_of(uuid)
        head = await events.head(info.context.db, stream)
        yield await _progress(info, uuid)
        async for event in events.subscribe(info.context.db, stream, head):
            if event.type in ("host", "status"):
                yield await _progress(info, uuid)
            if _final(event):
                return

    @strawberry.subscription(
        description="Executions matching `filter` whenever their status changes."
    )
    async def executions_changed(
        self, info: Info, filter: ExecutionFilterInput | None = None
    ) -> AsyncGenerator[Execution, None]:
        require(info, VIEW)
        f = filter.to_filter() if filter else ExecutionFilter()
        db = info.context.db
        async for event in events.subscribe(db, service.CHANGES_STREAM, -1):
            async with db() as session:
                try:
                    row = await service.get(session, str(event.data["id"]))
                except ExecutionNotFoundError:
                    continue
                if service.matches(row, f):
                    yield Execution.from_model(row)


async def _progress(info: Info, uuid: str) -> ExecutionProgress:
    async with info.context.db() as session:
        row = await service.get(session, uuid)
        return ExecutionProgress.from_progress(
            uuid, await service.progress(session, row)
        )
