"""SQL of the notifications domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Page, fetch_page
from app.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationCursor,
    NotificationDelivery,
    NotificationRule,
    NotificationTemplate,
)


async def channels(
    session: AsyncSession, page: Page
) -> tuple[list[NotificationChannel], int]:
    """One page of the channels by id, and how many there are."""
    return await fetch_page(
        session, select(NotificationChannel).order_by(NotificationChannel.id), page
    )


async def channels_by_ids(
    session: AsyncSession, ids: list[int]
) -> Sequence[NotificationChannel]:
    """The channels among `ids` that exist."""
    query = select(NotificationChannel).where(NotificationChannel.id.in_(ids))
    return (await session.scalars(query)).all()


async def templates(
    session: AsyncSession, page: Page
) -> tuple[list[NotificationTemplate], int]:
    """One page of the templates by id, and how many there are."""
    return await fetch_page(
        session, select(NotificationTemplate).order_by(NotificationTemplate.id), page
    )


async def rules(
    session: AsyncSession, page: Page
) -> tuple[list[NotificationRule], int]:
    """One page of the rules by id, and how many there are."""
    return await fetch_page(
        session, select(NotificationRule).order_by(NotificationRule.id), page
    )


async def enabled_rules_for(
    session: AsyncSession, event_type: str
) -> Sequence[NotificationRule]:
    """Enabled rules listening for `event_type` (or for every event, `*`)."""
    query = select(NotificationRule).where(
        NotificationRule.enabled.is_(True),
        NotificationRule.event_type.in_([event_type, "*"]),
    )
    return (await session.scalars(query.order_by(NotificationRule.id))).all()


async def name_used(
    session: AsyncSession,
    model: type[NotificationChannel] | type[NotificationTemplate],
    name: str,
    except_id: int | None,
) -> bool:
    """True when another row of `model` is called `name`."""
    query = select(func.count()).select_from(model).where(model.name == name)
    if except_id is not None:
        query = query.where(model.id != except_id)
    return bool(await session.scalar(query))


async def cursor(session: AsyncSession, name: str) -> int:
    """The last seq the dispatcher finished on `name`'s stream."""
    row = await session.get(NotificationCursor, name)
    return 0 if row is None else row.last_seq


async def advance_cursor(session: AsyncSession, name: str, seq: int) -> None:
    """Record that everything up to `seq` has been dispatched."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(NotificationCursor).values(name=name, last_seq=seq)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[NotificationCursor.name], set_={"last_seq": seq}
        )
    )


async def claim_delivery(
    session: AsyncSession, delivery_id: int, now: datetime
) -> NotificationDelivery | None:
    """Move a queued delivery to `sending` (one attempt more); None if not queued."""
    stmt = (
        update(NotificationDelivery)
        .where(
            NotificationDelivery.id == delivery_id,
            NotificationDelivery.status == "queued",
        )
        .values(
            status="sending",
            attempts=NotificationDelivery.attempts + 1,
            claimed_at=now,
        )
        .returning(NotificationDelivery)
    )
    return (await session.scalars(stmt)).one_or_none()


async def requeue_due(
    session: AsyncSession, now: datetime, stale_after: timedelta
) -> list[int]:
    """Queue again retries that are due and sends whose worker vanished."""
    due = (
        (NotificationDelivery.status == "retrying")
        & (NotificationDelivery.next_attempt_at <= now)
    ) | (
        (NotificationDelivery.status == "sending")
        & (NotificationDelivery.claimed_at < now - stale_after)
    )
    stmt = (
        update(NotificationDelivery)
        .where(due)
        .values(status="queued")
        .returning(NotificationDelivery.id)
    )
    return list((await session.scalars(stmt)).all())


async def deliveries(
    session: AsyncSession, limit: int = 100
) -> Sequence[NotificationDelivery]:
    """The newest deliveries first."""
    query = select(NotificationDelivery).order_by(NotificationDelivery.id.desc())
    return (await session.scalars(query.limit(limit))).all()


async def attempts_of(
    session: AsyncSession, delivery_ids: list[int]
) -> Sequence[NotificationAttempt]:
    """The attempts of `delivery_ids`, oldest first."""
    query = (
        select(NotificationAttempt)
        .where(NotificationAttempt.delivery_id.in_(delivery_ids))
        .order_by(NotificationAttempt.id)
    )
    return (await session.scalars(query)).all()


def channel_query(
    channel_type: str | None, enabled: bool | None, search: str | None
) -> Select[tuple[NotificationChannel]]:
    """The channels matching the filters, unordered."""
    query = select(NotificationChannel)
    if channel_type:
        query = query.where(NotificationChannel.channel_type == channel_type)
    if enabled is not None:
        query = query.where(NotificationChannel.enabled.is_(enabled))
    if search:
        query = query.where(NotificationChannel.name.icontains(search, autoescape=True))
    return query


def template_query(search: str | None) -> Select[tuple[NotificationTemplate]]:
    """The templates whose name contains `search`, unordered."""
    query = select(NotificationTemplate)
    if search:
        query = query.where(
            NotificationTemplate.name.icontains(search, autoescape=True)
        )
    return query


def rule_query(
    event_type: str | None, enabled: bool | None
) -> Select[tuple[NotificationRule]]:
    """The rules matching the filters, unordered."""
    query = select(NotificationRule)
    if event_type:
        query = query.where(NotificationRule.event_type == event_type)
    if enabled is not None:
        query = query.where(NotificationRule.enabled.is_(enabled))
    return query


def delivery_query(
    status: str | None, channel_id: int | None, event_type: str | None
) -> Select[tuple[NotificationDelivery]]:
    """The deliveries matching the filters, unordered."""
    query = select(NotificationDelivery)
    if status:
        query = query.where(NotificationDelivery.status == status)
    if channel_id is not None:
        query = query.where(NotificationDelivery.channel_id == channel_id)
    if event_type:
        query = query.where(NotificationDelivery.event_type == event_type)
    return query
