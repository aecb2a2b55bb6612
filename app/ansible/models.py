"""Ansible playbooks, their tasks, and the jobs that run them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

NOT_STARTED = "Not start"


class AnsiblePlaybook(Base):
    """A playbook as the Ansible Hub edits it: one play header and ordered tasks."""

    __tablename__ = "ansible_playbook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    main: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=NOT_STARTED)
    last_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tasks: Mapped[list[AnsibleTask]] = relationship(
        lazy="raise",
        order_by="AnsibleTask.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class AnsibleTask(Base):
    """One task of a playbook: YAML text, switched on or off."""

    __tablename__ = "ansible_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(
        ForeignKey("ansible_playbook.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    content: Mapped[str] = mapped_column(Text)


class AnsibleJob(Base):
    """A request to run playbooks one after another against an inventory."""

    __tablename__ = "ansible_job"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    inventory_id: Mapped[int | None]
    extra_vars: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    # Renewed by the worker while it runs the job; a lapsed lease means it died.
    lease_expires_at: Mapped[datetime | None]
    # The execution mirroring this job (status, hosts, event stream); null only
    # for jobs queued before jobs became executions.
    execution_uuid: Mapped[str | None] = mapped_column(
        String(36), unique=True, index=True
    )
    playbooks: Mapped[list[AnsibleJobPlaybook]] = relationship(
        lazy="raise",
        order_by="AnsibleJobPlaybook.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class AnsibleJobPlaybook(Base):
    """One playbook of a job: its YAML as rendered at job creation, and its run."""

    __tablename__ = "ansible_job_playbook"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(
        ForeignKey("ansible_job.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    playbook_id: Mapped[int | None] = mapped_column(
        ForeignKey("ansible_playbook.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    rendered: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    output: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
