"""Queries of the fleet."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry
from sqlalchemy import func, literal

from app.devices import models, service
from app.devices.graphql.types import Device, DeviceGroup
from app.graphql.context import Info
from app.graphql.nodes import key_of, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission

# Devices never seen sort first (ascending), as SQL sorts no NULLs the same way.
_NEVER = literal(datetime(1970, 1, 1, tzinfo=UTC), models.Device.last_seen.type)


@strawberry.enum(description="What devices can be sorted by.")
class DeviceOrderField(Enum):
    NUMBER = "id"
    NAME = "name"
    HOSTNAME = "hostname"
    ADDRESS = "address"
    STATUS = "status"
    LAST_SEEN = "last_seen"
    CREATED_AT = "created_at"


@strawberry.input(description="How to sort devices.")
class DeviceOrder:
    field: DeviceOrderField = DeviceOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which devices to list; every given filter applies.")
class DeviceFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the address, host name or name."
    )
    status: str | None = strawberry.field(default=None, description="up, down...")
    device_type: str | None = strawberry.field(default=None, description="Type.")
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only members of this group."
    )


@strawberry.input(description="Which device groups to list.")
class DeviceGroupFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or description."
    )


@strawberry.type
class DevicesQuery:
    @strawberry.field(
        description="Devices matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("devices.device.view")],
    )
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DeviceFilter | None = None,
        order_by: DeviceOrder | None = None,
    ) -> Connection[Device]:
        f = filter or DeviceFilter()
        order = order_by or DeviceOrder()
        query = service.device_query(
            service.DeviceFilter(
                group_id=(
                    key_of(f.group_id, DeviceGroup, field="groupId")
                    if f.group_id is not None
                    else None
                ),
                status=f.status,
                search=f.search,
                device_type=f.device_type,
            )
        )
        column = getattr(models.Device, order.field.value)
        if order.field is DeviceOrderField.LAST_SEEN:
            column = func.coalesce(column, _NEVER)
        keys = [column, models.Device.id]
        if order.field is DeviceOrderField.NUMBER:
            keys = [models.Device.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, Device.from_model
        )

    @strawberry.field(
        description="One device, or null when absent or not visible.",
        permission_classes=[HasPermission("devices.device.view")],
    )
    async def device(self, info: Info, id: strawberry.ID) -> Device | None:
        return await node_of(info, Device, key_or_none(id, Device))

    @strawberry.field(
        description="Device groups, sorted by name, one page at a time.",
        permission_classes=[HasPermission("groups.group.view")],
    )
    async def device_groups(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DeviceGroupFilter | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[DeviceGroup]:
        query = service.group_query((filter or DeviceGroupFilter()).search)
        keys = [models.Group.name, models.Group.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, direction, window, DeviceGroup.from_model
        )

    @strawberry.field(
        description="One device group, or null when absent or not visible.",
        permission_classes=[HasPermission("groups.group.view")],
    )
    async def device_group(self, info: Info, id: strawberry.ID) -> DeviceGroup | None:
        return await node_of(info, DeviceGroup, key_or_none(id, DeviceGroup))
