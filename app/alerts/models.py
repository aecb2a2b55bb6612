"""Alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

OPEN = ("active", "acknowledged")


class Alert(Base):
    """A condition someone should look at; at most one open alert per dedupe key."""

    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "uq_alert_open_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
            sqlite_where=text("status <> 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(15), default="active", index=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    device_id: Mapped[int | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None]
