"""Which OpsGraph device is which NetBox device."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class NetboxLink(Base):
    """An OpsGraph device and the NetBox device it was synced to or imported from."""

    __tablename__ = "netbox_device_link"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    netbox_id: Mapped[int] = mapped_column(unique=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
