"""Queries and mutations of the NetBox integration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry

from app.audit import service as audit_service
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.devices.graphql.types import Device, DeviceNotFound
from app.errors import DomainError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.pagination import (
    Connection,
    OrderDirection,
    Window,
    paginate_items,
)
from app.graphql.permissions import HasPermission, holds
from app.graphql.types import Error, error_from
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
from app.netbox.records import Ref
from app.scans.errors import ScanTargetsError
from app.scans.graphql.types import InvalidScanRequest, Scan

VIEW = HasPermission("netbox.netbox.view")
WRITE = HasPermission("netbox.netbox.sync")
NetboxFailure = NetboxNotConfigured | NetboxUnavailable | NetboxRejected
NETBOX_ERRORS = (NetboxNotConfigured, NetboxUnavailable, NetboxRejected)
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


def _failure(exc: Exception) -> Error | None:
    """The member naming why NetBox could not be used; any domain error."""
    if not isinstance(exc, DomainError):
        return None
    if isinstance(exc, NetboxNotConfiguredError):
        return NetboxNotConfigured(message=exc.message)
    if isinstance(exc, NetboxRejectedError):
        return NetboxRejected(message=exc.message, fields=exc.details.get("netbox", {}))
    return NetboxUnavailable(message=exc.message)


def _sync_failure(exc: Exception) -> Error | None:
    """A device sync's failure: a missing device is the `deviceId`'s."""
    if isinstance(exc, NotFoundError):
        member = error_from(DeviceNotFound, exc)
        member.field = "deviceId"
        return member
    return _failure(exc)


def _discovery_failure(exc: Exception) -> Error | None:
    if isinstance(exc, ScanTargetsError):
        return error_from(InvalidScanRequest, exc)
    return _failure(exc)


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
        description="NetBox devices matching the filter, by name, one page at a "
        "time (NetBox is read whole, then paged).",
        permission_classes=[VIEW],
    )
    async def netbox_devices(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        filter: NetboxDeviceFilter | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[NetboxDevice]:  # fmt: skip
        query = (filter or NetboxDeviceFilter()).query()
        found = await service.devices(info.context.db, info.context.settings, query)
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda d: (d.name, d.id), direction, window, NetboxDevice.of
        )

    @strawberry.field(
        description="NetBox sites, by name, one page at a time.",
        permission_classes=[VIEW],
    )
    async def netbox_sites(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[NetboxRef]:  # fmt: skip
        found = await service.sites(info.context.db, info.context.settings)
        return _refs(found, direction, Window(first, after, last, before))

    @strawberry.field(
        description="NetBox device roles, by name, one page at a time.",
        permission_classes=[VIEW],
    )
    async def netbox_device_roles(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[NetboxRef]:  # fmt: skip
        found = await service.device_roles(info.context.db, info.context.settings)
        return _refs(found, direction, Window(first, after, last, before))

    @strawberry.field(
        description="NetBox device types, by model, one page at a time.",
        permission_classes=[VIEW],
    )
    async def netbox_device_types(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[NetboxDeviceType]:  # fmt: skip
        found = await service.device_types(info.context.db, info.context.settings)
        window = Window(first, after, last, before)
        return paginate_items(
            found, lambda t: (t.model, t.id), direction, window, NetboxDeviceType.shown
        )


def _refs(
    found: Sequence[Ref], direction: OrderDirection, window: Window
) -> Connection[NetboxRef]:
    """One page of sites or roles, by name then NetBox id."""
    return paginate_items(
        found, lambda r: (r.name, r.id), direction, window, NetboxRef.shown
    )


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
        async with expected(DeviceNotFound, *NETBOX_ERRORS, via=_sync_failure) as out:
            key = key_of(device_id, Device, field="deviceId")
            done = await service.sync_device(
                info.context.db, info.context.settings, key, wanted, _actor(info)
            )
        return out.error or SyncDeviceToNetboxSuccess(
            device_id=global_id(Device, key),
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
        async with expected(
            InvalidScanRequest, *NETBOX_ERRORS, via=_discovery_failure
        ) as out:
            scan = await service.autodiscover(
                info.context.db,
                info.context.settings,
                request,
                principal.user_id if principal else None,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or NetboxAutodiscoverySuccess(scan=Scan.from_model(scan))

    @strawberry.mutation(
        description="Create or update OpsGraph devices from NetBox (idempotent).",
        permission_classes=[WRITE],
    )
    async def import_netbox_devices(
        self, info: Info, filter: NetboxDeviceFilter | None = None
    ) -> ImportNetboxDevicesPayload:
        query = (filter or NetboxDeviceFilter()).query()
        async with expected(*NETBOX_ERRORS, via=_failure) as out:
            done = await service.import_devices(
                info.context.db, info.context.settings, query, _actor(info)
            )
        return out.error or ImportNetboxDevicesSuccess(**vars(done))
