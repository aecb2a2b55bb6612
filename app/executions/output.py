"""Batches an execution's output lines and host results into stored events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextlib import suppress
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import Sessionmaker, unit_of_work
from app.executions import repository

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05
# A fast host fills an event in under FLUSH_SECONDS: the bigger the batch, the
# fewer events every subscriber is sent (each costs a GraphQL result and a
# websocket frame per subscriber), at about 60 KB of text per event at most.
BATCH_LINES = 2000
HIGH_WATER_LINES = 20_000


class OutputSink:
    """Collects events in memory; one transaction per flush (50 ms or a full batch).

    Leaving the `async with` block stops the flushing; the owner then stores
    the rest with `write()` in its own last transaction (on an error, the block
    flushes it itself).

    Consecutive lines of one host and stream share one `output` event, so a
    100,000-line run stores about a hundred rows, not 100,000. Producers await
    `room()` so a fast host cannot grow the buffer without bound.
    """

    def __init__(self, db: Sessionmaker, execution_id: int, stream: str) -> None:
        self._db, self._execution_id, self._stream = db, execution_id, stream
        self._items: list[tuple[str, dict[str, Any]]] = []
        self._open: dict[tuple[str, str], list[str]] = {}
        self._hosts: list[dict[str, Any]] = []
        self._lines = 0
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def output(
        self, host: str, device_id: int | None, stream: str, lines: list[str]
    ) -> None:
        """Queue lines a host wrote on `stream` (stdout or stderr)."""
        batch = self._open.get((host, stream))
        if batch is None or len(batch) >= BATCH_LINES:
            batch = []
            self._open[(host, stream)] = batch
            data = {"host": host, "device_id": device_id, "stream": stream}
            self._items.append(("output", {**data, "lines": batch}))
        batch.extend(lines)
        self._lines += len(lines)
        if self._lines >= BATCH_LINES:
            self._wake.set()
        if self._lines >= HIGH_WATER_LINES:
            self._room.clear()

    def event(self, kind: str, data: dict[str, Any]) -> None:
        """Queue one event; later output starts new batches to keep the order."""
        self._open.clear()
        self._items.append((kind, data))

    def host_done(self, row: dict[str, Any]) -> None:
        """Queue a finished host's row, written with the next flush."""
        self._hosts.append(row)

    def room(self) -> Awaitable[bool] | None:
        """While the buffer is over its high-water mark, something to await."""
        return None if self._room.is_set() else self._room.wait()

    async def __aenter__(self) -> OutputSink:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if exc_type is not None:
            await self.flush()

    async def _run(self) -> None:
        while not self._closing:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("execution %s: flushing output failed", self._stream)
                await asyncio.sleep(FLUSH_SECONDS)

    async def flush(self) -> None:
        """Store what is queued (host rows and events) in one transaction."""
        items, hosts = self._items, self._hosts
        if not items and not hosts:
            return
        try:
            async with unit_of_work(self._db) as session:
                await self.write(session)
        except BaseException:
            self._items, self._hosts = items + self._items, hosts + self._hosts
            raise

    async def write(self, session: AsyncSession) -> None:
        """Store what is queued inside the caller's transaction.

        After the block, the owner writes the rest this way in its final
        transaction (the execution's terminal state): one commit less per run.
        """
        items, hosts = self._items, self._hosts
        self._items, self._hosts, self._open, self._lines = [], [], {}, 0
        self._room.set()
        await repository.save_hosts(session, hosts)
        if hosts:
            await repository.add_hosts_done(session, self._execution_id, len(hosts))
        await events.append(session, self._stream, items)
