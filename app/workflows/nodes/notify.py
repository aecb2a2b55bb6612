"""The notify node: queue a message on notification channels."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.db import unit_of_work
from app.errors import DomainError
from app.notifications import service as notifications_service
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import NodeConfig


class NotifyConfig(NodeConfig):
    channel_ids: list[int] = Field(min_length=1)
    subject: str = Field(default="", max_length=2000)
    message: str = Field(min_length=1, max_length=100_000)
    format: str = "text"


async def run_notify(config: NotifyConfig, ctx: RunContext) -> dict[str, Any]:
    """Queue one delivery per channel; the notifications worker sends them."""
    message = notifications_service.SendInput(
        channel_ids=config.channel_ids,
        subject=config.subject,
        message=config.message,
        format=config.format,
        data={"workflow_execution_id": ctx.execution_id, "node_id": ctx.node_id},
    )
    try:
        async with unit_of_work(ctx.db) as session:
            queued = await notifications_service.send_adhoc(session, message)
    except DomainError as exc:
        raise NodeFailedError(exc.message) from exc
    return {"delivery_ids": [d.id for d in queued], "channel_ids": config.channel_ids}
