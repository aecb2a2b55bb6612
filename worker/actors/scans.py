"""Scan actors."""

from __future__ import annotations

import uuid

from app.scans import runner, service
from app.scans.polling import service as polling_service
from worker import runtime
from worker.registry import actor


@actor(service.RUN_SCAN)
async def run_scan(scan_id: str) -> None:
    """Run one discovery scan to its end (a no-op when already claimed)."""
    await runner.run_scan(runtime.db(), runtime.settings(), uuid.UUID(scan_id))


@actor(polling_service.POLL_ALL)
async def poll_all() -> None:
    """Poll the interfaces and optical power of every SNMP device."""
    await polling_service.poll_all(runtime.db(), runtime.settings())
