"""Recording and reading the audit trail; other domains call `record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.models import AuditEntry
from app.db import Sessionmaker, unit_of_work

MAX_PAGE = 500


@dataclass(frozen=True)
class Actor:
    """Who acted and from where; every field may be unknown."""

    user_id: int | None = None
    username: str | None = None
    client: str | None = None


async def record(
    session: AsyncSession,
    action: str,
    actor: Actor,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one entry to the trail inside the caller's transaction."""
    session.add(
        AuditEntry(
            action=action,
            user_id=actor.user_id,
            username=actor.username[:150] if actor.username else None,
            client=actor.client,
            target=target,
            details=details or {},
        )
    )
    await session.flush()


async def record_apart(
    db: Sessionmaker,
    action: str,
    actor: Actor,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own: for failures whose own work rolls back."""
    async with unit_of_work(db) as session:
        await record(session, action, actor, target=target, details=details)


def entry_query(action: str | None, user_id: int | None) -> Select[tuple[AuditEntry]]:
    """Entries of one action and/or one user, unordered (for keyset pages)."""
    return repository.matching(action, user_id)


async def list_entries(
    session: AsyncSession,
    *,
    action: str | None = None,
    user_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """A page of entries, newest first."""
    return await repository.entries(
        session,
        action=action,
        user_id=user_id,
        limit=max(1, min(limit, MAX_PAGE)),
        offset=max(0, offset),
    )
