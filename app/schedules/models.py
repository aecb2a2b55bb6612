"""Schedules and the record of every time one fired (or was skipped)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.users import models as _users  # noqa: F401  `user`, an FK target
from app.workflows import models as _workflows  # noqa: F401  FK targets

OPEN_SCRIPT_FIRE = "status = 'fired' AND script_execution_id IS NOT NULL"


class Schedule(Base):
    """When to start something: a cron expression in a zone, or a fixed interval.

    `target` is `workflow` (OpsConductor scheduler jobs) or `script` (biRun
    schedules: a script on a set of servers).
    """

    __tablename__ = "schedule"
    __table_args__ = (Index(None, "enabled", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(20), default="workflow")
    workflow_id: Mapped[str | None] = mapped_column(
        ForeignKey("workflow.id", ondelete="CASCADE"), index=True
    )
    script_id: Mapped[int | None]
    server_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    schedule_type: Mapped[str] = mapped_column(String(20), default="cron")
    cron_expression: Mapped[str | None] = mapped_column(String(200))
    interval_seconds: Mapped[int | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScheduleFire(Base):
    """One due time of one schedule: fired, skipped (missed) or failed to start.

    A script fire then ends with its execution's outcome (`completed`, `failed`
    or `cancelled`).

    The unique (schedule_id, fire_time) pair is what makes a fire happen once,
    however many schedulers race for it.
    """

    __tablename__ = "schedule_fire"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time"),
        # The scheduler looks for script fires whose execution may have ended on
        # every pass: only those still `fired` are indexed.
        Index(
            "ix_schedule_fire_open_script",
            "id",
            postgresql_where=text(OPEN_SCRIPT_FIRE),
            sqlite_where=text(OPEN_SCRIPT_FIRE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE")
    )
    fire_time: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    missed_count: Mapped[int] = mapped_column(default=0)
    manual: Mapped[bool] = mapped_column(default=False)
    workflow_execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("workflow_execution.id", ondelete="SET NULL")
    )
    script_execution_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
