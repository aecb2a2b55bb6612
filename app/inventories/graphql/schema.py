"""GraphQL face of Ansible inventories."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.credentials import service as credentials_service
from app.devices.loaders import fleet_loaders
from app.graphql.context import Info
from app.graphql.mutations import expected, mapped
from app.graphql.nodes import Entity, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.graphql.types import Error
from app.inventories import models, service
from app.inventories.errors import InvalidInventoryConfigError, InventoryNameTakenError
from app.inventories.loaders import hosts_by_inventory

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
class Inventory(Entity):
    table = models.Inventory
    permission = "inventories.inventory.view"

    number: int = strawberry.field(description="Row id, as the REST surfaces use.")
    name: str = strawberry.field(description="Unique name.")
    status: str = strawberry.field(description="On or Off.")
    ssh_status: str = strawberry.field(description="Connected or Unconnected.")
    group: str = strawberry.field(description="Server group label.")
    config: str = strawberry.field(description="INI text, password values masked.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @strawberry.field(description="Linked hosts, by name.")
    async def hosts(self, info: Info) -> list[InventoryHost]:
        loader = hosts_by_inventory(info.context.loaders, info.context.db)
        return [
            InventoryHost(host_name=h.host_name, device_id=h.device_id)
            for h in await loader.load(self.number)
        ]

    @classmethod
    def from_model(cls, i: models.Inventory) -> Inventory:
        return cls(
            number=i.id,
            name=i.name,
            status=i.status,
            ssh_status=i.ssh_status,
            group=i.group,
            config=i.config,
            created_at=i.created_at,
            updated_at=i.updated_at,
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
_failure = mapped(
    (InventoryNameTakenError, InventoryNameDuplicate),
    (InvalidInventoryConfigError, InvalidInventoryConfig),
)


@strawberry.enum(description="What inventories can be sorted by.")
class InventoryOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="How to sort inventories.")
class InventoryOrder:
    field: InventoryOrderField = InventoryOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which inventories to list.")
class InventoryFilter:
    search: str | None = strawberry.field(default=None, description="Part of the name.")


@strawberry.type
class InventoriesQuery:
    @strawberry.field(
        description="Inventories matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("inventories.inventory.view")],
    )
    async def inventories(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: InventoryFilter | None = None,
        order_by: InventoryOrder | None = None,
    ) -> Connection[Inventory]:
        order = order_by or InventoryOrder()
        query = service.inventory_query((filter or InventoryFilter()).search)
        keys = [models.Inventory.id]
        if order.field is not InventoryOrderField.NUMBER:
            keys.insert(0, getattr(models.Inventory, order.field.value))
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Inventory.from_model
        )

    @strawberry.field(
        description="One inventory, or null when absent or not visible.",
        permission_classes=[HasPermission("inventories.inventory.view")],
    )
    async def inventory(self, info: Info, id: strawberry.ID) -> Inventory | None:
        return await node_of(info, Inventory, key_or_none(id, Inventory))


@strawberry.type
class InventoriesMutation:
    @strawberry.mutation(
        description="Create an inventory from Ansible INI text.",
        permission_classes=[HasPermission("inventories.inventory.create")],
    )
    async def create_inventory(
        self, info: Info, name: str, config: str, group: str = "Default"
    ) -> InventoryPayload:
        async with expected(
            InvalidInventoryConfig,
            InventoryNameDuplicate,
            via=_failure,
            db=info.context.db,
        ) as out:
            created = await service.create_inventory(
                out.session, _actor(info), name, config, group
            )
        return out.error or InventorySuccess(inventory=Inventory.from_model(created))


def _actor(info: Info) -> credentials_service.Actor:
    p = info.context.principal
    assert p is not None  # noqa: S101  permission classes ran first
    return credentials_service.Actor(
        p.user_id,
        p.username,
        info.context.client,
        may_use_credentials=p.can(credentials_service.CREDENTIAL_USE_PERMISSION),
    )
