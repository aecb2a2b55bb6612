"""GraphQL types of the NetBox integration."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from app.devices.graphql.types import Device
from app.devices.loaders import fleet_loaders
from app.graphql.context import Info
from app.graphql.permissions import holds
from app.graphql.types import Error
from app.netbox import records, service
from app.netbox.records import DeviceType, Ref
from app.scans.graphql.types import Scan


@strawberry.type(description="A NetBox site, device role or platform.")
class NetboxRef:
    netbox_id: int = strawberry.field(description="NetBox's id.")
    name: str = strawberry.field(description="Name.")
    slug: str = strawberry.field(description="Slug.")

    @classmethod
    def shown(cls, ref: Ref) -> NetboxRef:
        return cls(netbox_id=ref.id, name=ref.name, slug=ref.slug)

    @classmethod
    def of(cls, ref: Ref | None) -> NetboxRef | None:
        return None if ref is None else cls.shown(ref)


@strawberry.type(description="A NetBox device type.")
class NetboxDeviceType:
    netbox_id: int = strawberry.field(description="NetBox's id.")
    model: str = strawberry.field(description="Model name.")
    slug: str = strawberry.field(description="Slug.")
    manufacturer: str = strawberry.field(description="Manufacturer name.")

    @classmethod
    def shown(cls, kind: DeviceType) -> NetboxDeviceType:
        return cls(
            netbox_id=kind.id,
            model=kind.model,
            slug=kind.slug,
            manufacturer=kind.manufacturer,
        )

    @classmethod
    def of(cls, kind: DeviceType | None) -> NetboxDeviceType | None:
        return None if kind is None else cls.shown(kind)


@strawberry.type(description="A device in NetBox.")
class NetboxDevice:
    netbox_id: int = strawberry.field(description="NetBox's id.")
    name: str = strawberry.field(description="Name.")
    status: str = strawberry.field(description="NetBox status value, e.g. active.")
    site: NetboxRef | None = strawberry.field(description="Site.")
    role: NetboxRef | None = strawberry.field(description="Device role.")
    device_type: NetboxDeviceType | None = strawberry.field(description="Type.")
    platform: NetboxRef | None = strawberry.field(description="Platform.")
    primary_ip4: str | None = strawberry.field(
        description="Primary IPv4 address, without prefix length."
    )
    linked: strawberry.Private[int | None]

    @strawberry.field(
        description="The OpsGraph device this NetBox device is, if any (and visible)."
    )
    async def opsgraph_device(self, info: Info) -> Device | None:
        if self.linked is None or not holds(info, "devices.device.view"):
            return None
        # Through the fleet's loader: `Device.model` is its GraphQL field of
        # that name, so the generic row loader cannot find the table.
        loaders = fleet_loaders(info.context.loaders, info.context.db)
        row = await loaders.device_by_id.load(self.linked)
        return Device.from_model(row) if row is not None else None

    @classmethod
    def of(cls, device: records.NetboxDevice) -> NetboxDevice:
        return cls(
            netbox_id=device.id,
            name=device.name,
            status=device.status,
            site=NetboxRef.of(device.site),
            role=NetboxRef.of(device.role),
            device_type=NetboxDeviceType.of(device.device_type),
            platform=NetboxRef.of(device.platform),
            primary_ip4=device.primary_ip4,
            linked=device.opsgraph_device_id,
        )


@strawberry.type(description="Whether NetBox answers with the configured token.")
class NetboxStatus:
    connected: bool = strawberry.field(description="True when NetBox answered.")
    url: str = strawberry.field(description="The configured NetBox URL.")
    version: str | None = strawberry.field(description="NetBox's own version.")
    error: str | None = strawberry.field(
        description="Why not connected: not configured, unreachable, TLS, token."
    )

    @classmethod
    def of(cls, found: service.Status) -> NetboxStatus:
        return cls(
            connected=found.connected,
            url=found.url,
            version=found.version,
            error=found.error,
        )


@strawberry.input(description="Filters of a NetBox device listing.")
class NetboxDeviceFilter:
    site: str | None = strawberry.field(default=None, description="Site slug or id.")
    role: str | None = strawberry.field(default=None, description="Role slug or id.")
    status: str | None = strawberry.field(default=None, description="Status value.")
    search: str | None = strawberry.field(default=None, description="NetBox's q.")

    def query(self) -> service.DeviceQuery:
        return service.DeviceQuery(self.site, self.role, self.status, self.search)


@strawberry.input(description="Where a device goes in NetBox; unset: the settings.")
class NetboxPlacementInput:
    site_id: int | None = strawberry.field(default=None, description="Site id.")
    role_id: int | None = strawberry.field(default=None, description="Role id.")
    device_type_id: int | None = strawberry.field(
        default=None, description="Device type id (default: a generic type)."
    )

    def placement(self) -> service.Placement:
        return service.Placement(self.site_id, self.role_id, self.device_type_id)


@strawberry.input(description="A discovery scan whose finds may go to NetBox.")
class NetboxAutodiscoveryInput(NetboxPlacementInput):
    network: str = strawberry.field(description="The network to scan (CIDR or host).")
    create_in_netbox: bool = strawberry.field(
        default=False, description="Create each host found in NetBox too."
    )
    options: JSON | None = strawberry.field(
        default=None, description="Scan options, as startScan takes them."
    )


@strawberry.type(description="The device is in NetBox now.")
class SyncDeviceToNetboxSuccess:
    device_id: strawberry.ID = strawberry.field(
        description="The OpsGraph device's global id."
    )
    netbox_id: int = strawberry.field(description="Its NetBox device id.")
    created: bool = strawberry.field(description="True when newly created.")
    changed: bool = strawberry.field(description="False when nothing was written.")


@strawberry.type(description="The discovery scan started.")
class NetboxAutodiscoverySuccess:
    scan: Scan = strawberry.field(description="The scan; follow it with scanProgress.")


@strawberry.type(description="What an import from NetBox did.")
class ImportNetboxDevicesSuccess:
    created: int = strawberry.field(description="OpsGraph devices created.")
    updated: int = strawberry.field(description="OpsGraph devices changed.")
    unchanged: int = strawberry.field(description="Devices already up to date.")
    skipped: int = strawberry.field(description="NetBox devices without an IPv4.")


@strawberry.type(description="NetBox URL or token is not set.")
class NetboxNotConfigured(Error):
    pass


@strawberry.type(description="NetBox is unreachable or refused the token.")
class NetboxUnavailable(Error):
    pass


@strawberry.type(description="NetBox refused the write; its messages by field.")
class NetboxRejected(Error):
    fields: JSON = strawberry.field(description="NetBox's messages, keyed by field.")
