"""Event triggers: read the domain stream from a stored cursor and start pipelines.

Each event is handled in one transaction that starts the matching pipelines'
executions and advances the cursor, so an event starts a pipeline once even
across restarts (the unique (pipeline, event seq) constraint backs that up).
One dispatcher runs at a time: it holds a PostgreSQL advisory lock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import events
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.pipelines import repository, service
from app.settings import Settings

log = logging.getLogger("app.pipelines.triggers")

CURSOR = events.DOMAIN_STREAM
LOCK_ID = 0x0965_0010
LOCK_RETRY_SECONDS = 5.0
MAX_EVENT_FAILURES = 5
RECONCILE_SECONDS = 10.0


async def _consume(db: Sessionmaker, failures: dict[int, int]) -> None:
    async with db() as session:
        after = await repository.cursor(session, CURSOR)
    async for event in events.subscribe(db, events.DOMAIN_STREAM, after):
        try:
            async with unit_of_work(db) as session:
                await service.dispatch_event(session, event.seq, event.type, event.data)
                await repository.advance_cursor(session, CURSOR, event.seq)
        except Exception:
            failures[event.seq] = failures.get(event.seq, 0) + 1
            if failures[event.seq] < MAX_EVENT_FAILURES:
                raise
            log.exception("giving up on domain event %d (%s)", event.seq, event.type)
            async with unit_of_work(db) as session:
                await repository.advance_cursor(session, CURSOR, event.seq)
        failures.pop(event.seq, None)


@asynccontextmanager
async def _leadership(engine: AsyncEngine) -> AsyncIterator[None]:
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        lock = text("SELECT pg_try_advisory_lock(:id)")
        while True:
            if await conn.scalar(lock, {"id": LOCK_ID}):
                break
            await asyncio.sleep(LOCK_RETRY_SECONDS)
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})


async def _forever(what: str, step: Any, pause: float) -> None:
    while True:
        try:
            await step()
        except Exception:
            log.exception("pipeline %s failed; retrying", what)
        await asyncio.sleep(pause)


async def _reconcile(db: Sessionmaker) -> None:
    async with unit_of_work(db) as session:
        lapsed = await service.fail_lapsed(session)
    if lapsed:
        log.warning("failed %d pipeline executions whose worker was lost", lapsed)


async def run(db: Sessionmaker) -> None:
    """Be the trigger dispatcher and reconciler (once the lock is ours)."""
    failures: dict[int, int] = {}
    async with _leadership(db.kw["bind"]):
        log.info("pipeline trigger dispatcher started")
        await asyncio.gather(
            _forever("trigger dispatch", lambda: _consume(db, failures), 1.0),
            _forever("reconcile pass", lambda: _reconcile(db), RECONCILE_SECONDS),
        )


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """Run the dispatcher as a task of the current loop while the block runs."""
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
def in_thread(settings: Settings) -> Iterator[threading.Thread]:
    """Run the dispatcher on its own thread and loop (for `opsgraph worker`)."""
    loop = asyncio.new_event_loop()
    engine = make_engine(settings.sqlalchemy_url, pool_size=2)
    task = loop.create_task(run(make_sessionmaker(engine)))

    def main() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        loop.run_until_complete(engine.dispose())
        loop.close()

    thread = threading.Thread(target=main, name="pipeline-triggers", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=10)
