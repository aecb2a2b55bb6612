"""Subscriptions of the Ansible Hub domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.ansible import job_service, stream
from app.ansible.graphql.types import AnsibleJobEvent
from app.graphql.context import Info
from app.graphql.permissions import require


@strawberry.type
class AnsibleSubscription:
    @strawberry.subscription(
        description="A job's events after `afterSeq`, then live, until it ends."
    )
    async def ansible_job_events(
        self, info: Info, job_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[AnsibleJobEvent, None]:
        require(info, "playbooks.ansible_job.view")
        async with info.context.db() as session:
            await job_service.get_job(session, str(job_id))
        async for event in events.subscribe(
            info.context.db, stream.stream_of(str(job_id)), after_seq
        ):
            yield AnsibleJobEvent.from_event(event)
            if event.type == stream.FINAL_EVENT:
                return
