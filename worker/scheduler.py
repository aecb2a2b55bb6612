"""Run the scheduler loop on the worker's asyncio loop (Dramatiq's loop thread)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass

from dramatiq.asyncio import get_event_loop_thread

from app.schedules import scheduler
from app.settings import Settings
from worker import runtime

STOP_TIMEOUT_SECONDS = 10


@dataclass
class RunningScheduler:
    """A scheduler loop running on the worker's event loop."""

    loop: asyncio.AbstractEventLoop
    stop_event: asyncio.Event
    future: concurrent.futures.Future[None]

    def stop(self) -> None:
        """Ask the loop to stop and wait for its current pass to end."""
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.future.result(STOP_TIMEOUT_SECONDS)


def start(settings: Settings) -> RunningScheduler:
    """Start the loop; call after the Dramatiq worker (and its loop) started."""
    thread = get_event_loop_thread()
    if thread is None:
        raise RuntimeError("the worker's event loop is not running")
    stop_event = asyncio.run_coroutine_threadsafe(_event(), thread.loop).result()
    future = asyncio.run_coroutine_threadsafe(_main(settings, stop_event), thread.loop)
    return RunningScheduler(thread.loop, stop_event, future)


async def _event() -> asyncio.Event:
    return asyncio.Event()


async def _main(settings: Settings, stop_event: asyncio.Event) -> None:
    await scheduler.run_loop(runtime.db(), settings, stop_event)
