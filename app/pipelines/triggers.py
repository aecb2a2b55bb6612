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
from contextlib import AbstractAsyncContextManager, AbstractContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import Sessionmaker, unit_of_work
from app.events import leader
from app.pipelines import repository, service
from app.settings import Settings

log = logging.getLogger("app.pipelines.triggers")

CURSOR = events.DOMAIN_STREAM
LOCK_ID = 0x0965_0010
RECONCILE_SECONDS = 10.0


async def _handle(session: AsyncSession, event: events.Event) -> None:
    await service.dispatch_event(session, event.seq, event.type, event.data)


async def _advance(session: AsyncSession, seq: int) -> None:
    await repository.advance_cursor(session, CURSOR, seq)


async def _consume(db: Sessionmaker, failures: dict[int, int]) -> None:
    await leader.consume(
        db,
        events.DOMAIN_STREAM,
        lambda session: repository.cursor(session, CURSOR),
        _handle,
        _advance,
        failures,
        log,
    )


async def _reconcile(db: Sessionmaker) -> None:
    async with unit_of_work(db) as session:
        lapsed = await service.fail_lapsed(session)
    if lapsed:
        log.warning("failed %d pipeline executions whose worker was lost", lapsed)


async def run(db: Sessionmaker) -> None:
    """Be the trigger dispatcher and reconciler (once the lock is ours)."""
    failures: dict[int, int] = {}
    async with leader.leadership(db.kw["bind"], LOCK_ID):
        log.info("pipeline trigger dispatcher started")
        await asyncio.gather(
            leader.forever(
                log, "pipeline trigger dispatch", lambda: _consume(db, failures), 1.0
            ),
            leader.forever(
                log,
                "pipeline reconcile pass",
                lambda: _reconcile(db),
                RECONCILE_SECONDS,
            ),
        )


def running(settings: Settings) -> AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run the dispatcher as a task of the current loop while the block runs."""
    return leader.running(settings, run)


def in_thread(settings: Settings) -> AbstractContextManager[threading.Thread]:
    """Run the dispatcher on its own thread and loop (for `opsgraph worker`)."""
    return leader.in_thread(settings, run, "pipeline-triggers")
