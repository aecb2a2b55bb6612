"""Durable history: append events with their sequence numbers, read them back."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.db import Sessionmaker, utcnow
from app.events import transport
from app.events.models import EventStream, StoredEvent
from app.events.types import Event

Items = Sequence[tuple[str, dict[str, Any]]]


async def append(session: AsyncSession, stream: str, items: Items) -> list[Event]:
    """Store `items` (type, data) on `stream` with the next sequence numbers.

    Inside a unit of work the events are published once it commits; elsewhere
    the caller publishes the returned events itself.
    """
    return await append_streams(session, [(stream, items)])


async def append_streams(
    session: AsyncSession, batches: Sequence[tuple[str, Items]]
) -> list[Event]:
    """`append` for several streams at once: two statements however many.

    The counter rows are updated with one upsert, which holds their row locks
    until the transaction ends, so concurrent appenders never leave a gap or
    share a number. Streams are locked in the order given.
    """
    wanted: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for stream, items in batches:
        if items:
            wanted.setdefault(stream, []).extend(items)
    if not wanted:
        return []
    lasts = await _reserve(session, {s: len(items) for s, items in wanted.items()})
    now = utcnow()
    events = []
    for stream, items in wanted.items():
        first = lasts[stream] - len(items) + 1
        events += [
            Event(stream, first + i, kind, data, now)
            for i, (kind, data) in enumerate(items)
        ]
    # Core executemany, not ORM objects: a flush of output batches and host
    # events stores hundreds of rows, and ORM bookkeeping cost more than the SQL.
    await session.execute(
        insert(StoredEvent.__table__),
        [
            {
                "stream": e.stream,
                "seq": e.seq,
                "type": e.type,
                "data": e.data,
                "created_at": now,
            }
            for e in events
        ],
    )
    db.after_commit(partial(transport.publish, events))
    return events


async def _reserve(session: AsyncSession, counts: dict[str, int]) -> dict[str, int]:
    """Advance each stream's counter by its count; the new last numbers."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = upsert(EventStream).values(
        [{"name": name, "last_seq": n} for name, n in counts.items()]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[EventStream.name],
        set_={"last_seq": EventStream.last_seq + stmt.excluded.last_seq},
    ).returning(EventStream.name, EventStream.last_seq)
    rows = (await session.execute(stmt)).all()
    return {name: int(last) for name, last in rows}


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
