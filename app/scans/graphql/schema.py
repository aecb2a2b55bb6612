"""Queries, mutations and subscriptions of the scans domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from app import events
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.db import unit_of_work
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, holds, require
from app.scans import service
from app.scans.errors import ScanNotFoundError, ScanNotRunningError, ScanTargetsError
from app.scans.graphql.types import (
    CancelScanSuccess,
    InvalidScanRequest,
    Scan,
    ScanNotFound,
    ScanNotRunning,
    ScanProgress,
    ScanResult,
    StartScanInput,
    StartScanSuccess,
)

StartScanPayload = Annotated[
    StartScanSuccess | InvalidScanRequest, strawberry.union("StartScanPayload")
]
CancelScanPayload = Annotated[
    CancelScanSuccess | ScanNotFound | ScanNotRunning,
    strawberry.union("CancelScanPayload"),
]


@strawberry.type
class ScansQuery:
    @strawberry.field(
        description="One scan by id, or null.",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scan(self, info: Info, id: strawberry.ID) -> Scan | None:
        try:
            async with info.context.db() as session:
                return Scan.from_model(await service.get_scan(session, id))
        except ScanNotFoundError:
            return None

    @strawberry.field(
        description="Scans, newest first.",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scans(self, info: Info, limit: int = 50, offset: int = 0) -> list[Scan]:
        async with info.context.db() as session:
            found, _total = await service.list_scans(
                session, max(1, min(limit, 500)), max(0, offset)
            )
        return [Scan.from_model(s) for s in found]

    @strawberry.field(
        description="Per-address results of a scan (empty for an unknown scan).",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scan_results(
        self, info: Info, scan_id: strawberry.ID
    ) -> list[ScanResult]:
        try:
            async with info.context.db() as session:
                _scan, rows = await service.scan_results(session, scan_id)
        except ScanNotFoundError:
            return []
        return [ScanResult.from_model(r) for r in rows]


@strawberry.type
class ScansMutation:
    @strawberry.mutation(
        description="Start a discovery scan; a worker runs it.",
        permission_classes=[HasPermission("scans.scan.create")],
    )
    async def start_scan(self, info: Info, input: StartScanInput) -> StartScanPayload:
        principal = info.context.principal
        try:
            scan = await service.start_scan(
                info.context.db,
                info.context.settings,
                scan_type=input.type,
                target_list=input.targets,
                options=_options(input.options),
                user_id=principal.user_id if principal else None,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        except ScanTargetsError as exc:
            return InvalidScanRequest(message=exc.message)
        return StartScanSuccess(scan=Scan.from_model(scan))

    @strawberry.mutation(
        description="Cancel a running scan; it stops within a second.",
        permission_classes=[HasPermission("scans.scan.cancel")],
    )
    async def cancel_scan(self, info: Info, id: strawberry.ID) -> CancelScanPayload:
        try:
            async with unit_of_work(info.context.db) as session:
                scan = await service.cancel_scan(session, id)
        except ScanNotFoundError as exc:
            return ScanNotFound(message=exc.message, scan_id=id)
        except ScanNotRunningError as exc:
            return ScanNotRunning(
                message=exc.message, status=str(exc.details["status"])
            )
        return CancelScanSuccess(scan=Scan.from_model(scan))


def _options(raw: object) -> dict[str, object] | None:
    if raw is None or isinstance(raw, dict):
        return raw
    raise ScanTargetsError("options: must be an object")


@strawberry.type
class ScansSubscription:
    @strawberry.subscription(
        description="Every progress change of a scan, replayed after `afterSeq`, "
        "then live, ending when the scan ends."
    )
    async def scan_progress(
        self, info: Info, scan_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[ScanProgress, None]:
        require(info, "scans.scan.view")
        async with info.context.db() as session:
            scan = await service.get_scan(session, scan_id)
        async for event in events.subscribe(
            info.context.db, service.stream_of(scan.id), after_seq
        ):
            update = ScanProgress.from_event(event)
            yield update
            if update.is_final:
                return
