"""Stored runtime settings and their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class RuntimeSetting(Base):
    """One operator-changed setting; absent keys use the process default."""

    __tablename__ = "runtime_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None]


class RuntimeSettingChange(Base):
    """One audited change of one setting: who, when, from what, to what."""

    __tablename__ = "runtime_setting_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON)
    changed_by: Mapped[int | None]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
