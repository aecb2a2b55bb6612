"""GraphQL of the interface poller and of legacy scan defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.db import unit_of_work
from app.devices.graphql.types import Device
from app.graphql.context import Info
from app.graphql.mutations import expected, mapped
from app.graphql.nodes import Entity, key_or_none
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.scans import defaults
from app.scans.errors import ScanTargetsError
from app.scans.graphql.types import InvalidScanRequest
from app.scans.polling import service
from app.scans.polling.models import DeviceInterface as InterfaceModel
from app.scans.polling.models import PowerReading as ReadingModel


@strawberry.type(description="One interface of a device, as last polled (IF-MIB).")
class DeviceInterface(Entity):
    table = InterfaceModel
    permission = "devices.interface.view"

    number: int = strawberry.field(description="Row id.")
    if_index: int = strawberry.field(description="ifIndex.")
    name: str = strawberry.field(description="ifName, else ifDescr.")
    alias: str | None = strawberry.field(description="ifAlias.")
    admin_status: str = strawberry.field(description="`up`, `down`, `testing`, ...")
    oper_status: str = strawberry.field(description="`up`, `down`, `dormant`, ...")
    speed_bps: float | None = strawberry.field(description="Speed in bits/s.")
    in_octets: float | None = strawberry.field(description="Octets received.")
    out_octets: float | None = strawberry.field(description="Octets sent.")
    in_errors: float | None = strawberry.field(description="Inbound errors.")
    out_errors: float | None = strawberry.field(description="Outbound errors.")
    rx_power_dbm: float | None = strawberry.field(description="Optical RX power.")
    tx_power_dbm: float | None = strawberry.field(description="Optical TX power.")
    polled_at: datetime = strawberry.field(description="When it was polled.")

    @classmethod
    def from_model(cls, row: InterfaceModel) -> DeviceInterface:
        return cls(
            number=row.id,
            if_index=row.if_index,
            name=row.name,
            alias=row.alias,
            admin_status=row.admin_status,
            oper_status=row.oper_status,
            speed_bps=row.speed_bps,
            in_octets=row.in_octets,
            out_octets=row.out_octets,
            in_errors=row.in_errors,
            out_errors=row.out_errors,
            rx_power_dbm=row.rx_power_dbm,
            tx_power_dbm=row.tx_power_dbm,
            polled_at=row.polled_at,
        )


@strawberry.type(description="One optical power sample.")
class PowerReading(Entity):
    table = ReadingModel
    permission = "devices.power.view"

    number: int = strawberry.field(description="Row id.")
    interface: str = strawberry.field(description="Interface name.")
    rx_power_dbm: float | None = strawberry.field(description="RX power (dBm).")
    tx_power_dbm: float | None = strawberry.field(description="TX power (dBm).")
    recorded_at: datetime = strawberry.field(description="When it was sampled.")

    @classmethod
    def from_model(cls, row: ReadingModel) -> PowerReading:
        return cls(
            number=row.id,
            interface=row.interface,
            rx_power_dbm=row.rx_power_dbm,
            tx_power_dbm=row.tx_power_dbm,
            recorded_at=row.recorded_at,
        )


@strawberry.input(description="Which power samples to list.")
class PowerReadingFilter:
    interface: str | None = strawberry.field(
        default=None, description="Only this interface (name)."
    )
    start: datetime | None = strawberry.field(
        default=None, description="Only samples taken at or after this time."
    )
    end: datetime | None = strawberry.field(
        default=None, description="Only samples taken at or before this time."
    )


@strawberry.type
class PollingQuery:
    @strawberry.field(
        description="A device's (global id) interfaces as last polled, by ifIndex; "
        "empty for an unknown device.",
        permission_classes=[HasPermission("devices.interface.view")],
    )
    async def device_interfaces(
        self,
        info: Info,
        device_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[DeviceInterface]:
        key = key_or_none(device_id, Device)
        query = service.interface_query(key if key is not None else 0)
        keys = [InterfaceModel.if_index, InterfaceModel.id]
        window = Window(first, after, last, before)
        node = DeviceInterface.from_model
        return await paginate(info, query, keys, direction, window, node)

    @strawberry.field(
        description="Optical power history of a device (global id), oldest first "
        "by default; empty for an unknown device.",
        permission_classes=[HasPermission("devices.power.view")],
    )
    async def power_history(
        self,
        info: Info,
        device_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: PowerReadingFilter | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[PowerReading]:
        f = filter or PowerReadingFilter()
        key = key_or_none(device_id, Device)
        query = service.power_query(
            key if key is not None else 0,
            interface=f.interface,
            start=f.start,
            end=f.end,
        )
        window = Window(first, after, last, before)
        node = PowerReading.from_model
        keys = [ReadingModel.recorded_at, ReadingModel.id]
        return await paginate(info, query, keys, direction, window, node)


@strawberry.type(description="A poll of every SNMP device was queued.")
class RunPollerSuccess:
    queued: bool = strawberry.field(description="Always true.")


RunPollerPayload = Annotated[RunPollerSuccess, strawberry.union("RunPollerPayload")]


@strawberry.type
class PollingMutation:
    @strawberry.mutation(
        description="Poll every SNMP device now (runs in a worker).",
        permission_classes=[HasPermission("devices.poller.execute")],
    )
    async def run_poller(self, info: Info) -> RunPollerPayload:
        async with unit_of_work(info.context.db):
            service.request_poll_all()
        return RunPollerSuccess(queued=True)


@strawberry.type(description="The scan defaults were saved.")
class ScanDefaultsSuccess:
    values: JSON = strawberry.field(description="The defaults, communities hidden.")


UpdateScanDefaultsPayload = Annotated[
    ScanDefaultsSuccess | InvalidScanRequest,
    strawberry.union("UpdateScanDefaultsPayload"),
]
_invalid = mapped((ScanTargetsError, InvalidScanRequest))


@strawberry.type
class ScanDefaultsQuery:
    @strawberry.field(
        description="Defaults of legacy `/scan` requests, secrets hidden.",
        permission_classes=[HasPermission("scans.settings.view")],
    )
    async def scan_defaults(self, info: Info) -> JSON:
        async with info.context.db() as session:
            return defaults.public(await defaults.load(session))


@strawberry.type
class ScanDefaultsMutation:
    @strawberry.mutation(
        description="Change legacy scan defaults; a `<n hidden>` value keeps secrets.",
        permission_classes=[HasPermission("scans.settings.update")],
    )
    async def update_scan_defaults(
        self, info: Info, values: JSON
    ) -> UpdateScanDefaultsPayload:
        async with expected(
            InvalidScanRequest, via=_invalid, db=info.context.db
        ) as out:
            current = await defaults.load(out.session)
            checked = defaults.validate(_values(values), current, info.context.settings)
            saved = await defaults.save(out.session, checked)
        return out.error or ScanDefaultsSuccess(values=defaults.public(saved))


def _values(raw: object) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise ScanTargetsError("values: must be an object")
    return raw
