"""Business rules of discovery scans: validate, start, read, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, jobs, secrets
from app.credentials import service as credentials_service
from app.db import Sessionmaker, unit_of_work, utcnow
from app.devices import service as devices_service
from app.errors import found_or_raise
from app.scans import defaults, reading, repository, targets
from app.scans.errors import ScanNotFoundError, ScanNotRunningError, ScanTargetsError
from app.scans.models import Scan, ScanResult
from app.scans.reading import (
    SNMP_GET_MAX_OIDS,
    SnmpGetRequest,
    SnmpReading,
    check_oids,
)
from app.scans.snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS
from app.settings import Settings

# What callers of the SNMP GET need, re-exported: other domains import only this.
__all__ = ["SNMP_GET_MAX_OIDS", "SnmpGetRequest", "SnmpReading", "check_oids"]
SCAN_TYPES = ("discovery", "ping", "snmp", "ssh")
RUN_SCAN = jobs.JobSpec(actor_name="scans.run", queue="scans")
SECRET_OPTIONS = ("snmp_communities", "snmp_v3_users")
SECRETS = "scan.options"  # its secret fields: app/secrets.py


class SnmpV3User(BaseModel):
    """One SNMPv3 user to try; keys are secrets."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    auth_key: str | None = Field(default=None, min_length=8, max_length=128)
    auth_protocol: Literal[AUTH_PROTOCOLS] = "SHA"  # type: ignore[valid-type]
    priv_key: str | None = Field(default=None, min_length=8, max_length=128)
    priv_protocol: Literal[PRIV_PROTOCOLS] = "AES"  # type: ignore[valid-type]
    context: str = Field(default="", max_length=64)


class ScanOptions(BaseModel):
    """What to probe, how hard and with which SNMP identities."""

    model_config = ConfigDict(extra="forbid")
    ping: bool = True
    snmp: bool = True
    ssh: bool = False
    ping_method: Literal["auto", "icmp", "tcp"] = "auto"
    tcp_ports: list[int] | None = Field(default=None, min_length=1, max_length=32)
    timeout: float | None = Field(default=None, gt=0, le=30)
    window: int | None = Field(default=None, ge=1, le=1024)
    snmp_port: int | None = Field(default=None, ge=1, le=65535)
    snmp_communities: list[str] | None = Field(default=None, max_length=8)
    snmp_v3_users: list[SnmpV3User] | None = Field(default=None, max_length=8)
    ssh_port: int = Field(default=22, ge=1, le=65535)
    snmp_credential_ids: list[int] | None = Field(default=None, max_length=8)
    ssh_credential_id: int | None = None


def parse_options(raw: dict[str, Any] | None) -> ScanOptions:
    """Validated scan options; a bad field is a VALIDATION_ERROR naming it."""
    try:
        return ScanOptions.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScanTargetsError(f"options.{where}: {first['msg']}") from exc


def public_options(options: dict[str, Any]) -> dict[str, Any]:
    """Options as shown to callers: secrets replaced by how many there are."""
    shown = {k: v for k, v in options.items() if k not in SECRET_OPTIONS}
    for key in SECRET_OPTIONS:
        if options.get(key):
            shown[key] = f"<{len(options[key])} hidden>"
    return shown


async def start_scan(
    db: Sessionmaker,
    settings: Settings,
    *,
    scan_type: str,
    target_list: Sequence[str],
    options: dict[str, Any] | None,
    user_id: int | None,
    may_use_credentials: bool,
) -> Scan:
    """Validate and record a scan, then queue it for a worker.

    Vault credentials (`snmp_credential_ids`, `ssh_credential_id`) go to the
    targets the caller names: only callers who may use credentials name them.
    """
    if scan_type not in SCAN_TYPES:
        raise ScanTargetsError(f"type: must be one of {', '.join(SCAN_TYPES)}")
    parsed = parse_options(options)
    if parsed.snmp_credential_ids or parsed.ssh_credential_id is not None:
        credentials_service.require_use(may_use_credentials)
    addresses = await targets.resolve(list(target_list), settings.scan_max_targets)
    async with unit_of_work(db) as session:
        scan = await repository.add_scan(
            session,
            Scan(
                type=scan_type,
                targets=[t.strip() for t in target_list],
                addresses=addresses,
                options=secrets.seal(SECRETS, parsed.model_dump(exclude_none=True)),
                total_targets=len(addresses),
                created_by=user_id,
            ),
        )
        await emit(session, scan, "scan.started")
        jobs.enqueue(RUN_SCAN, scan_id=str(scan.id))
    return scan


async def get_scan(session: AsyncSession, scan_id: str | uuid.UUID) -> Scan:
    """The scan with `scan_id`; ScanNotFoundError otherwise."""
    parsed = parse_id(scan_id)
    return found_or_raise(
        await repository.scan_by_id(session, parsed), ScanNotFoundError(scan_id)
    )


def parse_id(scan_id: str | uuid.UUID) -> uuid.UUID:
    """A scan id as a UUID; anything else names no scan."""
    if isinstance(scan_id, uuid.UUID):
        return scan_id
    try:
        return uuid.UUID(str(scan_id))
    except ValueError as exc:
        raise ScanNotFoundError(scan_id) from exc


def scan_query(status: str | None, scan_type: str | None) -> Select[tuple[Scan]]:
    """The scans of this status and type (None: any), unordered (keyset pages)."""
    query: Select[tuple[Scan]] = repository.scans_matching(status, scan_type)
    return query


def result_query(scan_id: uuid.UUID) -> Select[tuple[ScanResult]]:
    """The results of one scan, unordered (for keyset pages)."""
    query: Select[tuple[ScanResult]] = repository.results_of(scan_id)
    return query


async def list_scans(
    session: AsyncSession, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Scan], int]:
    """A page of scans, newest first, and the total."""
    return (
        await repository.list_scans(session, limit, offset),
        await repository.count_scans(session),
    )


async def latest_scan(session: AsyncSession) -> Scan | None:
    """The most recently started scan, if any."""
    return await repository.latest_scan(session)


async def scan_results(
    session: AsyncSession, scan_id: str | uuid.UUID
) -> tuple[Scan, Sequence[ScanResult]]:
    """A scan and the results of its finished targets."""
    scan = await get_scan(session, scan_id)
    return scan, await repository.results(session, scan.id)


async def cancel_scan(session: AsyncSession, scan_id: str | uuid.UUID) -> Scan:
    """Stop a running scan; its worker notices within a quarter second."""
    scan = await get_scan(session, scan_id)
    stopped = await repository.finish(session, scan.id, "cancelled")
    if stopped is None:
        raise ScanNotRunningError(scan.id, scan.status)
    await emit(session, stopped, "scan.cancelled")
    return stopped


def progress_shape(scan: Scan) -> dict[str, Any]:
    """The documented progress object."""
    return {
        "scan_id": str(scan.id),
        "status": scan.status,
        "progress": scan.progress,
        "total_targets": scan.total_targets,
        "completed_targets": scan.completed_targets,
        "discovered_devices": scan.discovered_devices,
    }


# Every scan's starts, progress batches and ends, for dashboards listing scans.
SCANS_STREAM = "scans"


def stream_of(scan_id: uuid.UUID | str) -> str:
    """The event stream carrying one scan's progress."""
    return f"scan:{scan_id}"


async def emit(session: AsyncSession, scan: Scan, kind: str, **extra: Any) -> None:
    """Append a progress event of `scan` to its stream and the scans stream."""
    await events.append_streams(
        session,
        [
            (stream_of(scan.id), [(kind, {**progress_shape(scan), **extra})]),
            (SCANS_STREAM, [(kind, progress_shape(scan))]),
        ],
    )


async def emit_progress(
    session: AsyncSession, scan: Scan, finished: Sequence[tuple[str, bool]]
) -> None:
    """One `scan.progress` per finished (address, answered), counting up to `scan`."""
    completed = scan.completed_targets - len(finished)
    discovered = scan.discovered_devices - sum(answered for _a, answered in finished)
    items = []
    for address, answered in finished:
        completed += 1
        discovered += answered
        shape = {
            **progress_shape(scan),
            "progress": completed * 100 // scan.total_targets,
            "completed_targets": completed,
            "discovered_devices": discovered,
            "address": address,
            "reachable": answered,
        }
        items.append(("scan.progress", shape))
    if not items:
        return
    # The scans list stream gets one change per batch: where the scan now stands.
    await events.append_streams(
        session,
        [
            (stream_of(scan.id), items),
            (SCANS_STREAM, [("scan.progress", progress_shape(scan))]),
        ],
    )


async def snmp_device_ids(session: AsyncSession) -> set[int]:
    """Fleet devices that answered SNMP in some scan (what the poller polls)."""
    return await repository.snmp_device_ids(session)


async def device_addresses(
    session: AsyncSession, device_ids: Sequence[int]
) -> list[str]:
    """Addresses of fleet devices in order; DeviceNotFoundError names a missing one."""
    return [
        (await devices_service.get_device(session, device_id)).address
        for device_id in device_ids
    ]


async def start_default_scan(
    db: Sessionmaker,
    settings: Settings,
    *,
    scan_type: str,
    target_list: Sequence[str] | None,
    user_id: int | None,
    may_use_credentials: bool,
) -> Scan:
    """A legacy scan: stored defaults fill in the targets and options."""
    async with db() as session:
        stored = await defaults.load(session)
    chosen = list(target_list or targets.split(stored.network_range))
    flags = LEGACY_FLAGS[scan_type]
    return await start_scan(
        db,
        settings,
        scan_type=scan_type,
        target_list=chosen,
        options=stored.scan_options(**flags),
        user_id=user_id,
        may_use_credentials=may_use_credentials,
    )


LEGACY_FLAGS = {
    "discovery": {"ping": True, "snmp": True, "ssh": True},
    "snmp": {"ping": False, "snmp": True, "ssh": False},
    "ssh": {"ping": False, "snmp": False, "ssh": True},
}


async def reap_stale(session: AsyncSession, stale_after: timedelta) -> int:
    """Fail running scans whose worker stopped reporting; returns how many."""
    reaped = 0
    for scan_id in await repository.stale_scan_ids(session, utcnow() - stale_after):
        scan = await repository.finish(
            session, scan_id, "failed", error="worker lost: no progress in time"
        )
        if scan is not None:
            await emit(session, scan, "scan.failed")
            reaped += 1
    return reaped


async def claim_period(session: AsyncSession, name: str, every: timedelta) -> bool:
    """True when the periodic job `name` is due, for exactly one caller."""
    now = utcnow()
    return await repository.claim_period(session, name, now, now - every)


async def scan_counts(session: AsyncSession) -> dict[str, int]:
    """`{running, completed_today}` for system statistics (UTC day)."""
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return await repository.counts(session, midnight)


def check_targets(target_list: Sequence[str], limit: int) -> int:
    """How many addresses targets name (a hostname counts one), resolving nothing.

    Raises ScanTargetsError for a malformed target or more than `limit` addresses.
    """
    cleaned = [t.strip() for t in target_list]
    if not cleaned or not all(0 < len(t) <= targets.MAX_TARGET_TEXT for t in cleaned):
        raise ScanTargetsError("targets: give 1 or more targets of 1-255 characters")
    total = sum(targets.check_size(t, limit) for t in cleaned)
    if total > limit:
        raise targets.too_many(limit)
    return total


async def snmp_get(
    db: Sessionmaker, settings: Settings, request: SnmpGetRequest
) -> SnmpReading:
    """GET `request.oids` from one agent with a vault SNMP credential or a community."""
    return await reading.get(db, settings, request)
