"""Queries of the fleet."""

from __future__ import annotations

import base64
from enum import Enum

import strawberry

from app import inputs
from app.devices import service
from app.devices.errors import DeviceNotFoundError, GroupNotFoundError
from app.devices.graphql.types import (
    Device,
    DeviceConnection,
    DeviceEdge,
    DeviceGroup,
    PageInfo,
)
from app.errors import InvalidError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission

MAX_PAGE = 1000


@strawberry.enum(description="Columns devices can be sorted by.")
class DeviceSort(Enum):
    ID = "id"
    NAME = "name"
    HOSTNAME = "hostname"
    ADDRESS = "address"
    STATUS = "status"
    LAST_SEEN = "last_seen"
    CREATED_AT = "created_at"


def cursor(offset: int) -> str:
    """The opaque cursor of the row at `offset`."""
    return base64.b64encode(f"o:{offset}".encode()).decode()


def offset_after(after: str | None) -> int:
    """The offset just past `after`."""
    if after is None:
        return 0
    try:
        kind, _, raw = base64.b64decode(after).decode().partition(":")
        if kind == "o" and raw.isdigit():
            return int(raw) + 1
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidError("Invalid cursor", details={"field": "after"})


@strawberry.type
class DevicesQuery:
    @strawberry.field(
        description="Devices matching the filters, sorted, one page at a time.",
        permission_classes=[HasPermission("devices.device.view")],
    )
    async def devices(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        search: str | None = None,
        status: str | None = None,
        group_id: strawberry.ID | None = None,
        sort: DeviceSort = DeviceSort.ID,
        descending: bool = False,
    ) -> DeviceConnection:
        start = offset_after(after)
        f = service.DeviceFilter(
            group_id=inputs.row_id(group_id) if group_id is not None else None,
            status=status,
            search=search,
            sort=sort.value,
            descending=descending,
            limit=max(0, min(first, MAX_PAGE)),
            offset=start,
        )
        async with info.context.db() as session:
            rows, total = await service.list_devices(session, f)
        edges = [
            DeviceEdge(cursor=cursor(start + i), node=Device.from_model(d))
            for i, d in enumerate(rows)
        ]
        end = edges[-1].cursor if edges else None
        more = start + len(rows) < total
        return DeviceConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=end),
            total_count=total,
        )

    @strawberry.field(
        description="One device, or null.",
        permission_classes=[HasPermission("devices.device.view")],
    )
    async def device(self, info: Info, id: strawberry.ID) -> Device | None:
        try:
            async with info.context.db() as session:
                return Device.from_model(
                    await service.get_device(session, inputs.row_id(id))
                )
        except (DeviceNotFoundError, ValueError):
            return None

    @strawberry.field(
        description="Every device group.",
        permission_classes=[HasPermission("groups.group.view")],
    )
    async def device_groups(
        self, info: Info, search: str | None = None
    ) -> list[DeviceGroup]:
        async with info.context.db() as session:
            groups, _ = await service.list_groups(session, search)
        return [DeviceGroup.from_model(g) for g in groups]

    @strawberry.field(
        description="One device group, or null.",
        permission_classes=[HasPermission("groups.group.view")],
    )
    async def device_group(self, info: Info, id: strawberry.ID) -> DeviceGroup | None:
        try:
            async with info.context.db() as session:
                return DeviceGroup.from_model(
                    await service.get_group(session, inputs.row_id(id))
                )
        except (GroupNotFoundError, ValueError):
            return None
