"""Notification channels, templates, rules, deliveries and the dispatcher cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class NotificationChannel(Base):
    """Where notifications go: a Slack webhook, a generic webhook or SMTP."""

    __tablename__ = "notification_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel_type: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]]
    secret_config: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_test_at: Mapped[datetime | None]
    last_test_success: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationTemplate(Base):
    """A Jinja2 (sandboxed) subject and body, plain text or HTML."""

    __tablename__ = "notification_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10), default="text")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationRule(Base):
    """Send through `channel_ids` when an event of `event_type` meets `conditions`."""

    __tablename__ = "notification_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    conditions: Mapped[dict[str, Any]]
    channel_ids: Mapped[list[int]] = mapped_column(JSON)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_template.id", ondelete="SET NULL")
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationDelivery(Base):
    """One rendered message for one channel, and where its sending stands."""

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("rule_id", "channel_id", "event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_rule.id", ondelete="SET NULL")
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("notification_channel.id", ondelete="CASCADE"), index=True
    )
    event_seq: Mapped[int | None] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10), default="text")
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    """One try at sending one delivery, successful or not."""

    __tablename__ = "notification_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("notification_delivery.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    success: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class NotificationCursor(Base):
    """How far the dispatcher has read a stream; advanced with its deliveries."""

    __tablename__ = "notification_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
