"""A thread that runs periodic duties every few seconds.

Every worker process runs one: scan polling and the scheduled NetBox import (the
database decides which worker fires a periodic job, so running many workers
never polls or imports twice), marking lapsed credentials expired (a conditional
update: once, whichever worker) and, about
hourly, pruning of login sessions nothing can use any more (an idempotent delete).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from app.credentials import expiry as credential_expiry
from app.netbox import service as netbox_service
from app.scans.polling import service as polling_service
from app.users import service as users_service
from worker import runtime

log = logging.getLogger("worker.ticker")
TICK_SECONDS = 5.0
HOUSEKEEPING_SECONDS = 3600.0


class Ticker:
    """Calls `polling_service.tick` every TICK_SECONDS until stopped."""

    def __init__(self, every: float = TICK_SECONDS) -> None:
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)
        self._next_housekeeping = 0.0

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
            loop.run_until_complete(runtime.close_db())
        finally:
            loop.close()

    async def _tick(self) -> None:
        duties = (
            (
                "scan polling",
                lambda: polling_service.tick(runtime.db(), runtime.settings()),
            ),
            ("NetBox import", lambda: netbox_service.tick(runtime.db())),
            ("expiring credentials", self._expire_credentials),
        )
        for name, duty in duties:
            try:
                await duty()
            except Exception:
                log.exception("periodic tick failed: %s", name)
        if time.monotonic() >= self._next_housekeeping:
            self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            await self._housekeeping()

    @staticmethod
    async def _expire_credentials() -> None:
        for credential_id in await credential_expiry.expire_lapsed(runtime.db()):
            log.info("credential %s expired", credential_id)

    async def _housekeeping(self) -> None:
        try:
            pruned = await users_service.prune_sessions(
                runtime.db(), runtime.settings()
            )
        except Exception:
            log.exception("pruning login sessions failed")
        else:
            if pruned:
                log.info("pruned %d expired login sessions", pruned)
