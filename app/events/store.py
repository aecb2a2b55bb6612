"""Durable history: append events with their sequence numbers, read them back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.db import Sessionmaker, utcnow
from app.events import transport
from app.events.models import EventStream, StoredEvent
from app.events.types import Event

Items = Sequence[tuple[str, dict[str, Any]]]
Wanted = dict[str, list[tuple[str, dict[str, Any]]]]  # stream -> its new items


async def append(session: AsyncSession, stream: str, items: Items) -> list[Event]:
    """Store `items` (type, data) on `stream` with the next sequence numbers.

    Inside a unit of work the events are published once it commits; elsewhere
    the caller publishes the returned events itself.
    """
    return await append_streams(session, [(stream, items)])


async def append_streams(
    session: AsyncSession, batches: Sequence[tuple[str, Items]]
) -> list[Event]:
    """`append` for several streams at once, in one statement on PostgreSQL.

    The counter rows are updated with one upsert, which holds their row locks
    until the transaction ends, so concurrent appenders never leave a gap or
    share a number. Streams are locked in the order given.
    """
    wanted: Wanted = {}
    for stream, items in batches:
        if items:
            wanted.setdefault(stream, []).extend(items)
    if not wanted:
        return []
    now = utcnow()
    store = _store_pg if session.get_bind().dialect.name == "postgresql" else _store
    firsts = await store(session, wanted, now)
    events = [
        Event(stream, firsts[stream] + i, kind, data, now)
        for stream, items in wanted.items()
        for i, (kind, data) in enumerate(items)
    ]
    db.after_commit(partial(transport.publish, events))
    return events


# Reserve the numbers and store the events in one statement, so the counter rows
# (hot ones: `executions`, `domain`) stay locked for one round trip less; every
# concurrent appender of those streams waits for that lock until COMMIT.
_STORE_PG = text(
    """
    WITH reserved AS (
        INSERT INTO event_stream (name, last_seq)
        SELECT name, n FROM unnest(CAST(:names AS varchar[]), CAST(:counts AS bigint[]))
            WITH ORDINALITY AS c(name, n, ord)
        ORDER BY ord
        ON CONFLICT (name)
        DO UPDATE SET last_seq = event_stream.last_seq + excluded.last_seq
        RETURNING name, last_seq
    )
    INSERT INTO event (stream, seq, type, data, created_at)
    SELECT e.stream, r.last_seq - e.back, e.type, CAST(e.data AS json), :now
    FROM unnest(
        CAST(:streams AS varchar[]), CAST(:backs AS bigint[]),
        CAST(:types AS varchar[]), CAST(:datas AS text[])
    ) AS e(stream, back, type, data)
    JOIN reserved r ON r.name = e.stream
    RETURNING stream, seq
    """
)


async def _store_pg(
    session: AsyncSession,
    wanted: Wanted,
    now: datetime,
) -> dict[str, int]:
    """Store `wanted` (PostgreSQL); the first number each stream got."""
    streams, backs, types, datas = [], [], [], []
    for stream, items in wanted.items():
        for i, (kind, data) in enumerate(items):
            streams.append(stream)
            backs.append(len(items) - 1 - i)
            types.append(kind)
            datas.append(json.dumps(data))
    params = {
        "names": list(wanted),
        "counts": [len(items) for items in wanted.values()],
        "streams": streams,
        "backs": backs,
        "types": types,
        "datas": datas,
        "now": now,
    }
    firsts: dict[str, int] = {}
    for stream, seq in (await session.execute(_STORE_PG, params)).all():
        firsts[stream] = min(seq, firsts.get(stream, seq))
    return firsts


async def _store(
    session: AsyncSession,
    wanted: Wanted,
    now: datetime,
) -> dict[str, int]:
    """Store `wanted` (SQLite: an upsert, then a Core executemany); the first
    number each stream got."""
    stmt = sqlite.insert(EventStream).values(
        [{"name": name, "last_seq": len(items)} for name, items in wanted.items()]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[EventStream.name],
        set_={"last_seq": EventStream.last_seq + stmt.excluded.last_seq},
    ).returning(EventStream.name, EventStream.last_seq)
    lasts = dict((await session.execute(stmt)).all())
    firsts = {name: lasts[name] - len(items) + 1 for name, items in wanted.items()}
    # Core executemany, not ORM objects: a flush of output batches and host
    # events stores hundreds of rows, and ORM bookkeeping cost more than the SQL.
    await session.execute(
        insert(StoredEvent.__table__),
        [
            {
                "stream": stream,
                "seq": firsts[stream] + i,
                "type": kind,
                "data": data,
                "created_at": now,
            }
            for stream, items in wanted.items()
            for i, (kind, data) in enumerate(items)
        ],
    )
    return firsts


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


async def head(db: Sessionmaker, stream: str) -> int:
    """The last committed seq of `stream` (0 for a stream nothing was told to)."""
    query = select(EventStream.last_seq).where(EventStream.name == stream)
    async with db() as session:
        return (await session.scalar(query)) or 0
