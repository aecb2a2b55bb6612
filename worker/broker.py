"""Broker set-up and running workers, in-process (embedded) or standalone."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import dramatiq
from dramatiq.asyncio import get_event_loop_thread, set_event_loop_thread
from dramatiq.middleware import MiddlewareError

import worker.actors  # noqa: F401  records every actor
from app import preflight
from app.jobs import make_broker
from app.logs import capture as logs_capture
from app.notifications import dispatcher
from app.pipelines import triggers as pipeline_triggers
from app.settings import Settings
from worker import runtime, scheduler
from worker.reconciler import Reconciler
from worker.registry import declare_all
from worker.ticker import Ticker

log = logging.getLogger("worker")

# How long idle worker threads and the embedded stub consumer wait before they
# re-check for a stop (both wake at once for a message). Redis consumers block
# on a wake-up list instead of polling (app/redis_broker.py).
POLL_TIMEOUT_MS = 50
# `opsgraph worker` stops once, so its idle threads (32 by default) wake less
# often: 128 wake-ups a second instead of 640.
STANDALONE_POLL_TIMEOUT_MS = 250


def setup(settings: Settings) -> dramatiq.Broker:
    """The broker for `settings`, with every actor declared on it."""
    runtime.configure(settings)
    broker = make_broker(settings)
    declare_all(broker)
    return broker


def start_worker(
    broker: dramatiq.Broker, threads: int, poll_ms: int = POLL_TIMEOUT_MS
) -> dramatiq.Worker:
    """Start consuming every declared queue in this process."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=poll_ms)
    worker.start()
    return worker


@contextmanager
def periodic_duties(settings: Settings) -> Iterator[None]:
    """The duties every worker process runs on threads of their own, embedded or
    standalone: the scheduler, the poll ticker and the reconciler (the event
    consumers, notifications and pipeline triggers, run beside them)."""
    running = scheduler.start(settings)
    ticker = Ticker().start()
    reconciler = Reconciler(settings)
    reconciler.start()
    try:
        yield
    finally:
        running.stop()
        ticker.stop()
        reconciler.stop()


@asynccontextmanager
async def embedded(settings: Settings) -> AsyncIterator[dramatiq.Worker]:
    """Run the worker inside the API process (embedded mode); the event
    consumers run on the API's own loop."""
    worker = start_worker(setup(settings), settings.worker_threads)
    log.info("in-process worker started with %d threads", settings.worker_threads)
    try:
        with periodic_duties(settings):
            async with (
                dispatcher.running(settings),
                pipeline_triggers.running(settings),
            ):
                yield worker
    finally:
        runtime.close()
        worker.stop()


class _PoolRefused(MiddlewareError):
    """The actors' pool could not open: the worker must not consume."""


class _OpenPoolFirst(dramatiq.Middleware):
    """Opens the actors' database pool on their loop before any consumer starts.

    Runs after dramatiq's AsyncIO middleware has started that loop; a pool
    PostgreSQL refuses (too many clients) stops the worker before it takes a job.
    """

    def before_worker_boot(self, broker: dramatiq.Broker, worker: object) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            return
        try:
            loop_thread.run_coroutine(_warm())
        except preflight.StartupError as exc:
            runtime.close()
            loop_thread.stop()
            set_event_loop_thread(None)
            raise _PoolRefused(str(exc)) from None


async def _warm() -> None:
    await preflight.open_pool(runtime.db().kw["bind"])


def _start_checked(settings: Settings) -> tuple[dramatiq.Broker, dramatiq.Worker]:
    """Check the database (at head), Redis and the pool, then start consuming."""
    asyncio.run(preflight.check_database(settings))
    preflight.check_redis(settings)
    broker = setup(settings)
    broker.add_middleware(_OpenPoolFirst())
    try:
        worker = start_worker(
            broker, settings.worker_threads, STANDALONE_POLL_TIMEOUT_MS
        )
    except _PoolRefused as exc:
        raise preflight.StartupError(str(exc)) from None
    return broker, worker


def run_forever(settings: Settings) -> None:
    """`opsgraph worker`: consume until SIGINT or SIGTERM.

    Raises `preflight.StartupError` before consuming anything when the worker
    could not run a job.
    """
    broker, worker = _start_checked(settings)
    log.info(
        "worker consuming queues %s (%s mode)",
        sorted(broker.get_declared_queues()),
        settings.mode,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        with (
            logs_capture.capture(settings),
            periodic_duties(settings),
            dispatcher.in_thread(settings),
            pipeline_triggers.in_thread(settings),
        ):
            stop.wait()
            log.info("worker stopping")
    finally:
        runtime.close()
        worker.stop()
