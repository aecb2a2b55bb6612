"""Every SQL statement of the credential vault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.credentials.models import (
    ACTIVE,
    EXPIRED,
    Credential,
    CredentialAudit,
    CredentialHistory,
)
from app.db import Page, contains, fetch_page


@dataclass(frozen=True)
class CredentialFilter:
    """Filters of the credential list."""

    credential_type: str | None = None
    category: str | None = None
    environment: str | None = None
    status: str | None = None
    include_expired: bool = True
    search: str | None = None


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the credential audit log."""

    credential_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 100
    offset: int = 0


async def by_id(session: AsyncSession, credential_id: int) -> Credential | None:
    """The credential with `credential_id`."""
    return await session.get(Credential, credential_id)


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Credential]:
    """The credentials among `ids` that exist."""
    if not ids:
        return []
    return list(await session.scalars(select(Credential).where(Credential.id.in_(ids))))


async def logins(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[str | None, str, bytes]]:
    """Username, key id and sealed secret of the credentials among `ids`."""
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Credential.id, Credential.username, Credential.key_id, Credential.secret
        ).where(Credential.id.in_(ids))
    )
    return {cid: (username, key_id, secret) for cid, username, key_id, secret in rows}


async def by_name(session: AsyncSession, name: str) -> Credential | None:
    """The credential called `name`."""
    return await session.scalar(select(Credential).where(Credential.name == name))


def filtered(f: CredentialFilter, now: datetime) -> Select[tuple[Credential]]:
    """The credentials matching `f` at `now`, unordered."""
    query = select(Credential)
    for column, value in (
        (Credential.credential_type, f.credential_type),
        (Credential.category, f.category),
        (Credential.environment, f.environment),
    ):
        if value:
            query = query.where(column == value)
    if f.status:
        query = query.where(_status_is(f.status, now))
    if not f.include_expired:
        query = query.where(
            or_(Credential.expires_at.is_(None), Credential.expires_at > now)
        )
    if f.search:
        query = query.where(contains(Credential.name, f.search))
    return query


def _status_is(status: str, now: datetime) -> ColumnElement[bool]:
    """The status as reported: an active credential past its expiry is expired."""
    lapsed = Credential.expires_at.is_not(None) & (Credential.expires_at <= now)
    if status == EXPIRED:
        return (Credential.status == EXPIRED) | ((Credential.status == ACTIVE) & lapsed)
    if status == ACTIVE:
        return (Credential.status == ACTIVE) & ~lapsed
    return Credential.status == status


async def expire_lapsed(session: AsyncSession, now: datetime) -> list[Credential]:
    """Mark active credentials past their expiry expired; the ones this call changed.

    A conditional update: of concurrent callers, each row is changed by one.
    """
    stmt = (
        update(Credential)
        .where(
            Credential.status == ACTIVE,
            Credential.expires_at.is_not(None),
            Credential.expires_at <= now,
        )
        .values(status=EXPIRED)
        .returning(Credential)
    )
    return list((await session.execute(stmt)).scalars())


async def list_credentials(
    session: AsyncSession, f: CredentialFilter, now: datetime, page: Page
) -> tuple[list[Credential], int]:
    """One page of the credentials matching `f`, by id, and the total."""
    return await fetch_page(session, filtered(f, now).order_by(Credential.id), page)


async def all_credentials(session: AsyncSession) -> list[Credential]:
    """Every credential, locked for update (key rotation)."""
    return list(
        await session.scalars(
            select(Credential).order_by(Credential.id).with_for_update()
        )
    )


async def all_history(session: AsyncSession) -> list[CredentialHistory]:
    """Every retired secret, locked for update (key rotation)."""
    return list(
        await session.scalars(
            select(CredentialHistory).order_by(CredentialHistory.id).with_for_update()
        )
    )


async def history(session: AsyncSession, credential_id: int) -> list[CredentialHistory]:
    """The retired secrets of one credential, newest first."""
    query = (
        select(CredentialHistory)
        .where(CredentialHistory.credential_id == credential_id)
        .order_by(CredentialHistory.version.desc())
    )
    return list(await session.scalars(query))


async def audit_entries(
    session: AsyncSession, f: AuditFilter
) -> tuple[list[CredentialAudit], int]:
    """Audit rows matching `f`, newest first, and how many match in all."""
    query = select(CredentialAudit)
    for column, value in (
        (CredentialAudit.credential_id, f.credential_id),
        (CredentialAudit.user_id, f.user_id),
        (CredentialAudit.action, f.action),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.start is not None:
        query = query.where(CredentialAudit.created_at >= f.start)
    if f.end is not None:
        query = query.where(CredentialAudit.created_at <= f.end)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(CredentialAudit.id.desc()).limit(f.limit).offset(f.offset)
    )
    return list(rows), int(total or 0)
