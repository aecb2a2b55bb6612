"""Queries, mutations and subscriptions of the scans domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from app import events
from app.credentials.service import CREDENTIAL_USE_PERMISSION
from app.errors import NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import key_of, key_or_none, row_loader
from app.graphql.pagination import (
    Connection,
    OrderDirection,
    Window,
    paginate,
    paginate_items,
)
from app.graphql.permissions import HasPermission, holds, require
from app.graphql.types import Error, error_from
from app.scans import models, service
from app.scans.errors import ScanNotFoundError, ScanNotRunningError, ScanTargetsError
from app.scans.graphql.types import (
    CancelScanSuccess,
    InvalidScanRequest,
    Scan,
    ScanFilter,
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
        description="One scan by global id; null when absent or not visible.",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scan(self, info: Info, id: strawberry.ID) -> Scan | None:
        key = key_or_none(id, Scan)
        row = await row_loader(info, Scan).load(key) if key is not None else None
        return Scan.from_model(row) if row is not None else None

    @strawberry.field(
        description="Scans by start time (newest first by default), one page at "
        "a time.",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scans(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ScanFilter | None = None,
        direction: OrderDirection = OrderDirection.DESC,
    ) -> Connection[Scan]:
        f = filter or ScanFilter()
        query = service.scan_query(f.status, f.type)
        keys = [models.Scan.started_at, models.Scan.id]
        window = Window(first, after, last, before)
        return await paginate(info, query, keys, direction, window, Scan.from_model)

    @strawberry.field(
        description="Per-address results of a scan (global id) in the order they "
        "finished; empty for an unknown scan.",
        permission_classes=[HasPermission("scans.scan.view")],
    )
    async def scan_results(
        self,
        info: Info,
        scan_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[ScanResult]:
        window = Window(first, after, last, before)
        key = key_or_none(scan_id, Scan)
        if key is None:
            node = ScanResult.from_model
            return paginate_items([], lambda r: (r,), direction, window, node)
        query = service.result_query(key)
        keys = [models.ScanResult.id]
        node = ScanResult.from_model
        return await paginate(info, query, keys, direction, window, node)


@strawberry.type
class ScansMutation:
    @strawberry.mutation(
        description="Start a discovery scan; a worker runs it.",
        permission_classes=[HasPermission("scans.scan.create")],
    )
    async def start_scan(self, info: Info, input: StartScanInput) -> StartScanPayload:
        principal = info.context.principal
        async with expected(InvalidScanRequest, via=_failure) as out:
            scan = await service.start_scan(
                info.context.db,
                info.context.settings,
                scan_type=input.type,
                target_list=input.targets,
                options=_options(input.options),
                user_id=principal.user_id if principal else None,
                may_use_credentials=holds(info, CREDENTIAL_USE_PERMISSION),
            )
        return out.error or StartScanSuccess(scan=Scan.from_model(scan))

    @strawberry.mutation(
        description="Cancel a running scan; it stops within a second.",
        permission_classes=[HasPermission("scans.scan.cancel")],
    )
    async def cancel_scan(self, info: Info, id: strawberry.ID) -> CancelScanPayload:
        async with expected(
            ScanNotFound, ScanNotRunning, via=_failure, db=info.context.db
        ) as out:
            key = key_of(id, Scan, field="id")
            scan = await service.cancel_scan(out.session, key)
        return out.error or CancelScanSuccess(scan=Scan.from_model(scan))


def _failure(exc: Exception) -> Error | None:
    """The member naming `exc`'s condition; a missing scan is the `id`'s."""
    if isinstance(exc, ScanTargetsError):
        return error_from(InvalidScanRequest, exc)
    if isinstance(exc, NotFoundError):
        missing = error_from(ScanNotFound, exc)
        if "field" not in exc.details:
            missing.field = "id"
        return missing
    if isinstance(exc, ScanNotRunningError):
        return ScanNotRunning(message=exc.message, status=str(exc.details["status"]))
    return None


def _options(raw: object) -> dict[str, object] | None:
    if raw is None or isinstance(raw, dict):
        return raw
    raise ScanTargetsError("options: must be an object")


@strawberry.type
class ScansSubscription:
    @strawberry.subscription(
        description="Every progress change of a scan (global id), replayed after "
        "`afterSeq`, then live, ending when the scan ends."
    )
    async def scan_progress(
        self, info: Info, scan_id: strawberry.ID, after_seq: int = 0
    ) -> AsyncGenerator[ScanProgress, None]:
        require(info, "scans.scan.view")
        key = key_or_none(scan_id, Scan)
        if key is None:
            raise ScanNotFoundError(str(scan_id)[:64])
        async with info.context.db() as session:
            scan = await service.get_scan(session, key)
        async for event in events.subscribe(
            info.context.db, service.stream_of(scan.id), after_seq
        ):
            update = ScanProgress.from_event(event)
            yield update
            if update.is_final:
                return
