"""GraphQL types of the fleet: devices, groups, health and reachability."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from app.devices import models
from app.devices.loaders import fleet_loaders
from app.graphql.context import Info
from app.graphql.nodes import Entity
from app.graphql.pagination import Connection, OrderDirection, Window, paginate_items
from app.graphql.permissions import HasPermission
from app.graphql.types import Error

if TYPE_CHECKING:
    from app.credentials.graphql.types import Credential

CredentialRef = Annotated[
    "Credential", strawberry.lazy("app.credentials.graphql.types")
]


@strawberry.type(description="A device group (biRun server group, OpsConductor group).")
class DeviceGroup(Entity):
    table = models.Group
    permission = "groups.group.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What the group holds.")
    created_at: datetime = strawberry.field(description="Creation time.")

    @strawberry.field(description="Devices in the group, by number.")
    async def devices(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[Device]:  # fmt: skip
        loaders = fleet_loaders(info.context.loaders, info.context.db)
        ids = await loaders.members_by_group.load(self.number)
        found = [d for d in await loaders.device_by_id.load_many(ids) if d is not None]
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda d: (d.id,), direction, window, Device.from_model
        )

    @classmethod
    def from_model(cls, g: models.Group) -> DeviceGroup:
        return cls(
            number=g.id,
            name=g.name,
            description=g.description,
            created_at=g.created_at,
        )


@strawberry.type(description="A managed host: server, network device, Ansible host.")
class Device(Entity):
    table = models.Device
    permission = "devices.device.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Display name.")
    hostname: str = strawberry.field(description="Host name.")
    address: str = strawberry.field(description="IP address or DNS name dialled.")
    port: int = strawberry.field(description="SSH port.")
    username: str | None = strawberry.field(description="SSH login override.")
    description: str = strawberry.field(description="Notes.")
    device_type: str = strawberry.field(description="server, switch, router...")
    vendor: str | None = strawberry.field(description="Vendor.")
    model: str | None = strawberry.field(description="Model.")
    software_version: str | None = strawberry.field(description="Software version.")
    status: str = strawberry.field(description="up, down or unknown.")
    last_seen: datetime | None = strawberry.field(description="Last time it answered.")
    host_key: str | None = strawberry.field(description="Recorded SSH host key.")
    interfaces: JSON = strawberry.field(description="Stored interface list.")
    health_status: str = strawberry.field(description="healthy/unhealthy/unknown.")
    health_message: str | None = strawberry.field(description="Why unhealthy.")
    uptime_seconds: int | None = strawberry.field(description="Uptime at last check.")
    load_1min: float | None = strawberry.field(description="1-minute load average.")
    disk_usage: float | None = strawberry.field(description="Root disk use, percent.")
    memory_usage: float | None = strawberry.field(description="Memory use, percent.")
    last_health_check: datetime | None = strawberry.field(description="Last check.")
    created_at: datetime = strawberry.field(description="Creation time.")
    credential_id: strawberry.Private[int | None]

    @strawberry.field(description="Groups holding the device, by number.")
    async def groups(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[DeviceGroup]:  # fmt: skip
        loaders = fleet_loaders(info.context.loaders, info.context.db)
        groups = await loaders.groups_by_device.load(self.number)
        window = Window(first, after, last, before)
        return paginate_items(
            groups, lambda g: (g.id,), direction, window, DeviceGroup.from_model
        )

    @strawberry.field(
        description="The credential used to log in (public fields only).",
        permission_classes=[HasPermission("credentials.credential.view")],
    )
    async def credential(self, info: Info) -> CredentialRef | None:
        from app.credentials.graphql.types import Credential

        if self.credential_id is None:
            return None
        loaders = fleet_loaders(info.context.loaders, info.context.db)
        found = await loaders.credential_by_id.load(self.credential_id)
        return Credential.from_model(found) if found else None

    @classmethod
    def from_model(cls, d: models.Device) -> Device:
        return cls(
            number=d.id,
            credential_id=d.credential_id,
            **{name: getattr(d, name) for name in _PLAIN},
        )


_PLAIN = (
    "name",
    "hostname",
    "address",
    "port",
    "username",
    "description",
    "device_type",
    "vendor",
    "model",
    "software_version",
    "status",
    "last_seen",
    "host_key",
    "interfaces",
    "health_status",
    "health_message",
    "uptime_seconds",
    "load_1min",
    "disk_usage",
    "memory_usage",
    "last_health_check",
    "created_at",
)


@strawberry.type(description="The outcome of an SSH login to a device.")
class DeviceReachability:
    device_id: strawberry.ID = strawberry.field(description="The device's global id.")
    ok: bool = strawberry.field(description="Whether the login worked.")
    error_code: str | None = strawberry.field(
        description="SSH_CONNECTION_FAILED, SSH_AUTHENTICATION_FAILED, SSH_TIMEOUT, "
        "SSH_HOST_KEY_CHANGED or SSH_HOST_KEY_UNKNOWN."
    )
    message: str = strawberry.field(description="What happened, for a person.")


@strawberry.type(description="The mutation changed or created a device.")
class DeviceSuccess:
    device: Device = strawberry.field(description="The device.")


@strawberry.type(description="The mutation changed or created a group.")
class DeviceGroupSuccess:
    group: DeviceGroup = strawberry.field(description="The group.")


@strawberry.type(description="The object was deleted.")
class Deleted:
    deleted_id: strawberry.ID = strawberry.field(
        description="Global id of the deleted object."
    )


@strawberry.type(description="No device has this id (or it is not visible).")
class DeviceNotFound(Error):
    pass


@strawberry.type(description="No device group has this id.")
class DeviceGroupNotFound(Error):
    pass


@strawberry.type(description="Another group already has this name.")
class DeviceGroupNameTaken(Error):
    pass


@strawberry.type(description="The device's fields break a rule.")
class InvalidDeviceInput(Error):
    pass
