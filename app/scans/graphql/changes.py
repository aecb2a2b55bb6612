"""Live updates of the scans list: every scan's start, progress and end."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app import events
from app.graphql.context import Info
from app.graphql.permissions import require
from app.scans import service
from app.scans.errors import ScanNotFoundError
from app.scans.graphql.types import Scan
from app.scans.models import Scan as ScanModel


@strawberry.type(description="One change of one scan, from the `scans` stream.")
class ScanChange:
    seq: int = strawberry.field(description="Gap-free sequence number in the stream.")
    type: str = strawberry.field(
        description="`scan.started`, `scan.progress`, `scan.completed`, "
        "`scan.failed` or `scan.cancelled`."
    )
    status: str = strawberry.field(description="Scan status after this change.")
    progress: int = strawberry.field(description="Percent of targets finished.")
    completed_targets: int = strawberry.field(description="Addresses probed.")
    discovered_devices: int = strawberry.field(description="Addresses that answered.")
    scan: Scan | None = strawberry.field(
        description="The scan as it is when the change is delivered."
    )

    @classmethod
    def from_event(cls, event: events.Event, row: ScanModel | None) -> ScanChange:
        data = event.data
        return cls(
            seq=event.seq,
            type=event.type,
            status=data["status"],
            progress=data["progress"],
            completed_targets=data["completed_targets"],
            discovered_devices=data["discovered_devices"],
            scan=Scan.from_model(row) if row is not None else None,
        )


async def _scan(info: Info, scan_id: str) -> ScanModel | None:
    try:
        async with info.context.db() as session:
            return await service.get_scan(session, scan_id)
    except ScanNotFoundError:
        return None


@strawberry.type
class ScanChangesSubscription:
    @strawberry.subscription(
        description="Starts, progress and ends of every scan after `afterSeq` "
        "(replayed from storage), then live, with no gap and no duplicate; "
        "`afterSeq: -1` starts from now."
    )
    async def scans_changed(
        self, info: Info, after_seq: int = 0
    ) -> AsyncGenerator[ScanChange, None]:
        require(info, "scans.scan.view")
        db = info.context.db
        async for event in events.subscribe(db, service.SCANS_STREAM, after_seq):
            row = await _scan(info, event.data["scan_id"])
            yield ScanChange.from_event(event, row)
