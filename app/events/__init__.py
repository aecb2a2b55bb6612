"""The event spine: stored events with a per-stream seq, and live wake-ups.

Producers `append` inside their unit of work; `unit_of_work` publishes what was
appended once the transaction commits. Consumers `subscribe(stream, after_seq)`:
listen first, replay storage, then tail live with no gap and no duplicate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Sessionmaker
from app.events.store import append, append_streams, head, history
from app.events.transport import close_bus, configure, get_bus, publish
from app.events.types import Event

__all__ = [
    "DOMAIN_STREAM",
    "Event",
    "append",
    "append_streams",
    "close_bus",
    "configure",
    "emit_domain",
    "get_bus",
    "head",
    "history",
    "publish",
    "subscribe",
]

QUIET_RECHECK_SECONDS = 2.0
# The stream every domain fact goes to (`device.status.changed`,
# `execution.completed`, ...): notification rules and pipeline triggers read it.
DOMAIN_STREAM = "domain"


async def emit_domain(
    session: AsyncSession, event_type: str, data: dict[str, Any]
) -> None:
    """Record a domain event inside the caller's unit of work."""
    await append(session, DOMAIN_STREAM, [(event_type, data)])


async def subscribe(
    db: Sessionmaker, stream: str, after_seq: int = 0
) -> AsyncIterator[Event]:
    """Every event of `stream` after `after_seq`, replayed then live, in seq order.

    A negative `after_seq` starts at the stream's end: only what comes next
    (read after listening, so nothing falls between the two).
    """
    async with get_bus().listen(stream) as live:
        last = after_seq if after_seq >= 0 else await head(db, stream)
        for event in await _all_after(db, stream, last):
            last = event.seq
            yield event
        while True:
            event = await live.next(QUIET_RECHECK_SECONDS)
            if event is not None and event.seq <= last:
                continue
            if event is None or event.seq > last + 1:
                upto = None if event is None else event.seq - 1
                for missed in await _all_after(db, stream, last, upto):
                    last = missed.seq
                    yield missed
            if event is not None and event.seq == last + 1:
                last = event.seq
                yield event


async def _all_after(
    db: Sessionmaker, stream: str, after: int, upto: int | None = None
) -> list[Event]:
    found: list[Event] = []
    while True:
        page = await history(db, stream, after, upto=upto)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = page[-1].seq
