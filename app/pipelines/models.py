"""Pipelines, their executions, recorded promotions and the trigger cursor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Pipeline(Base):
    """A named definition: the events that trigger it and the steps it runs."""

    __tablename__ = "pipeline"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(default=True)
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PipelineExecution(Base):
    """One run of a pipeline; `execution_log` holds one entry per step run."""

    __tablename__ = "pipeline_execution"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "event_seq"),
        Index("ix_pipeline_execution_started", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipeline.id", ondelete="CASCADE"), index=True
    )
    trigger_event: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    event_seq: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="started")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    lease_expires_at: Mapped[datetime | None]
    execution_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Promotion(Base):
    """An entity promoted from one environment to another by an auto_promote step."""

    __tablename__ = "pipeline_promotion"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    execution_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pipeline_execution.id", ondelete="SET NULL"), index=True
    )
    entity_type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    from_environment: Mapped[str] = mapped_column(String(100))
    to_environment: Mapped[str] = mapped_column(String(100))
    comments: Mapped[str | None] = mapped_column(Text)
    promoted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PipelineCursor(Base):
    """How far the trigger dispatcher has read a stream."""

    __tablename__ = "pipeline_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
