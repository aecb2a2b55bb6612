"""Credentials encrypted at rest, their rotation history and audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

ACTIVE, EXPIRED = "active", "expired"


class Credential(Base):
    """A named secret (ssh, snmp or api_key); `secret` is AES-GCM sealed JSON."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credential_type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100), default="general")
    environment: Mapped[str] = mapped_column(String(100), default="production")
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    description: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str | None] = mapped_column(String(150))
    port: Mapped[int | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key_id: Mapped[str] = mapped_column(String(32))
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=1)
    expires_at: Mapped[datetime | None]
    last_rotated_at: Mapped[datetime | None]
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CredentialHistory(Base):
    """A secret a credential held before it was rotated, still sealed."""

    __tablename__ = "credential_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    key_id: Mapped[str] = mapped_column(String(32))
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    rotated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_by: Mapped[int | None]


class CredentialAudit(Base):
    """One audited action on a credential; kept after the credential is deleted."""

    __tablename__ = "credential_audit"
    __table_args__ = (Index("ix_credential_audit_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int | None] = mapped_column(index=True)
    credential_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    success: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None]
    username: Mapped[str | None] = mapped_column(String(150))
    client: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
