"""How many Ansible jobs one worker process runs at once: `max_concurrent_jobs`.

Worker threads bound every actor together; Ansible jobs (ansible-runner
processes with their own forks) get their own, smaller bound, read from the
runtime settings each time a job waits, so a change takes effect without a
restart. A waiting job is not claimed: it stays `queued`, and cancelling it
still works.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

# A waiting job re-reads the limit this often (the setting may have been raised).
RECHECK_SECONDS = 1.0


class Slots:
    """A counter of running jobs with a limit that may change while jobs wait."""

    def __init__(self) -> None:
        self.running = 0
        self._freed = asyncio.Condition()

    @asynccontextmanager
    async def held(self, limit: Callable[[], Awaitable[int]]) -> AsyncIterator[None]:
        """Wait for a free slot under `limit()`, hold it for the block."""
        async with self._freed:
            while self.running >= await limit():
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._freed.wait(), RECHECK_SECONDS)
            self.running += 1
        try:
            yield
        finally:
            async with self._freed:
                self.running -= 1
                self._freed.notify_all()


_slots: dict[asyncio.AbstractEventLoop, Slots] = {}


def of_this_loop() -> Slots:
    """The running loop's slots (a worker's actors share one loop)."""
    loop = asyncio.get_running_loop()
    found = _slots.get(loop)
    if found is None:
        found = _slots[loop] = Slots()
    return found
