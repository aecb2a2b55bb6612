"""Single-leader consumers of the domain stream (notification rules, pipeline triggers).

Each consumer reads the stream from its own stored cursor and handles an event in
the transaction that advances the cursor, so an event is handled once even across
restarts. One process at a time leads: it holds a PostgreSQL advisory lock
(SQLite means one process anyway). A consumer runs as a task of the caller's loop
(embedded mode) or on a thread and loop of its own (`opsgraph worker`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.events import Event, subscribe
from app.settings import Settings

LOCK_RETRY_SECONDS = 5.0
MAX_EVENT_FAILURES = 5

Run = Callable[[Sessionmaker], Awaitable[None]]
CursorOf = Callable[[AsyncSession], Awaitable[int]]
Handle = Callable[[AsyncSession, Event], Awaitable[None]]
Advance = Callable[[AsyncSession, int], Awaitable[None]]


@asynccontextmanager
async def leadership(engine: AsyncEngine, lock_id: int) -> AsyncIterator[None]:
    """Wait until this process holds advisory lock `lock_id`; release it after."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        lock = text("SELECT pg_try_advisory_lock(:id)")
        while True:
            if await conn.scalar(lock, {"id": lock_id}):
                break
            await asyncio.sleep(LOCK_RETRY_SECONDS)
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})


async def forever(
    log: logging.Logger, what: str, step: Callable[[], Awaitable[object]], pause: float
) -> None:
    """Run `step` again and again, `pause` seconds apart, logging its failures."""
    while True:
        try:
            await step()
        except Exception:
            log.exception("%s failed; retrying", what)
        await asyncio.sleep(pause)


async def consume(
    db: Sessionmaker,
    stream: str,
    cursor_of: CursorOf,
    handle: Handle,
    advance: Advance,
    failures: dict[int, int],
    log: logging.Logger,
) -> None:
    """Handle each event of `stream` after the stored cursor, advancing it with
    each; an event that failed MAX_EVENT_FAILURES times is skipped (logged), so
    it cannot stall every later one. Raises on a failure to be retried."""
    async with db() as session:
        after = await cursor_of(session)
    async for event in subscribe(db, stream, after):
        try:
            async with unit_of_work(db) as session:
                await handle(session, event)
                await advance(session, event.seq)
        except Exception:
            failures[event.seq] = failures.get(event.seq, 0) + 1
            if failures[event.seq] < MAX_EVENT_FAILURES:
                raise
            log.exception(
                "giving up on event %d (%s) of %s", event.seq, event.type, stream
            )
            async with unit_of_work(db) as session:
                await advance(session, event.seq)
        failures.pop(event.seq, None)


@asynccontextmanager
async def running(settings: Settings, run: Run) -> AsyncIterator[asyncio.Task[None]]:
    """Run `run` as a task of this loop, on an engine of its own, during the block."""
    engine = make_engine(settings.sqlalchemy_url, pool_size=2)
    task = asyncio.create_task(run(make_sessionmaker(engine)))
    try:
        yield task
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await engine.dispose()


@contextmanager
def in_thread(settings: Settings, run: Run, name: str) -> Iterator[threading.Thread]:
    """Run `run` on a thread and loop of its own while the block runs."""
    loop = asyncio.new_event_loop()
    engine = make_engine(settings.sqlalchemy_url, pool_size=2)
    task = loop.create_task(run(make_sessionmaker(engine)))

    def main() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        loop.run_until_complete(engine.dispose())
        loop.close()

    thread = threading.Thread(target=main, name=name, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=10)
