"""GraphQL of the interface poller: interfaces, power history, run now."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.db import unit_of_work
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission
from app.scans.polling import service
from app.scans.polling.models import DeviceInterface as InterfaceModel
from app.scans.polling.models import PowerReading as ReadingModel


@strawberry.type(description="One interface of a device, as last polled (IF-MIB).")
class DeviceInterface:
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
class PowerReading:
    interface: str = strawberry.field(description="Interface name.")
    rx_power_dbm: float | None = strawberry.field(description="RX power (dBm).")
    tx_power_dbm: float | None = strawberry.field(description="TX power (dBm).")
    recorded_at: datetime = strawberry.field(description="When it was sampled.")

    @classmethod
    def from_model(cls, row: ReadingModel) -> PowerReading:
        return cls(
            interface=row.interface,
            rx_power_dbm=row.rx_power_dbm,
            tx_power_dbm=row.tx_power_dbm,
            recorded_at=row.recorded_at,
        )


@strawberry.type
class PollingQuery:
    @strawberry.field(
        description="A device's interfaces as last polled (empty if unknown).",
        permission_classes=[HasPermission("devices.interface.view")],
    )
    async def device_interfaces(
        self, info: Info, device_id: int
    ) -> list[DeviceInterface]:
        try:
            async with info.context.db() as session:
                rows = await service.interfaces(session, device_id)
        except NotFoundError:
            return []
        return [DeviceInterface.from_model(r) for r in rows]

    @strawberry.field(
        description="Optical power history of a device, oldest first.",
        permission_classes=[HasPermission("devices.power.view")],
    )
    async def power_history(
        self,
        info: Info,
        device_id: int,
        interface: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[PowerReading]:
        try:
            async with info.context.db() as session:
                rows = await service.power_history(
                    session, device_id, interface=interface, start=start, end=end
                )
        except NotFoundError:
            return []
        return [PowerReading.from_model(r) for r in rows]


@strawberry.type
class PollingMutation:
    @strawberry.mutation(
        description="Poll every SNMP device now (runs in a worker).",
        permission_classes=[HasPermission("devices.poller.execute")],
    )
    async def run_poller(self, info: Info) -> bool:
        async with unit_of_work(info.context.db):
            service.request_poll_all()
        return True
