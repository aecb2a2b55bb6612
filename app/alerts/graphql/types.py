"""GraphQL types of the alerts domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from app.alerts import service
from app.alerts.models import Alert as AlertModel
from app.devices.graphql.types import Device
from app.devices.loaders import fleet_loaders
from app.events import Event
from app.graphql.context import Info
from app.graphql.nodes import Entity, global_id
from app.graphql.permissions import holds
from app.graphql.types import Error


@strawberry.type(description="A condition someone should look at.")
class Alert(Entity):
    model = AlertModel
    permission = "alerts.alert.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    title: str = strawberry.field(description="Short summary.")
    message: str = strawberry.field(description="Details.")
    severity: str = strawberry.field(description="`critical`, `warning` or `info`.")
    status: str = strawberry.field(
        description="`active`, `acknowledged` or `resolved`."
    )
    source: str = strawberry.field(description="What raised it, e.g. `monitor`.")
    created_at: datetime = strawberry.field(description="When it was raised.")
    acknowledged_at: datetime | None = strawberry.field(
        description="When it was acknowledged."
    )
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    device_number: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the device it concerns, if any.")
    def device_id(self) -> strawberry.ID | None:
        if self.device_number is None:
            return None
        return global_id(Device, self.device_number)

    @strawberry.field(
        description="The device it concerns; null when none, gone or not visible."
    )
    async def device(self, info: Info) -> Device | None:
        if self.device_number is None or not holds(info, "devices.device.view"):
            return None
        # Through the fleet's loader: `Device.model` is shadowed by its field.
        loaders = fleet_loaders(info.context.loaders, info.context.db)
        found = await loaders.device_by_id.load(self.device_number)
        return Device.from_model(found) if found is not None else None

    @classmethod
    def from_model(cls, alert: AlertModel) -> Alert:
        return cls.from_snapshot(service.snapshot(alert))

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Alert:
        def when(key: str) -> datetime | None:
            raw = data.get(key)
            return None if raw is None else datetime.fromisoformat(raw)

        return cls(
            number=data["id"],
            title=data["title"],
            message=data["message"],
            severity=data["severity"],
            status=data["status"],
            source=data["source"],
            device_number=data["device_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            acknowledged_at=when("acknowledged_at"),
            resolved_at=when("resolved_at"),
        )


@strawberry.type(description="One change of one alert, from the `alerts` stream.")
class AlertChange:
    seq: int = strawberry.field(description="Gap-free sequence number in the stream.")
    type: str = strawberry.field(
        description="`alert.raised`, `alert.acknowledged`, `alert.resolved` or "
        "`alert.deleted`."
    )
    alert: Alert = strawberry.field(description="The alert after the change.")

    @classmethod
    def from_event(cls, event: Event) -> AlertChange:
        return cls(
            seq=event.seq, type=event.type, alert=Alert.from_snapshot(event.data)
        )


@strawberry.type(description="The alert after the change.")
class AlertSuccess:
    alert: Alert = strawberry.field(description="The alert.")


@strawberry.type(description="The alert was deleted.")
class DeleteAlertSuccess:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted alert."
    )


@strawberry.type(description="No alert has this id.")
class AlertNotFound(Error):
    pass


@strawberry.type(description="The alert is resolved and cannot be acknowledged.")
class AlertAlreadyResolved(Error):
    pass
