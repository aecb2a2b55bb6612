"""Inventories and the devices their hosts are linked to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Inventory(Base):
    """An Ansible inventory (INI text) as Ansible Hub manages it."""

    __tablename__ = "inventory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(8), default="Off")
    ssh_status: Mapped[str] = mapped_column(String(16), default="Unconnected")
    group: Mapped[str] = mapped_column(String(200), default="Default")
    config: Mapped[str] = mapped_column(Text)
    last_tested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InventoryHost(Base):
    """One host of an inventory and the fleet device it stands for."""

    __tablename__ = "inventory_host"

    inventory_id: Mapped[int] = mapped_column(
        ForeignKey("inventory.id", ondelete="CASCADE"), primary_key=True
    )
    host_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), index=True
    )
    # The login this inventory gives the host (its own, or a fleet login its
    # author may use); never the device's login by default.
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential.id", ondelete="SET NULL"), default=None
    )
