"""A thread that runs the scans domain's periodic duties every few seconds.

Every worker process runs one; the database decides which of them fires a
periodic job, so running many workers never polls twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from app.scans.polling import service as polling_service
from worker import runtime

log = logging.getLogger("worker.ticker")
TICK_SECONDS = 5.0


class Ticker:
    """Calls `polling_service.tick` every TICK_SECONDS until stopped."""

    def __init__(self, every: float = TICK_SECONDS) -> None:
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def start(self) -> Ticker:
        """Start ticking in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop ticking and wait for the current tick to end."""
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while not self._stop.wait(self._every):
                loop.run_until_complete(self._tick())
        finally:
            loop.close()

    async def _tick(self) -> None:
        try:
            await polling_service.tick(runtime.db(), runtime.settings())
        except Exception:
            log.exception("periodic tick failed")
