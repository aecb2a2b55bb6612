"""Durable history: append events with their sequence numbers, read them back."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.db import Sessionmaker, utcnow
from app.events import transport
from app.events.models import EventStream, StoredEvent
from app.events.types import Event


async def append(
    session: AsyncSession, stream: str, items: Sequence[tuple[str, dict[str, Any]]]
) -> list[Event]:
    """Store `items` (type, data) on `stream` with the next sequence numbers.

    Inside a unit of work the events are published once it commits; elsewhere
    the caller publishes the returned events itself.

    The counter row is updated with one upsert, which holds its row lock until the
    transaction ends, so concurrent appenders never leave a gap or share a number.
    """
    if not items:
        return []
    last = await _reserve(session, stream, len(items))
    now = utcnow()
    first = last - len(items) + 1
    events = [
        Event(stream, first + i, kind, data, now)
        for i, (kind, data) in enumerate(items)
    ]
    session.add_all(
        StoredEvent(
            stream=e.stream, seq=e.seq, type=e.type, data=e.data, created_at=now
        )
        for e in events
    )
    await session.flush()
    db.after_commit(partial(transport.publish, events))
    return events


async def _reserve(session: AsyncSession, stream: str, count: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(EventStream)
        .values(name=stream, last_seq=count)
        .on_conflict_do_update(
            index_elements=[EventStream.name],
            set_={"last_seq": EventStream.last_seq + count},
        )
        .returning(EventStream.last_seq)
    )
    return int((await session.execute(stmt)).scalar_one())


async def history(
    db: Sessionmaker,
    stream: str,
    after_seq: int,
    *,
    limit: int = 1000,
    upto: int | None = None,
) -> list[Event]:
    """Stored events of `stream` after `after_seq` (up to `upto`), oldest first."""
    query = (
        select(StoredEvent)
        .where(StoredEvent.stream == stream, StoredEvent.seq > after_seq)
        .order_by(StoredEvent.seq)
        .limit(limit)
    )
    if upto is not None:
        query = query.where(StoredEvent.seq <= upto)
    async with db() as session:
        rows = (await session.scalars(query)).all()
    return [Event.from_row(r) for r in rows]
