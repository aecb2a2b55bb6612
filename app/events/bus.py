"""Live transport of stored events: in-memory (embedded) or Redis Streams.

The bus only wakes subscribers; the database holds the record. A listener that
misses an event (full queue, trimmed stream, dropped connection) sees a gap in
the sequence and refills it from storage, so delivery stays gap-free.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Protocol

import redis.asyncio as aioredis

from app.events.types import Event

log = logging.getLogger(__name__)

LISTENER_QUEUE = 10_000


class Listener:
    """One subscriber's queue of live events, fillable from any thread."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event] = asyncio.Queue(LISTENER_QUEUE)

    def push(self, event: Event) -> None:
        """Queue `event`; on overflow drop it (the subscriber refills the gap)."""
        with suppress(asyncio.QueueFull):
            self.queue.put_nowait(event)

    def push_threadsafe(self, event: Event) -> None:
        """Queue `event` from a thread other than the listener's loop."""
        if self.loop.is_closed():
            return
        with suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.push, event)

    async def next(self, wait: float) -> Event | None:
        """The next live event, or None after `wait` seconds of quiet."""
        if not self.queue.empty():
            # A busy stream keeps the queue full: skip wait_for's timer per event.
            return self.queue.get_nowait()
        try:
            return await asyncio.wait_for(self.queue.get(), wait)
        except TimeoutError:
            return None


class Bus(Protocol):
    """What both transports offer."""

    async def publish(self, events: Sequence[Event]) -> None: ...

    def listen(self, stream: str) -> AbstractAsyncContextManager[Listener]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class MemoryBus:
    """In-process fan-out, safe across the API loop and the worker's loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, set[Listener]] = {}

    async def publish(self, events: Sequence[Event]) -> None:
        """Hand each event to every listener of its stream."""
        for event in events:
            with self._lock:
                targets = list(self._listeners.get(event.stream, ()))
            for listener in targets:
                if _on_this_loop(listener):
                    listener.push(event)
                else:
                    listener.push_threadsafe(event)

    @asynccontextmanager
    async def listen(self, stream: str) -> AsyncIterator[Listener]:
        """Register a listener on `stream` for the duration of the block."""
        listener = Listener()
        with self._lock:
            self._listeners.setdefault(stream, set()).add(listener)
        try:
            yield listener
        finally:
            with self._lock:
                group = self._listeners.get(stream, set())
                group.discard(listener)
                if not group:
                    self._listeners.pop(stream, None)

    async def ping(self) -> None:
        """The memory bus is always reachable."""

    async def close(self) -> None:
        """Nothing to release."""


def _on_this_loop(listener: Listener) -> bool:
    try:
        return asyncio.get_running_loop() is listener.loop
    except RuntimeError:
        return False


class RedisBus:
    """Redis Streams: XADD on publish, one XREAD reader per stream and process."""

    def __init__(self, url: str, retention: int) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._url = url
        self._retention = retention
        self._readers: dict[str, _StreamReader] = {}

    @staticmethod
    def key(stream: str) -> str:
        """The Redis key holding a stream's recent events."""
        return f"opsgraph:events:{stream}"

    async def publish(self, events: Sequence[Event]) -> None:
        """Append the events to their Redis streams, trimmed to the retention.

        One entry per stream and call, its events' wire forms one per line (a
        wire form has no raw newline): a flush of 100 output and host events
        costs Redis one XADD, not 100.
        """
        lines: dict[str, list[str]] = {}
        for event in events:
            lines.setdefault(event.stream, []).append(event.wire)
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream, wires in lines.items():
                pipe.xadd(
                    self.key(stream),
                    {"e": "\n".join(wires)},
                    maxlen=self._retention,
                    approximate=True,
                )
            await pipe.execute()

    @asynccontextmanager
    async def listen(self, stream: str) -> AsyncIterator[Listener]:
        """Register a listener, starting the stream's reader if it has none.

        The reader is registered before it starts, so listeners arriving together
        share one reader (one XREAD, one decode per event) instead of racing to
        start one each; every one of them waits until its position is fixed.
        """
        listener = Listener()
        reader = self._readers.get(stream)
        if reader is None:
            reader = _StreamReader(self._url, self.key(stream))
            self._readers[stream] = reader
        reader.listeners.add(listener)
        try:
            await reader.ready()
            yield listener
        finally:
            reader.listeners.discard(listener)
            if not reader.listeners and self._readers.get(stream) is reader:
                del self._readers[stream]
                await reader.stop()

    async def ping(self) -> None:
        """Raise unless Redis answers."""
        await self._redis.ping()

    async def close(self) -> None:
        """Stop every reader and close the connections."""
        for reader in list(self._readers.values()):
            await reader.stop()
        self._readers.clear()
        await self._redis.aclose()


class _StreamReader:
    """Tails one Redis stream with a blocking XREAD and fans out locally."""

    def __init__(self, url: str, key: str) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._key = key
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.create_task(self._start())
        self._stopping = False
        self.listeners: set[Listener] = set()

    async def ready(self) -> None:
        """Wait until the reader's position is fixed (raises if it could not be)."""
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        """Fix the position (listen first), then tail from it in a task."""
        newest = await self._redis.xrevrange(self._key, count=1)
        position = newest[0][0] if newest else b"0-0"
        self._task = asyncio.create_task(self._run(position))

    async def _run(self, position: bytes) -> None:
        while not self._stopping:
            try:
                replies = await self._redis.xread(
                    {self._key: position}, block=1000, count=500
                )
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                if self._stopping:
                    # redis-py may turn the cancellation of a blocked read into
                    # one of these; retrying would swallow the cancel for good.
                    return
                log.warning("event stream %s: redis read failed, retrying", self._key)
                await asyncio.sleep(0.5)
                continue
            for _key, entries in replies:
                for entry_id, fields in entries:
                    position = entry_id
                    for wire in fields[b"e"].split(b"\n"):
                        event = Event.from_wire(wire)
                        for listener in list(self.listeners):
                            listener.push(event)

    async def stop(self) -> None:
        """Cancel the reader and close its connection."""
        self._stopping = True
        for task in (self._starting, self._task):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await task
        await self._redis.aclose()
