"""Capture `app.*` log records into the database without blocking anyone.

The handler only formats and queues (never I/O on the caller's thread or loop);
a sink thread with its own event loop and engine writes batches and applies the
retention setting. Known secret-bearing fields and `password=...`-style text are
redacted before anything is queued.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.logs import repository
from app.logs import service as logs_service
from app.logs.redaction import redact_text, redact_value
from app.settings import Settings

# Not an `app.*` logger: the sink's own troubles must never feed back into it.
sink_log = logging.getLogger("opsgraph.logsink")

BATCH = 500
FLUSH_SECONDS = 0.5
PURGE_EVERY_SECONDS = 600.0
MAX_MESSAGE = 10_000
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "source",
    "category",
}


def to_row(record: logging.LogRecord) -> dict[str, Any]:
    """The stored form of `record`."""
    parts = record.name.split(".")
    extra = {
        k: redact_value(k, v)
        for k, v in record.__dict__.items()
        if k not in _STANDARD and not k.startswith("_")
    }
    return {
        "timestamp": datetime.fromtimestamp(record.created, UTC),
        "level": record.levelname,
        "source": str(getattr(record, "source", parts[1] if len(parts) > 1 else "app")),
        "category": str(
            getattr(record, "category", parts[2] if len(parts) > 2 else "general")
        ),
        "message": redact_text(record.getMessage())[:MAX_MESSAGE],
        "extra": json.loads(json.dumps(extra, default=str)),
    }


class QueueHandler(logging.Handler):
    """Turns records into rows and queues them; drops when the queue is full."""

    def __init__(self, pending: queue.Queue[dict[str, Any]]) -> None:
        super().__init__(logging.INFO)
        self.pending = pending

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.pending.put_nowait(to_row(record))
        except queue.Full:
            return
        except Exception:
            self.handleError(record)


class Sink:
    """A thread that writes queued rows in batches and purges old ones."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pending: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=50_000)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._main, name="log-sink", daemon=True)
        self.handler = QueueHandler(self.pending)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        engine = make_engine(self.settings.sqlalchemy_url, pool_size=2)
        db = make_sessionmaker(engine)
        next_purge = 0.0
        try:
            while not self.stopping.is_set() or not self.pending.empty():
                await self._flush(db)
                if asyncio.get_running_loop().time() >= next_purge:
                    await self._guarded(logs_service.purge_expired(db))
                    next_purge = asyncio.get_running_loop().time() + PURGE_EVERY_SECONDS
                if self.pending.empty():
                    # Wakes at once on stop, so shutdown never waits a full beat.
                    await asyncio.to_thread(self.stopping.wait, FLUSH_SECONDS)
        finally:
            await engine.dispose()

    async def _flush(self, db: Sessionmaker) -> None:
        rows: list[dict[str, Any]] = []
        while len(rows) < BATCH:
            try:
                rows.append(self.pending.get_nowait())
            except queue.Empty:
                break
        if rows:
            await self._guarded(_write(db, rows))

    def start(self) -> None:
        """Attach the handler to the `app` logger and start writing."""
        logging.getLogger("app").addHandler(self.handler)
        self.thread.start()

    def stop(self) -> None:
        """Detach the handler, write what is queued, and end the thread."""
        logging.getLogger("app").removeHandler(self.handler)
        self.stopping.set()
        self.thread.join(timeout=10)

    async def _guarded(self, work: Any) -> None:
        try:
            await work
        except Exception as exc:
            sink_log.warning("log sink: %s", type(exc).__name__)


async def _write(db: Sessionmaker, rows: list[dict[str, Any]]) -> None:
    async with unit_of_work(db) as session:
        await repository.insert_many(session, rows)


@contextmanager
def capture(settings: Settings) -> Iterator[Sink]:
    """Store `app.*` records at INFO and above while the block runs."""
    sink = Sink(settings)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@asynccontextmanager
async def capturing(settings: Settings) -> AsyncIterator[Sink]:
    """`capture` for async callers: stopping never blocks their event loop."""
    sink = Sink(settings)
    sink.start()
    try:
        yield sink
    finally:
        await asyncio.to_thread(sink.stop)
