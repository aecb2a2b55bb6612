"""Discovery scans and their per-target results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

ACTIVE = "running"
FINISHED = ("completed", "failed", "cancelled")


class Scan(Base):
    """One discovery scan: what was named, how far it got, what it found."""

    __tablename__ = "scan"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(50))
    targets: Mapped[list[str]] = mapped_column(JSON)
    addresses: Mapped[list[str]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total_targets: Mapped[int] = mapped_column(Integer, default=0)
    completed_targets: Mapped[int] = mapped_column(Integer, default=0)
    discovered_devices: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    claim: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class ScanResult(Base):
    """What probing one address of a scan found."""

    __tablename__ = "scan_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scan.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(64))
    hostname: Mapped[str | None] = mapped_column(String(255), default=None)
    reachable: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(10))
    latency_ms: Mapped[float | None] = mapped_column(default=None)
    open_ports: Mapped[list[int]] = mapped_column(JSON, default=list)
    # None is stored as SQL NULL, not JSON null, so `IS NULL` means "no answer".
    snmp: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )
    ssh: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )
    device_id: Mapped[int | None] = mapped_column(Integer, default=None)
    discovered: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanDefaults(Base):
    """The one row of scan and poller defaults the legacy dashboard edits."""

    __tablename__ = "scan_defaults"

    id: Mapped[int] = mapped_column(primary_key=True)
    values: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PeriodicRun(Base):
    """When a periodic job (the interface poll) last fired, shared by all workers."""

    __tablename__ = "scan_periodic_run"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_at: Mapped[datetime]
