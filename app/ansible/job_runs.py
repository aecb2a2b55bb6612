"""Driving a claimed job: each playbook through ansible-runner in a thread.

No transaction stays open while Ansible runs: every state change and every
batch of events is its own short unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from app.ansible import inventory, job_service, repository, runner, stream
from app.ansible import service as playbooks
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import DomainError

log = logging.getLogger(__name__)
CANCEL_POLL_S = 0.3
LEASE = timedelta(seconds=60)
RENEW_EVERY_S = 10.0
Entry = tuple[int, int, int | None, str, str]  # id, position, playbook id, name, yaml


async def run_job(db: Sessionmaker, job_id: str, *, strict: bool = False) -> None:
    """Run a queued job to its end; a job that is not queued is left alone.

    `strict` refuses hosts whose SSH host key is not registered.
    """
    await job_service.reconcile(db)
    async with unit_of_work(db) as session:
        now = utcnow()
        if not await repository.claim_job(session, job_id, now, now + LEASE):
            return
        job = await repository.job_by_id(session, job_id)
        assert job is not None  # noqa: S101  claimed just above
        plan = [
            (e.id, e.position, e.playbook_id, e.name, e.rendered) for e in job.playbooks
        ]
        await stream.emit(session, job_id, [("job.started", {})])
    cancel = threading.Event()
    watcher = asyncio.create_task(_watch_cancel(db, job_id, cancel))
    try:
        error = await _run_plan(db, job_id, plan, cancel, strict)
    except Exception:
        log.exception("ansible job %s crashed", job_id)
        error = "Internal error while running the job"
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    await _finish_job(db, job_id, cancel.is_set(), error)


async def _run_plan(
    db: Sessionmaker,
    job_id: str,
    plan: list[Entry],
    cancel: threading.Event,
    strict: bool,
) -> str | None:
    try:
        async with db() as session:
            job = await repository.job_by_id(session, job_id)
            assert job is not None  # noqa: S101  a running job is never deleted
            base = replace(
                await inventory.run_input(session, job), strict_host_keys=strict
            )
    except DomainError as exc:
        return exc.message
    for entry in plan:
        if cancel.is_set():
            break
        await _run_entry(
            db, job_id, entry, replace(base, playbook_yaml=entry[4]), cancel
        )
    return None


async def _run_entry(
    db: Sessionmaker,
    job_id: str,
    entry: Entry,
    spec: runner.RunInput,
    cancel: threading.Event,
) -> None:
    entry_id, position, playbook_id, name, _ = entry
    tag = {"position": position, "playbook_id": playbook_id}
    async with unit_of_work(db) as session:
        row = await repository.job_playbook(session, entry_id)
        assert row is not None  # noqa: S101  entries live as long as their job
        row.status, row.started_at = "running", utcnow()
        await stream.emit(
            session, job_id, [("playbook.started", {**tag, "name": name})]
        )
    result = await _drive(db, job_id, spec, tag, cancel)
    async with unit_of_work(db) as session:
        row = await repository.job_playbook(session, entry_id)
        assert row is not None  # noqa: S101  entries live as long as their job
        row.status, row.output, row.completed_at = (
            result.status,
            result.output,
            utcnow(),
        )
        if playbook_id is not None and result.status != "cancelled":
            await playbooks.record_run(
                session, playbook_id, result.status == "success", row.completed_at
            )
        done = {**tag, "name": name, "status": result.status}
        await stream.emit(session, job_id, [("playbook.completed", done)])


async def _drive(
    db: Sessionmaker,
    job_id: str,
    spec: runner.RunInput,
    tag: dict[str, Any],
    cancel: threading.Event,
) -> runner.RunResult:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()

    def on_event(kind: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, {**tag, **data}))

    pump = asyncio.create_task(_pump(db, job_id, queue))
    try:
        result = await asyncio.to_thread(
            runner.run_playbook, spec, on_event, cancel.is_set
        )
    except Exception:
        log.exception("ansible-runner failed in job %s", job_id)
        result = runner.RunResult("failed", "ansible-runner failed to start the run")
    finally:
        queue.put_nowait(None)
        await pump
    return result


async def _pump(
    db: Sessionmaker,
    job_id: str,
    queue: asyncio.Queue[tuple[str, dict[str, Any]] | None],
) -> None:
    """Store runner events in arrival order, batching what piled up meanwhile."""
    while True:
        batch = [await queue.get()]
        while not queue.empty():
            batch.append(queue.get_nowait())
        items = [item for item in batch if item is not None]
        if items:
            async with unit_of_work(db) as session:
                await stream.emit(session, job_id, items)
        if len(items) < len(batch):
            return


async def _watch_cancel(db: Sessionmaker, job_id: str, cancel: threading.Event) -> None:
    """Notice a cancel request within CANCEL_POLL_S; keep the lease alive."""
    renewed = time.monotonic()
    while not cancel.is_set():
        await asyncio.sleep(CANCEL_POLL_S)
        async with db() as session:
            if await repository.cancel_requested(session, job_id):
                cancel.set()
        if time.monotonic() - renewed >= RENEW_EVERY_S:
            async with unit_of_work(db) as session:
                await repository.renew_lease(session, job_id, utcnow() + LEASE)
            renewed = time.monotonic()


async def _finish_job(
    db: Sessionmaker, job_id: str, cancelled: bool, error: str | None
) -> None:
    async with unit_of_work(db) as session:
        job = await repository.job_by_id(session, job_id, for_update=True)
        if job is None or job.status != "running":
            return  # reconciled meanwhile: the recorded end stands
        status = "cancelled" if cancelled else "failed" if error else "completed"
        await job_service.end_job(session, job, status, error)
