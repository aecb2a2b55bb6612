"""Node types run by the scans service: a discovery scan, and an SNMP GET."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import uuid
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from app.db import unit_of_work
from app.errors import DomainError
from app.scans import service as scans_service
from app.settings import Settings
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import NodeConfig
from app.workflows.templating import is_template

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
RUNNING, COMPLETED = "running", "completed"
# Saving checks targets against the default limit (a /22); the run is checked
# again by the scans service against the configured OPSGRAPH_SCAN_MAX_TARGETS.
SAVE_TARGET_LIMIT: int = Settings.model_fields["scan_max_targets"].default


def _literal(values: list[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and not is_template(v)]


class ScanConfig(NodeConfig):
    targets: list[str] = Field(min_length=1, max_length=64)
    scan_type: Literal["discovery", "ping", "snmp", "ssh"] = "discovery"
    options: scans_service.ScanOptions = Field(
        default_factory=scans_service.ScanOptions
    )

    @field_validator("targets", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """A string of targets separated by commas or spaces is a list."""
        if isinstance(value, str) and not is_template(value):
            return [t for t in value.replace(",", " ").split() if t]
        return value

    @field_validator("targets")
    @classmethod
    def _bounded(cls, value: list[str]) -> list[str]:
        literal = _literal(value)
        if literal:
            try:
                scans_service.check_targets(literal, SAVE_TARGET_LIMIT)
            except DomainError as exc:
                raise ValueError(exc.message) from exc
        return value


class SnmpGetConfig(NodeConfig):
    host: str | None = Field(default=None, min_length=1, max_length=255)
    device_id: int | None = Field(default=None, ge=1)
    oids: list[str] = Field(min_length=1, max_length=scans_service.SNMP_GET_MAX_OIDS)
    credential_id: int | None = Field(default=None, ge=1)
    community: str | None = Field(default=None, min_length=1, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    timeout: float = Field(default=2.0, gt=0, le=30)
    retries: int = Field(default=1, ge=0, le=5)

    @field_validator("oids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        literal = _literal(value)
        if literal:
            try:
                scans_service.check_oids(literal)
            except DomainError as exc:
                raise ValueError(exc.message) from exc
        return value

    @model_validator(mode="after")
    def _one_of_each(self) -> SnmpGetConfig:
        if (self.host is None) == (self.device_id is None):
            raise ValueError("give exactly one of host or device_id")
        if (self.credential_id is None) == (self.community is None):
            raise ValueError("give exactly one of credential_id or community")
        return self


def preview_scan(config: ScanConfig) -> dict[str, Any]:
    """The scan a dry run would start, SNMP communities and v3 keys hidden."""
    options = config.options.model_dump(mode="json", exclude_none=True)
    return {
        "targets": config.targets,
        "scan_type": config.scan_type,
        "options": scans_service.public_options(options),
    }


def preview_snmp_get(config: SnmpGetConfig) -> dict[str, Any]:
    """The GET a dry run would send, the community hidden."""
    shown = config.model_dump(mode="json")
    if shown["community"] is not None:
        shown["community"] = "<hidden>"
    return shown


async def run_scan(config: ScanConfig, ctx: RunContext) -> dict[str, Any]:
    """Start a scan of the targets, wait for its end; cancelled with the workflow."""
    try:
        scan = await scans_service.start_scan(
            ctx.db,
            ctx.settings,
            scan_type=config.scan_type,
            target_list=config.targets,
            options=config.options.model_dump(exclude_none=True),
            user_id=None,
            # Checked when the workflow was saved (the author's permission).
            may_use_credentials=True,
        )
    except DomainError as exc:
        raise NodeFailedError(exc.message) from exc
    try:
        output = await _wait(ctx, scan.id)
    except asyncio.CancelledError:
        await _cancel(ctx, scan.id)
        raise
    if output["status"] != COMPLETED:
        reason = f": {output['error']}" if output["error"] else ""
        raise NodeFailedError(f"scan {scan.id} {output['status']}{reason}", output)
    return output


async def _wait(ctx: RunContext, scan_id: uuid.UUID) -> dict[str, Any]:
    while True:
        async with ctx.db() as session:
            scan = await scans_service.get_scan(session, scan_id)
            if scan.status != RUNNING:
                _, results = await scans_service.scan_results(session, scan_id)
                return _summary(scan, results)
        await asyncio.sleep(POLL_SECONDS)


def _summary(scan: Any, results: Any) -> dict[str, Any]:
    """The scan's counters and every address that answered anything."""
    answered = sorted(
        (r for r in results if r.reachable or r.snmp or r.ssh),
        key=lambda r: ipaddress.IPv4Address(r.address),
    )
    return {
        "scan_id": str(scan.id),
        "status": scan.status,
        "error": scan.error,
        "total_targets": scan.total_targets,
        "completed_targets": scan.completed_targets,
        "discovered_devices": scan.discovered_devices,
        "answered": len(answered),
        "hosts": [_host(r) for r in answered],
    }


def _host(result: Any) -> dict[str, Any]:
    return {
        "address": result.address,
        "hostname": result.hostname,
        "reachable": result.reachable,
        "method": result.method,
        "latency_ms": result.latency_ms,
        "open_ports": result.open_ports,
        "snmp": result.snmp,
        "ssh": result.ssh,
        "device_id": result.device_id,
    }


async def _cancel(ctx: RunContext, scan_id: uuid.UUID) -> None:
    """Stop the scan of a node the workflow gave up on (timeout, cancel)."""
    try:
        async with unit_of_work(ctx.db) as session:
            await scans_service.cancel_scan(session, scan_id)
    except (DomainError, OSError):
        log.warning("workflow node %s: scan %s not cancelled", ctx.node_id, scan_id)


async def run_snmp_get(config: SnmpGetConfig, ctx: RunContext) -> dict[str, Any]:
    """GET the OIDs; fails when the agent is silent or lacks one of them."""
    request = scans_service.SnmpGetRequest(
        oids=config.oids,
        address=config.host,
        device_id=config.device_id,
        credential_id=config.credential_id,
        community=config.community,
        port=config.port,
        timeout=config.timeout,
        retries=config.retries,
    )
    try:
        reading = await scans_service.snmp_get(ctx.db, ctx.settings, request)
    except DomainError as exc:
        raise NodeFailedError(exc.message) from exc
    output = {
        "host": reading.address,
        "port": reading.port,
        "auth": reading.auth,
        "varbinds": reading.varbinds,
        "by_oid": {v["oid"]: v["value"] for v in reading.varbinds},
        "missing": reading.missing,
    }
    if reading.missing:
        raise NodeFailedError(
            f"agent has no value for {', '.join(reading.missing)}", output
        )
    return output
