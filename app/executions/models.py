"""An execution of a playbook, script or command, and its per-host results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

PENDING, RUNNING = "pending", "running"
COMPLETED, FAILED, CANCELLED = "completed", "failed", "cancelled"
STATUSES = (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED)
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})


def _new_uuid() -> str:
    return str(uuid.uuid4())


class Execution(Base):
    """One run: its plan, its state machine, its lease and its outcome."""

    __tablename__ = "execution"
    __table_args__ = (Index("ix_execution_status_lease", "status", "lease_expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_new_uuid)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    playbook_id: Mapped[int | None] = mapped_column(
        ForeignKey("playbook.id", ondelete="SET NULL"), index=True
    )
    script_id: Mapped[int | None] = mapped_column(
        ForeignKey("script.id", ondelete="SET NULL"), index=True
    )
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    device_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    timeout: Mapped[int] = mapped_column(default=60)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_message: Mapped[str | None] = mapped_column(Text)
    hosts_total: Mapped[int] = mapped_column(default=0)
    hosts_done: Mapped[int] = mapped_column(default=0)
    lease_token: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    created_by: Mapped[int | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    long_running_alerted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExecutionHost(Base):
    """The outcome on one host: status, exit code, output tails, timings."""

    __tablename__ = "execution_host"

    id: Mapped[int] = mapped_column(primary_key=True)
    execution_id: Mapped[int] = mapped_column(
        ForeignKey("execution.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(index=True)
    host: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    exit_code: Mapped[int | None]
    stdout: Mapped[str] = mapped_column(Text, default="")
    stderr: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
