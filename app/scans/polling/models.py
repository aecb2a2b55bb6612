"""Polled interface state, optical power history and the poller's log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class DeviceInterface(Base):
    """The latest IF-MIB view of one interface of one device."""

    __tablename__ = "device_interface"
    __table_args__ = (UniqueConstraint("device_id", "if_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, index=True)
    if_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    alias: Mapped[str | None] = mapped_column(String(255))
    if_type: Mapped[int | None] = mapped_column(Integer)
    mtu: Mapped[int | None] = mapped_column(Integer)
    mac_address: Mapped[str | None] = mapped_column(String(32))
    admin_status: Mapped[str] = mapped_column(String(20))
    oper_status: Mapped[str] = mapped_column(String(20))
    speed_bps: Mapped[int | None] = mapped_column(BigInteger)
    in_octets: Mapped[int | None] = mapped_column(BigInteger)
    out_octets: Mapped[int | None] = mapped_column(BigInteger)
    in_errors: Mapped[int | None] = mapped_column(BigInteger)
    out_errors: Mapped[int | None] = mapped_column(BigInteger)
    rx_power_dbm: Mapped[float | None]
    tx_power_dbm: Mapped[float | None]
    polled_at: Mapped[datetime] = mapped_column(default=utcnow)


class PowerReading(Base):
    """One optical power sample of one interface."""

    __tablename__ = "power_reading"
    __table_args__ = (
        Index("ix_power_reading_device_time", "device_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer)
    if_index: Mapped[int] = mapped_column(Integer)
    interface: Mapped[str] = mapped_column(String(255))
    rx_power_dbm: Mapped[float | None]
    tx_power_dbm: Mapped[float | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollRun(Base):
    """One poll of one device: the poller's log line."""

    __tablename__ = "poll_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, index=True)
    address: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(500), default="")
    interfaces: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeviceNeighbor(Base):
    """A neighbour a device reports over LLDP or CDP, as last polled."""

    __tablename__ = "device_neighbor"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, index=True)
    protocol: Mapped[str] = mapped_column(String(8))
    local_port: Mapped[str] = mapped_column(String(255))
    remote_name: Mapped[str] = mapped_column(String(255))
    remote_port: Mapped[str] = mapped_column(String(255))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
