"""SQL of the alerts domain."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import OPEN, Alert
from app.db import Page, fetch_page


async def by_id(session: AsyncSession, alert_id: int) -> Alert | None:
    """The alert with `alert_id`, locked for update."""
    return await session.get(Alert, alert_id, with_for_update=True)


async def open_by_key(session: AsyncSession, key: str) -> Alert | None:
    """The open (active or acknowledged) alert with dedupe key `key`."""
    query = select(Alert).where(Alert.dedupe_key == key, Alert.status.in_(OPEN))
    return await session.scalar(query.with_for_update())


async def listing(
    session: AsyncSession,
    status: str | None,
    severity: str | None,
    source: str | None,
    page: Page,
) -> tuple[list[Alert], int]:
    """One page of the alerts matching the filters, newest first, and the total."""
    query = filtered(status, severity, source).order_by(Alert.id.desc())
    return await fetch_page(session, query, page)


def filtered(
    status: str | None, severity: str | None, source: str | None
) -> Select[tuple[Alert]]:
    """The alerts matching the filters, unordered."""
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    if severity:
        query = query.where(Alert.severity == severity)
    if source:
        query = query.where(Alert.source == source)
    return query


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """Alert counts keyed by status."""
    query = select(Alert.status, func.count()).group_by(Alert.status)
    return {status: int(n) for status, n in (await session.execute(query)).all()}
