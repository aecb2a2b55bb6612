"""Live updates of the fleet list: device status changes and discoveries."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from app import events
from app.devices import models, service
from app.devices.graphql.types import Device
from app.graphql.context import Info
from app.graphql.nodes import global_id
from app.graphql.permissions import require


@strawberry.type(description="One change of one device, from the `devices` stream.")
class DeviceChange:
    seq: int = strawberry.field(description="Gap-free sequence number in the stream.")
    type: str = strawberry.field(
        description="`device.status.changed` or `device.discovered`."
    )
    device_id: strawberry.ID = strawberry.field(description="The device's global id.")
    status: str | None = strawberry.field(
        description="Status after the change (status changes only)."
    )
    previous_status: str | None = strawberry.field(
        description="Status before the change (status changes only)."
    )
    reason: str | None = strawberry.field(description="Why the status changed.")
    device: Device | None = strawberry.field(
        description="The device as it is when the change is delivered; null when "
        "it has been deleted since."
    )

    @classmethod
    def from_event(cls, event: events.Event, row: models.Device | None) -> DeviceChange:
        data: dict[str, Any] = event.data
        return cls(
            seq=event.seq,
            type=event.type,
            device_id=global_id(Device, data["device_id"]),
            status=data.get("status"),
            previous_status=data.get("previous_status"),
            reason=data.get("reason"),
            device=Device.from_model(row) if row is not None else None,
        )


@strawberry.type
class DevicesSubscription:
    @strawberry.subscription(
        description="Device status changes and discoveries after `afterSeq` "
        "(replayed from storage), then live, with no gap and no duplicate; "
        "`afterSeq: -1` starts from now."
    )
    async def devices_changed(
        self, info: Info, after_seq: int = 0
    ) -> AsyncGenerator[DeviceChange, None]:
        require(info, "devices.device.view")
        db = info.context.db
        async for event in events.subscribe(db, service.DEVICES_STREAM, after_seq):
            async with db() as session:
                found = await service.devices_by_ids(session, [event.data["device_id"]])
            yield DeviceChange.from_event(event, found[0] if found else None)
