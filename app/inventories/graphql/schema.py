"""GraphQL face of Ansible inventories."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.credentials import service as credentials_service
from app.db import unit_of_work
from app.devices.loaders import fleet_loaders
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.graphql.types import Error
from app.inventories import models, service
from app.inventories.errors import (
    InvalidInventoryConfigError,
    InventoryNameTakenError,
    InventoryNotFoundError,
)

if TYPE_CHECKING:
    from app.devices.graphql.types import Device

DeviceRef = Annotated["Device", strawberry.lazy("app.devices.graphql.types")]


@strawberry.type(description="A host of an inventory and the device it stands for.")
class InventoryHost:
    host_name: str = strawberry.field(description="Name in the inventory.")
    device_id: strawberry.Private[int]

    @strawberry.field(description="The linked fleet device.")
    async def device(self, info: Info) -> DeviceRef | None:
        from app.devices.graphql.types import Device

        loaders = fleet_loaders(info.context.loaders, info.context.db)
        found = await loaders.device_by_id.load(self.device_id)
        return Device.from_model(found) if found else None


@strawberry.type(description="An Ansible inventory (INI); passwords are masked.")
class Inventory:
    id: strawberry.ID = strawberry.field(description="Inventory id.")
    name: str = strawberry.field(description="Unique name.")
    status: str = strawberry.field(description="On or Off.")
    ssh_status: str = strawberry.field(description="Connected or Unconnected.")
    group: str = strawberry.field(description="Server group label.")
    config: str = strawberry.field(description="INI text, password values masked.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")
    hosts: list[InventoryHost] = strawberry.field(description="Linked hosts.")

    @classmethod
    def from_model(
        cls, i: models.Inventory, hosts: list[models.InventoryHost]
    ) -> Inventory:
        return cls(
            id=strawberry.ID(str(i.id)),
            name=i.name,
            status=i.status,
            ssh_status=i.ssh_status,
            group=i.group,
            config=i.config,
            created_at=i.created_at,
            updated_at=i.updated_at,
            hosts=[
                InventoryHost(host_name=h.host_name, device_id=h.device_id)
                for h in hosts
            ],
        )


@strawberry.type(description="The inventory was created.")
class InventorySuccess:
    inventory: Inventory = strawberry.field(description="The inventory.")


@strawberry.type(description="ansible-core's parser rejected the config.")
class InvalidInventoryConfig(Error):
    pass


@strawberry.type(description="Another inventory already has this name.")
class InventoryNameDuplicate(Error):
    pass


@strawberry.type(description="No inventory has this id.")
class InventoryNotFound(Error):
    pass


InventoryPayload = Annotated[
    InventorySuccess | InvalidInventoryConfig | InventoryNameDuplicate,
    strawberry.union("InventoryPayload"),
]


@strawberry.type
class InventoriesQuery:
    @strawberry.field(
        description="Inventories whose name contains `search`.",
        permission_classes=[HasPermission("inventories.inventory.view")],
    )
    async def inventories(
        self, info: Info, search: str | None = None, first: int = 100, offset: int = 0
    ) -> list[Inventory]:
        async with info.context.db() as session:
            rows, _ = await service.list_inventories(
                session, search, min(max(first, 0), 1000), max(offset, 0)
            )
            hosts = await service.hosts_of(session, [i.id for i in rows])
        return [Inventory.from_model(i, hosts[i.id]) for i in rows]


@strawberry.type
class InventoriesMutation:
    @strawberry.mutation(
        description="Create an inventory from Ansible INI text.",
        permission_classes=[HasPermission("inventories.inventory.create")],
    )
    async def create_inventory(
        self, info: Info, name: str, config: str, group: str = "Default"
    ) -> InventoryPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                created = await service.create_inventory(
                    session, _actor(info), name, config, group
                )
                hosts = await service.hosts_of(session, [created.id])
        except (InvalidInventoryConfigError, InventoryNameTakenError) as exc:
            return _failure(exc)
        return InventorySuccess(
            inventory=Inventory.from_model(created, hosts[created.id])
        )


def _actor(info: Info) -> credentials_service.Actor:
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return credentials_service.Actor(
        p.user_id,
        p.username,
        info.context.client,
        may_use_credentials=p.can(credentials_service.CREDENTIAL_USE_PERMISSION),
    )


def _failure(exc: Exception) -> Any:
    if isinstance(exc, InventoryNameTakenError):
        return InventoryNameDuplicate(message=exc.message)
    if isinstance(exc, InventoryNotFoundError):
        return InventoryNotFound(message=exc.message)
    assert isinstance(exc, InvalidInventoryConfigError)  # noqa: S101
    return InvalidInventoryConfig(message=exc.message)
