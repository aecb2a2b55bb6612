"""Mutations of the fleet: devices, groups, connection tests."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app import inputs
from app.credentials.errors import CredentialNotFoundError
from app.credentials.graphql.types import CredentialNotFound
from app.credentials.service import (
    CREDENTIAL_USE_PERMISSION,
    SECRET_READ_PERMISSION,
)
from app.db import unit_of_work
from app.devices import health, service
from app.devices.errors import (
    DeviceNotFoundError,
    GroupNameTakenError,
    GroupNotFoundError,
)
from app.devices.graphql.types import (
    Deleted,
    Device,
    DeviceGroup,
    DeviceGroupNameTaken,
    DeviceGroupNotFound,
    DeviceGroupSuccess,
    DeviceNotFound,
    DeviceReachability,
    DeviceSuccess,
    InvalidDeviceInput,
)
from app.errors import DomainError, InvalidError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, holds

DevicePayload = Annotated[
    DeviceSuccess
    | DeviceNotFound
    | DeviceGroupNotFound
    | CredentialNotFound
    | InvalidDeviceInput,
    strawberry.union("DevicePayload"),
]
DeleteDevicePayload = Annotated[
    Deleted | DeviceNotFound, strawberry.union("DeleteDevicePayload")
]
DeviceGroupPayload = Annotated[
    DeviceGroupSuccess
    | DeviceGroupNotFound
    | DeviceGroupNameTaken
    | DeviceNotFound
    | InvalidDeviceInput,
    strawberry.union("DeviceGroupPayload"),
]
ReachabilityPayload = Annotated[
    DeviceReachability | DeviceNotFound, strawberry.union("ReachabilityPayload")
]


@strawberry.input(description="A device's fields; omitted fields stay as they are.")
class DeviceInput:
    address: str | None = strawberry.field(default=None, description="Address.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    hostname: str | None = strawberry.field(default=None, description="Host name.")
    port: int | None = strawberry.field(default=None, description="SSH port.")
    username: str | None = strawberry.field(default=None, description="SSH login.")
    description: str | None = strawberry.field(default=None, description="Notes.")
    device_type: str | None = strawberry.field(default=None, description="Type.")
    vendor: str | None = strawberry.field(default=None, description="Vendor.")
    model: str | None = strawberry.field(default=None, description="Model.")
    software_version: str | None = strawberry.field(
        default=None, description="Software version."
    )
    credential_id: strawberry.ID | None = strawberry.field(
        default=None, description="Credential used to log in."
    )
    interfaces: JSON | None = strawberry.field(default=None, description="Interfaces.")
    host_key: str | None = strawberry.field(
        default=None, description="SSH host key to pin (OpenSSH public key line)."
    )
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Groups; replaces the current memberships."
    )

    def values(self) -> dict[str, Any]:
        """The fields that were given, with ids as integers."""
        given = {k: v for k, v in vars(self).items() if v is not None}
        if "credential_id" in given:
            given["credential_id"] = inputs.row_id(given["credential_id"])
        if "group_ids" in given:
            given["group_ids"] = [inputs.row_id(i) for i in given["group_ids"]]
        return given


def failure(exc: DomainError) -> Any:
    """The union member naming `exc`'s condition."""
    if isinstance(exc, DeviceNotFoundError):
        return DeviceNotFound(
            message=exc.message, device_id=strawberry.ID(str(exc.device_id))
        )
    if isinstance(exc, GroupNotFoundError):
        return DeviceGroupNotFound(
            message=exc.message, group_id=strawberry.ID(str(exc.group_id))
        )
    if isinstance(exc, CredentialNotFoundError):
        return CredentialNotFound(message=exc.message)
    if isinstance(exc, GroupNameTakenError):
        return DeviceGroupNameTaken(message=exc.message)
    if isinstance(exc, InvalidError):
        field = exc.details.get("field")
        return InvalidDeviceInput(
            message=exc.message, field=str(field) if field else None
        )
    raise exc


EXPECTED = (
    DeviceNotFoundError,
    GroupNotFoundError,
    CredentialNotFoundError,
    GroupNameTakenError,
    InvalidError,
)


@strawberry.type
class DevicesMutation:
    @strawberry.mutation(
        description="Add a device to the fleet.",
        permission_classes=[HasPermission("devices.device.create")],
    )
    async def create_device(self, info: Info, input: DeviceInput) -> DevicePayload:
        values = input.values()
        try:
            async with unit_of_work(info.context.db) as session:
                data = service.DeviceInput(address=values.pop("address", ""), **values)
                device = await service.create_device(
                    session,
                    data,
                    may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
                )
        except EXPECTED as exc:
            return failure(exc)
        return DeviceSuccess(device=Device.from_model(device))

    @strawberry.mutation(
        description="Change a device's fields.",
        permission_classes=[HasPermission("devices.device.update")],
    )
    async def update_device(
        self, info: Info, id: strawberry.ID, input: DeviceInput
    ) -> DevicePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                device = await service.update_device(
                    session,
                    inputs.row_id(id),
                    input.values(),
                    may_read_secrets=holds(info, SECRET_READ_PERMISSION),
                    may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
                )
        except EXPECTED as exc:
            return failure(exc)
        return DeviceSuccess(device=Device.from_model(device))

    @strawberry.mutation(
        description="Remove a device from the fleet.",
        permission_classes=[HasPermission("devices.device.delete")],
    )
    async def delete_device(self, info: Info, id: strawberry.ID) -> DeleteDevicePayload:
        try:
            async with unit_of_work(info.context.db) as session:
                await service.delete_device(session, inputs.row_id(id))
        except DeviceNotFoundError as exc:
            return failure(exc)  # type: ignore[no-any-return]
        return Deleted(id=id)

    @strawberry.mutation(
        description="Create a device group, optionally with members.",
        permission_classes=[HasPermission("groups.group.create")],
    )
    async def create_device_group(
        self,
        info: Info,
        name: str,
        description: str = "",
        device_ids: list[strawberry.ID] | None = None,
    ) -> DeviceGroupPayload:
        ids = [inputs.row_id(i) for i in device_ids or []]
        try:
            async with unit_of_work(info.context.db) as session:
                group = await service.create_group(session, name, description, ids)
        except EXPECTED as exc:
            return failure(exc)
        return DeviceGroupSuccess(group=DeviceGroup.from_model(group))

    @strawberry.mutation(
        description="Add devices to a group (members already in it are kept).",
        permission_classes=[HasPermission("groups.group.update")],
    )
    async def add_devices_to_group(
        self, info: Info, group_id: strawberry.ID, device_ids: list[strawberry.ID]
    ) -> DeviceGroupPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                ids = [inputs.row_id(i) for i in device_ids]
                await service.add_devices(session, inputs.row_id(group_id), ids)
                group = await service.get_group(session, inputs.row_id(group_id))
        except EXPECTED as exc:
            return failure(exc)
        return DeviceGroupSuccess(group=DeviceGroup.from_model(group))

    @strawberry.mutation(
        description="Log in to a device over SSH now and record the outcome.",
        permission_classes=[HasPermission("devices.device.test")],
    )
    async def test_device_connection(
        self, info: Info, device_id: strawberry.ID
    ) -> ReachabilityPayload:
        settings = info.context.settings
        try:
            r = await health.probe_device(
                info.context.db,
                inputs.row_id(device_id),
                health.limits_from(settings),
                strict=settings.ssh_strict_host_keys,
            )
        except DeviceNotFoundError as exc:
            return failure(exc)  # type: ignore[no-any-return]
        return DeviceReachability(
            device_id=device_id, ok=r.ok, error_code=r.code, message=r.message
        )
