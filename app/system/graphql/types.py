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
