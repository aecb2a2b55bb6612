"""Mutations of the fleet: devices, groups, connection tests."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.credentials.errors import CredentialNotFoundError
from app.credentials.graphql.types import Credential, CredentialNotFound
from app.credentials.service import (
    CREDENTIAL_USE_PERMISSION,
    SECRET_READ_PERMISSION,
)
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
from app.errors import InvalidError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of, keys_of
from app.graphql.permissions import HasPermission, holds
from app.graphql.types import Error, error_from

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
        default=None, description="Credential used to log in (global id)."
    )
    interfaces: JSON | None = strawberry.field(default=None, description="Interfaces.")
    host_key: str | None = strawberry.field(
        default=None, description="SSH host key to pin (OpenSSH public key line)."
    )
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Groups (global ids); replaces the memberships."
    )

    def values(self) -> dict[str, Any]:
        """The fields that were given, with global ids as row ids."""
        given = {k: v for k, v in vars(self).items() if v is not None}
        if "credential_id" in given:
            given["credential_id"] = key_of(
                given["credential_id"], Credential, field="credentialId"
            )
        if "group_ids" in given:
            given["group_ids"] = keys_of(
                given["group_ids"], DeviceGroup, field="groupIds"
            )
        return given


def failure(exc: Exception) -> Error | None:
    """The union member naming `exc`'s condition."""
    if isinstance(exc, DeviceNotFoundError):
        return error_from(DeviceNotFound, exc)
    if isinstance(exc, GroupNotFoundError):
        return error_from(DeviceGroupNotFound, exc)
    if isinstance(exc, CredentialNotFoundError):
        return error_from(CredentialNotFound, exc)
    if isinstance(exc, GroupNameTakenError):
        return error_from(DeviceGroupNameTaken, exc)
    if isinstance(exc, NotFoundError):
        kind = {
            "credentialId": CredentialNotFound,
            "groupId": DeviceGroupNotFound,
            "groupIds": DeviceGroupNotFound,
        }.get(str(exc.details.get("field")), DeviceNotFound)
        return error_from(kind, exc)
    if isinstance(exc, InvalidError):
        return error_from(InvalidDeviceInput, exc)
    return None


# The error members of DevicePayload and DeviceGroupPayload.
DEVICE_ERRORS = (
    DeviceNotFound,
    DeviceGroupNotFound,
    CredentialNotFound,
    InvalidDeviceInput,
)
GROUP_ERRORS = (
    DeviceGroupNotFound,
    DeviceGroupNameTaken,
    DeviceNotFound,
    InvalidDeviceInput,
)


@strawberry.type
class DevicesMutation:
    @strawberry.mutation(
        description="Add a device to the fleet.",
        permission_classes=[HasPermission("devices.device.create")],
    )
    async def create_device(self, info: Info, input: DeviceInput) -> DevicePayload:
        async with expected(*DEVICE_ERRORS, via=failure, db=info.context.db) as out:
            values = input.values()
            data = service.DeviceInput(address=values.pop("address", ""), **values)
            device = await service.create_device(
                out.session,
                data,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or DeviceSuccess(device=Device.from_model(device))

    @strawberry.mutation(
        description="Change a device's fields.",
        permission_classes=[HasPermission("devices.device.update")],
    )
    async def update_device(
        self, info: Info, id: strawberry.ID, input: DeviceInput
    ) -> DevicePayload:
        async with expected(*DEVICE_ERRORS, via=failure, db=info.context.db) as out:
            device = await service.update_device(
                out.session,
                key_of(id, Device, field="id"),
                input.values(),
                may_read_secrets=holds(info, SECRET_READ_PERMISSION),
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or DeviceSuccess(device=Device.from_model(device))

    @strawberry.mutation(
        description="Remove a device from the fleet.",
        permission_classes=[HasPermission("devices.device.delete")],
    )
    async def delete_device(self, info: Info, id: strawberry.ID) -> DeleteDevicePayload:
        async with expected(DeviceNotFound, via=failure, db=info.context.db) as out:
            key = key_of(id, Device, field="id")
            await service.delete_device(out.session, key)
        return out.error or Deleted(deleted_id=global_id(Device, key))

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
        async with expected(*GROUP_ERRORS, via=failure, db=info.context.db) as out:
            ids = keys_of(device_ids or [], Device, field="deviceIds")
            group = await service.create_group(out.session, name, description, ids)
        return out.error or DeviceGroupSuccess(group=DeviceGroup.from_model(group))

    @strawberry.mutation(
        description="Add devices to a group (members already in it are kept).",
        permission_classes=[HasPermission("groups.group.update")],
    )
    async def add_devices_to_group(
        self, info: Info, group_id: strawberry.ID, device_ids: list[strawberry.ID]
    ) -> DeviceGroupPayload:
        async with expected(*GROUP_ERRORS, via=failure, db=info.context.db) as out:
            group_key = key_of(group_id, DeviceGroup, field="groupId")
            ids = keys_of(device_ids, Device, field="deviceIds")
            await service.add_devices(out.session, group_key, ids)
            group = await service.get_group(out.session, group_key)
        return out.error or DeviceGroupSuccess(group=DeviceGroup.from_model(group))

    @strawberry.mutation(
        description="Log in to a device over SSH now and record the outcome.",
        permission_classes=[HasPermission("devices.device.test")],
    )
    async def test_device_connection(
        self, info: Info, device_id: strawberry.ID
    ) -> ReachabilityPayload:
        settings = info.context.settings
        async with expected(DeviceNotFound, via=failure) as out:
            r = await health.probe_device(
                info.context.db,
                key_of(device_id, Device, field="deviceId"),
                health.limits_from(settings),
                strict=settings.ssh_strict_host_keys,
            )
        return out.error or DeviceReachability(
            device_id=device_id, ok=r.ok, error_code=r.code, message=r.message
        )
