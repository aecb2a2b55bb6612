"""Every SQL statement of the audit domain."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry


def matching(action: str | None, user_id: int | None) -> Select[tuple[AuditEntry]]:
    """Entries of one action and/or one user (None: any), unordered."""
    query = select(AuditEntry)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    return query


async def entries(
    session: AsyncSession,
    *,
    action: str | None,
    user_id: int | None,
    limit: int,
    offset: int,
) -> list[AuditEntry]:
    """Entries, newest first, optionally of one action or one user."""
    query = matching(action, user_id).order_by(AuditEntry.id.desc())
    return list(await session.scalars(query.limit(limit).offset(offset)))
