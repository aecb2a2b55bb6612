"""Every SQL statement of the playbooks domain."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.playbooks.models import Playbook


async def get(session: AsyncSession, playbook_id: int) -> Playbook | None:
    """The playbook with this id."""
    return await session.get(Playbook, playbook_id)


async def by_name(session: AsyncSession, name: str) -> Playbook | None:
    """The playbook with this name."""
    return await session.scalar(select(Playbook).where(Playbook.name == name))


def matching(is_active: bool | None) -> Select[tuple[Playbook]]:
    """Playbooks, optionally only active or inactive ones, unordered."""
    query = select(Playbook)
    if is_active is not None:
        query = query.where(Playbook.is_active == is_active)
    return query


async def list_playbooks(
    session: AsyncSession, skip: int, limit: int, is_active: bool | None
) -> list[Playbook]:
    """Playbooks by id, optionally only active or inactive ones."""
    query = matching(is_active).order_by(Playbook.id).offset(skip).limit(limit)
    return list(await session.scalars(query))


async def delete(session: AsyncSession, playbook: Playbook) -> None:
    """Remove a playbook (its executions keep their history)."""
    await session.delete(playbook)
    await session.flush()
