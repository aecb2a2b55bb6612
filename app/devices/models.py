"""Devices (servers, hosts) and the groups that hold them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

device_group_member = Table(
    "device_group_member",
    Base.metadata,
    Column(
        "group_id", ForeignKey("device_group.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("device_id", ForeignKey("device.id", ondelete="CASCADE"), primary_key=True),
)


class Group(Base):
    """A named set of devices (biRun server group, OpsConductor group)."""

    __tablename__ = "device_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    devices: Mapped[list[Device]] = relationship(
        secondary=device_group_member, lazy="raise", back_populates="groups"
    )


class Device(Base):
    """One managed host: a biRun server, an OpsConductor device, an Ansible host."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    hostname: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(255), index=True)
    port: Mapped[int] = mapped_column(default=22)
    username: Mapped[str | None] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    device_type: Mapped[str] = mapped_column(String(50), default="server")
    vendor: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    software_version: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    last_seen: Mapped[datetime | None]
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential.id", ondelete="SET NULL"), index=True
    )
    host_key: Mapped[str | None] = mapped_column(Text)
    interfaces: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    health_status: Mapped[str] = mapped_column(String(16), default="unknown")
    health_message: Mapped[str | None] = mapped_column(String(500))
    uptime_seconds: Mapped[int | None]
    load_1min: Mapped[float | None]
    disk_usage: Mapped[float | None]
    memory_usage: Mapped[float | None]
    last_health_check: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    groups: Mapped[list[Group]] = relationship(
        secondary=device_group_member, lazy="raise", back_populates="devices"
    )
