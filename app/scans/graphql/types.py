"""GraphQL types of the scans domain."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.devices.graphql.types import Device
from app.events import Event
from app.graphql.nodes import Entity, global_id
from app.graphql.types import Error
from app.scans import service
from app.scans.models import Scan as ScanModel
from app.scans.models import ScanResult as ScanResultModel


@strawberry.type(description="A discovery scan and how far it got.")
class Scan(Entity):
    table = ScanModel
    permission = "scans.scan.view"
    key_field = "uuid"

    uuid: str = strawberry.field(description="Scan id (UUID), as REST uses.")
    type: str = strawberry.field(description="`discovery`, `ping`, `snmp` or `ssh`.")
    targets: list[str] = strawberry.field(description="Targets as named.")
    options: JSON = strawberry.field(description="Options, secrets hidden.")
    status: str = strawberry.field(
        description="`running`, `completed`, `failed` or `cancelled`."
    )
    progress: int = strawberry.field(description="Percent of targets finished.")
    total_targets: int = strawberry.field(description="Addresses to probe.")
    completed_targets: int = strawberry.field(description="Addresses probed.")
    discovered_devices: int = strawberry.field(description="Addresses that answered.")
    error: str | None = strawberry.field(description="Why the scan failed.")
    started_at: datetime = strawberry.field(description="When the scan started.")
    completed_at: datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def parse_key(cls, raw: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(raw)
        except ValueError:
            return None

    @classmethod
    def from_model(cls, scan: ScanModel) -> Scan:
        return cls(
            uuid=str(scan.id),
            type=scan.type,
            targets=scan.targets,
            options=service.public_options(scan.options),
            status=scan.status,
            progress=scan.progress,
            total_targets=scan.total_targets,
            completed_targets=scan.completed_targets,
            discovered_devices=scan.discovered_devices,
            error=scan.error,
            started_at=scan.started_at,
            completed_at=scan.completed_at,
        )


@strawberry.type(description="What probing one address found.")
class ScanResult(Entity):
    table = ScanResultModel
    permission = "scans.scan.view"

    number: int = strawberry.field(description="Row id.")
    address: str = strawberry.field(description="The probed IPv4 address.")
    hostname: str | None = strawberry.field(description="sysName, when SNMP answered.")
    reachable: bool = strawberry.field(description="Answered ICMP or a TCP port.")
    discovered: bool = strawberry.field(description="Answered any probe.")
    method: str = strawberry.field(description="`icmp`, `tcp` or `none`.")
    latency_ms: float | None = strawberry.field(description="Round trip, if reached.")
    open_ports: list[int] = strawberry.field(description="TCP ports that accepted.")
    snmp: JSON | None = strawberry.field(description="SNMP system facts.")
    ssh: JSON | None = strawberry.field(description="SSH banner found.")
    device_id: strawberry.ID | None = strawberry.field(
        description="The fleet device upserted (global id)."
    )
    completed_at: datetime = strawberry.field(description="When it was probed.")

    @classmethod
    def from_model(cls, row: ScanResultModel) -> ScanResult:
        return cls(
            number=row.id,
            address=row.address,
            hostname=row.hostname,
            reachable=row.reachable,
            discovered=row.discovered,
            method=row.method,
            latency_ms=row.latency_ms,
            open_ports=row.open_ports,
            snmp=row.snmp,
            ssh=row.ssh,
            device_id=(
                None if row.device_id is None else global_id(Device, row.device_id)
            ),
            completed_at=row.completed_at,
        )


@strawberry.type(description="One change of a scan's progress.")
class ScanProgress:
    seq: int = strawberry.field(description="Gap-free sequence in the scan's stream.")
    type: str = strawberry.field(
        description="`scan.started`, `scan.progress`, `scan.completed`, ..."
    )
    scan_id: strawberry.ID = strawberry.field(description="The scan's global id.")
    status: str = strawberry.field(description="Scan status after this change.")
    progress: int = strawberry.field(description="Percent of targets finished.")
    total_targets: int = strawberry.field(description="Addresses to probe.")
    completed_targets: int = strawberry.field(description="Addresses probed.")
    discovered_devices: int = strawberry.field(description="Addresses that answered.")
    address: str | None = strawberry.field(description="Address just finished.")

    @classmethod
    def from_event(cls, event: Event) -> ScanProgress:
        data = event.data
        return cls(
            seq=event.seq,
            type=event.type,
            scan_id=global_id(Scan, data["scan_id"]),
            status=data["status"],
            progress=data["progress"],
            total_targets=data["total_targets"],
            completed_targets=data["completed_targets"],
            discovered_devices=data["discovered_devices"],
            address=data.get("address"),
        )

    @property
    def is_final(self) -> bool:
        """True once the scan has ended."""
        return self.status != "running"


@strawberry.type(description="The scan was queued.")
class StartScanSuccess:
    scan: Scan = strawberry.field(description="The new scan.")


@strawberry.type(description="Targets or options were refused (too many, malformed).")
class InvalidScanRequest(Error):
    pass


@strawberry.type(description="The scan was cancelled.")
class CancelScanSuccess:
    scan: Scan = strawberry.field(description="The cancelled scan.")


@strawberry.type(description="No scan has this id.")
class ScanNotFound(Error):
    pass


@strawberry.type(description="The scan already ended.")
class ScanNotRunning(Error):
    status: str = strawberry.field(default="", description="Its final status.")


@strawberry.input(description="What to scan and how.")
class StartScanInput:
    targets: list[str] = strawberry.field(
        description="Addresses, ranges (a-b), CIDRs and hostnames."
    )
    type: str = strawberry.field(default="discovery", description="Scan type.")
    options: JSON | None = strawberry.field(
        default=None, description="ping/snmp/ssh flags, ports, timeout, window, SNMP."
    )


@strawberry.input(description="Which scans to list; every given filter applies.")
class ScanFilter:
    status: str | None = strawberry.field(
        default=None, description="`running`, `completed`, `failed` or `cancelled`."
    )
    type: str | None = strawberry.field(
        default=None, description="`discovery`, `ping`, `snmp` or `ssh`."
    )
