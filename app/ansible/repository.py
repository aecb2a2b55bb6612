"""Every SQL statement of the Ansible Hub domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.ansible.models import AnsibleJob, AnsibleJobPlaybook, AnsiblePlaybook


def _filtered(
    search: str | None, type_: str | None, status: str | None
) -> Select[tuple[AnsiblePlaybook]]:
    query = select(AnsiblePlaybook)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AnsiblePlaybook.name.ilike(f"%{escaped}%", escape="\\"))
    if type_:
        query = query.where(AnsiblePlaybook.type == type_)
    if status:
        query = query.where(AnsiblePlaybook.status == status)
    return query


def playbooks_matching(
    search: str | None, type_: str | None, status: str | None
) -> Select[tuple[AnsiblePlaybook]]:
    """The playbooks matching the filters with their tasks, unordered."""
    return _filtered(search, type_, status).options(selectinload(AnsiblePlaybook.tasks))


async def list_playbooks(
    session: AsyncSession,
    *,
    search: str | None,
    type_: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[AnsiblePlaybook], int]:
    """One page of playbooks matching the filters, and how many match in all."""
    query = _filtered(search, type_, status)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(AnsiblePlaybook.id).offset(offset).limit(limit)
    )
    return list(rows), int(total or 0)


async def playbook_by_id(
    session: AsyncSession, playbook_id: int, *, for_update: bool = False
) -> AnsiblePlaybook | None:
    """The playbook with its tasks, or None."""
    query = (
        select(AnsiblePlaybook)
        .where(AnsiblePlaybook.id == playbook_id)
        .options(selectinload(AnsiblePlaybook.tasks))
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def playbooks_by_ids(
    session: AsyncSession, ids: list[int]
) -> dict[int, AnsiblePlaybook]:
    """The playbooks among `ids` that exist, with their tasks, by id."""
    rows = await session.scalars(
        select(AnsiblePlaybook)
        .where(AnsiblePlaybook.id.in_(ids))
        .options(selectinload(AnsiblePlaybook.tasks))
    )
    return {p.id: p for p in rows}


async def name_taken(
    session: AsyncSession, name: str, except_id: int | None = None
) -> bool:
    """Whether another playbook already has `name`."""
    query = select(AnsiblePlaybook.id).where(AnsiblePlaybook.name == name)
    if except_id is not None:
        query = query.where(AnsiblePlaybook.id != except_id)
    return (await session.scalar(query.limit(1))) is not None


async def set_playbook_result(
    session: AsyncSession, playbook_id: int, status: str, at: datetime
) -> None:
    """Record the latest run's result on a playbook."""
    await session.execute(
        update(AnsiblePlaybook)
        .where(AnsiblePlaybook.id == playbook_id)
        .values(status=status, last_run_at=at)
    )


async def job_by_id(
    session: AsyncSession, job_id: str, *, for_update: bool = False
) -> AnsibleJob | None:
    """The job with its playbooks, or None."""
    query = (
        select(AnsibleJob)
        .where(AnsibleJob.id == job_id)
        .options(selectinload(AnsibleJob.playbooks))
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def recent_jobs(session: AsyncSession, limit: int) -> list[AnsibleJob]:
    """The newest `limit` jobs with their playbooks, newest first."""
    query = (
        select(AnsibleJob)
        .order_by(AnsibleJob.created_at.desc())
        .limit(limit)
        .options(selectinload(AnsibleJob.playbooks))
    )
    return list((await session.scalars(query)).all())


async def claim_job(
    session: AsyncSession, job_id: str, at: datetime, lease_until: datetime
) -> bool:
    """Move a queued job to running; False when it is not queued (redelivery)."""
    result = await session.execute(
        update(AnsibleJob)
        .where(AnsibleJob.id == job_id, AnsibleJob.status == "queued")
        .values(status="running", started_at=at, lease_expires_at=lease_until)
        .returning(AnsibleJob.id)
    )
    return result.first() is not None


async def cancel_requested(session: AsyncSession, job_id: str) -> bool:
    """Whether someone asked to cancel the job."""
    flag = await session.scalar(
        select(AnsibleJob.cancel_requested).where(AnsibleJob.id == job_id)
    )
    return bool(flag)


async def job_playbook(
    session: AsyncSession, entry_id: int
) -> AnsibleJobPlaybook | None:
    """One playbook entry of a job."""
    return await session.get(AnsibleJobPlaybook, entry_id)


async def inventory_has_active_job(session: AsyncSession, inventory_id: int) -> bool:
    """Whether a queued or running job uses the inventory."""
    found = await session.scalar(
        select(AnsibleJob.id)
        .where(
            AnsibleJob.inventory_id == inventory_id,
            AnsibleJob.status.in_(("queued", "running")),
        )
        .limit(1)
    )
    return found is not None


async def renew_lease(session: AsyncSession, job_id: str, until: datetime) -> None:
    """Extend a running job's lease."""
    await session.execute(
        update(AnsibleJob)
        .where(AnsibleJob.id == job_id, AnsibleJob.status == "running")
        .values(lease_expires_at=until)
    )


async def lapsed_job_ids(session: AsyncSession, now: datetime) -> list[str]:
    """Running jobs whose worker stopped renewing the lease, locked."""
    rows = await session.scalars(
        select(AnsibleJob.id)
        .where(AnsibleJob.status == "running", AnsibleJob.lease_expires_at < now)
        .with_for_update(skip_locked=True)
    )
    return list(rows)
