"""NetBox actors: the scheduled import and the push of autodiscovered hosts."""

from __future__ import annotations

import uuid

from app.audit import service as audit_service
from app.netbox import service
from app.scans import runner
from worker import runtime
from worker.registry import actor


@actor(service.SCHEDULED_IMPORT)
async def scheduled_import() -> None:
    """Import every NetBox device (queued by the ticker once per interval)."""
    await service.scheduled_import(runtime.db(), runtime.settings())


@actor(service.AUTODISCOVERY_PUSH)
async def push_discovered(
    scan_id: str, site_id: str, role_id: str, device_type_id: str, user_id: str
) -> None:
    """Run the scan unless a worker already claimed it (so one worker thread
    never waits for a scan nobody runs), then push what it found to NetBox."""
    placement = service.Placement(int(site_id), int(role_id), int(device_type_id))
    actor_ = audit_service.Actor(user_id=int(user_id) or None)
    db, settings = runtime.db(), runtime.settings()
    await runner.run_scan(db, settings, uuid.UUID(scan_id))
    await service.push_discovered(db, settings, uuid.UUID(scan_id), placement, actor_)
