"""Queries and mutations of the NetBox integration."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app import inputs
from app.audit import service as audit_service
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.devices.errors import DeviceNotFoundError
from app.devices.graphql.types import DeviceNotFound
from app.errors import DomainError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, holds
from app.netbox import service
from app.netbox.errors import NetboxNotConfiguredError, NetboxRejectedError
from app.netbox.graphql.types import (
    ImportNetboxDevicesSuccess,
    NetboxAutodiscoveryInput,
    NetboxAutodiscoverySuccess,
    NetboxDevice,
    NetboxDeviceFilter,
    NetboxDeviceType,
    NetboxNotConfigured,
    NetboxPlacementInput,
    NetboxRef,
    NetboxRejected,
    NetboxStatus,
    NetboxUnavailable,
    SyncDeviceToNetboxSuccess,
)
from app.scans.errors import ScanTargetsError
from app.scans.graphql.types import InvalidScanRequest, Scan

VIEW = HasPermission("netbox.netbox.view")
WRITE = HasPermission("netbox.netbox.sync")
NetboxFailure = NetboxNotConfigured | NetboxUnavailable | NetboxRejected
SyncDeviceToNetboxPayload = Annotated[
    SyncDeviceToNetboxSuccess | DeviceNotFound | NetboxFailure,
    strawberry.union("SyncDeviceToNetboxPayload"),
]
NetboxAutodiscoveryPayload = Annotated[
    NetboxAutodiscoverySuccess | InvalidScanRequest | NetboxFailure,
    strawberry.union("NetboxAutodiscoveryPayload"),
]
ImportNetboxDevicesPayload = Annotated[
    ImportNetboxDevicesSuccess | NetboxFailure,
    strawberry.union("ImportNetboxDevicesPayload"),
]


def _actor(info: Info) -> audit_service.Actor:
    principal = info.context.principal
    if principal is None:
        return audit_service.Actor()
    return audit_service.Actor(principal.user_id, principal.username)


def _failure(
    exc: DomainError,
) -> NetboxNotConfigured | NetboxUnavailable | NetboxRejected:
    if isinstance(exc, NetboxNotConfiguredError):
        return NetboxNotConfigured(message=exc.message)
    if isinstance(exc, NetboxRejectedError):
        return NetboxRejected(message=exc.message, fields=exc.details.get("netbox", {}))
    return NetboxUnavailable(message=exc.message)


@strawberry.type
class NetboxQuery:
    @strawberry.field(
        description="Whether NetBox answers, and its version (never fails).",
        permission_classes=[VIEW],
    )
    async def netbox_status(self, info: Info) -> NetboxStatus:
        return NetboxStatus.of(
            await service.status(info.context.db, info.context.settings)
        )

    @strawberry.field(
        description="Every NetBox device matching the filter.",
        permission_classes=[VIEW],
    )
    async def netbox_devices(
        self, info: Info, filter: NetboxDeviceFilter | None = None
    ) -> list[NetboxDevice]:
        query = (filter or NetboxDeviceFilter()).query()
        found = await service.devices(info.context.db, info.context.settings, query)
        return [NetboxDevice.of(d) for d in found]

    @strawberry.field(description="Every NetBox site.", permission_classes=[VIEW])
    async def netbox_sites(self, info: Info) -> list[NetboxRef]:
        found = await service.sites(info.context.db, info.context.settings)
        return [r for r in map(NetboxRef.of, found) if r is not None]

    @strawberry.field(
        description="Every NetBox device role.", permission_classes=[VIEW]
    )
    async def netbox_device_roles(self, info: Info) -> list[NetboxRef]:
        found = await service.device_roles(info.context.db, info.context.settings)
        return [r for r in map(NetboxRef.of, found) if r is not None]

    @strawberry.field(
        description="Every NetBox device type.", permission_classes=[VIEW]
    )
    async def netbox_device_types(self, info: Info) -> list[NetboxDeviceType]:
        found = await service.device_types(info.context.db, info.context.settings)
        return [t for t in map(NetboxDeviceType.of, found) if t is not None]


@strawberry.type
class NetboxMutation:
    @strawberry.mutation(
        description="Create or update one device in NetBox (idempotent).",
        permission_classes=[WRITE],
    )
    async def sync_device_to_netbox(
        self,
        info: Info,
        device_id: strawberry.ID,
        placement: NetboxPlacementInput | None = None,
    ) -> SyncDeviceToNetboxPayload:
        wanted = (placement or NetboxPlacementInput()).placement()
        try:
            done = await service.sync_device(
                info.context.db,
                info.context.settings,
                inputs.row_id(device_id),
                wanted,
                _actor(info),
            )
        except DeviceNotFoundError as exc:
            return DeviceNotFound(message=exc.message, device_id=device_id)
        except DomainError as exc:
            return _failure(exc)
        return SyncDeviceToNetboxSuccess(
            device_id=device_id,
            netbox_id=done.netbox_id,
            created=done.created,
            changed=done.writes > 0,
        )

    @strawberry.mutation(
        description="Scan a network; with createInNetbox, add what answers to NetBox.",
        permission_classes=[WRITE],
    )
    async def netbox_autodiscovery(
        self, info: Info, input: NetboxAutodiscoveryInput
    ) -> NetboxAutodiscoveryPayload:
        request = service.Autodiscovery(
            input.network, input.placement(), input.create_in_netbox, input.options
        )
        principal = info.context.principal
        try:
            scan = await service.autodiscover(
                info.context.db,
                info.context.settings,
                request,
                principal.user_id if principal else None,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        except ScanTargetsError as exc:
            return InvalidScanRequest(message=exc.message)
        except DomainError as exc:
            return _failure(exc)
        return NetboxAutodiscoverySuccess(scan=Scan.from_model(scan))

    @strawberry.mutation(
        description="Create or update OpsGraph devices from NetBox (idempotent).",
        permission_classes=[WRITE],
    )
    async def import_netbox_devices(
        self, info: Info, filter: NetboxDeviceFilter | None = None
    ) -> ImportNetboxDevicesPayload:
        query = (filter or NetboxDeviceFilter()).query()
        try:
            done = await service.import_devices(
                info.context.db, info.context.settings, query, _actor(info)
            )
        except DomainError as exc:
            return _failure(exc)
        return ImportNetboxDevicesSuccess(**vars(done))
