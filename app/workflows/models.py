"""Workflows, their folders and tags, and the record of every run."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.users import models as _users  # noqa: F401  `user`, an FK target


def new_id() -> str:
    """A fresh uuid string: OpsConductor's workflow ids are uuids."""
    return str(uuid.uuid4())


workflow_tag_link = Table(
    "workflow_tag_link",
    Base.metadata,
    Column(
        "workflow_id",
        ForeignKey("workflow.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "tag_id", ForeignKey("workflow_tag.id", ondelete="CASCADE"), primary_key=True
    ),
)


class WorkflowFolder(Base):
    """A folder grouping workflows; deleting it leaves its workflows unfiled."""

    __tablename__ = "workflow_folder"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkflowTag(Base):
    """A label attached to workflows, unique by name."""

    __tablename__ = "workflow_tag"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    color: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Workflow(Base):
    """A DAG of typed nodes joined by (optionally conditional) edges."""

    __tablename__ = "workflow"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    edges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    folder_id: Mapped[str | None] = mapped_column(
        ForeignKey("workflow_folder.id", ondelete="SET NULL"), index=True
    )
    is_template: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None]
    last_run_status: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    tags: Mapped[list[WorkflowTag]] = relationship(
        secondary=workflow_tag_link, lazy="raise", order_by=WorkflowTag.name
    )


class WorkflowExecution(Base):
    """One run of a workflow: the graph it ran, its trigger and its outcome."""

    __tablename__ = "workflow_execution"
    __table_args__ = (Index(None, "workflow_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workflow_id: Mapped[str] = mapped_column(
        ForeignKey("workflow.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    trigger_type: Mapped[str] = mapped_column(String(20), default="manual")
    trigger_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    test_mode: Mapped[bool] = mapped_column(default=False)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    lease_token: Mapped[str | None] = mapped_column(String(36))
    lease_expires_at: Mapped[datetime | None]
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class WorkflowNodeResult(Base):
    """What one node of one execution did: status, output and timings."""

    __tablename__ = "workflow_node_result"
    __table_args__ = (UniqueConstraint("execution_id", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("workflow_execution.id", ondelete="CASCADE")
    )
    node_id: Mapped[str] = mapped_column(String(100))
    node_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]


class WorkflowEventCursor(Base):
    """How far event-triggered workflows have read a stream (one row per stream)."""

    __tablename__ = "workflow_event_cursor"

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class WorkflowCronTrigger(Base):
    """A cron trigger node of a workflow and when it is next due.

    Rewritten whenever the workflow's graph is saved; the scheduler leader starts
    the workflow at each due time and moves `next_run_at` in the same transaction.
    """

    __tablename__ = "workflow_cron_trigger"

    workflow_id: Mapped[str] = mapped_column(
        ForeignKey("workflow.id", ondelete="CASCADE"), primary_key=True
    )
    node_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cron_expression: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None]
