"""Every SQL statement of the federations domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.federations.models import Federation


async def federations(
    session: AsyncSession, org_id: uuid.UUID, limit: int, offset: int
) -> Sequence[Federation]:
    """An organisation's federations, oldest first."""
    query = (
        federation_query(org_id)
        .order_by(Federation.created_at, Federation.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


def federation_query(org_id: uuid.UUID | None) -> Select[tuple[Federation]]:
    """The federations of `org_id` (of every organisation if None), unordered."""
    query = select(Federation)
    if org_id is not None:
        query = query.where(Federation.org_id == org_id)
    return query


async def name_used(
    session: AsyncSession, org_id: uuid.UUID, name: str, except_id: uuid.UUID | None
) -> bool:
    """True if another federation of `org_id` is called `name`."""
    query = select(Federation.id).where(
        Federation.org_id == org_id, Federation.name == name
    )
    if except_id is not None:
        query = query.where(Federation.id != except_id)
    return (await session.scalar(query.limit(1))) is not None
