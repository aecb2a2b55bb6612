"""A worker-side loop that fails executions whose worker stopped renewing its lease."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta

from app import events
from app.ansible import job_service as ansible_jobs
from app.db import make_engine, make_sessionmaker
from app.executions import service as executions_service
from app.settings import Settings

log = logging.getLogger("worker.reconciler")


class Reconciler(threading.Thread):
    """Runs `executions_service.reconcile` every few seconds on its own loop."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="execution-reconciler", daemon=True)
        self._settings = settings
        self._halt = threading.Event()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        engine = make_engine(self._settings.sqlalchemy_url)
        db = make_sessionmaker(engine)
        requeue_after = timedelta(
            seconds=self._settings.execution_requeue_after_seconds
        )
        try:
            while not self._halt.is_set():
                try:
                    done = await executions_service.reconcile(db, requeue_after)
                except Exception:
                    log.exception("reconciling executions failed")
                else:
                    for execution_id in done.failed:
                        log.warning("execution %s: lease expired, failed", execution_id)
                    for execution_id in done.requeued:
                        log.warning("execution %s: unclaimed, re-sent", execution_id)
                    for execution_id in done.long_running:
                        log.warning("execution %s: running long, alerted", execution_id)
                try:
                    for job_id in await ansible_jobs.reconcile(db):
                        log.warning("ansible job %s: lease expired, failed", job_id)
                except Exception:
                    log.exception("reconciling ansible jobs failed")
                await asyncio.to_thread(
                    self._halt.wait, self._settings.execution_reconcile_interval
                )
        finally:
            await events.close_bus()
            await engine.dispose()

    def stop(self) -> None:
        """Ask the loop to end and wait for it."""
        self._halt.set()
        self.join(10)
