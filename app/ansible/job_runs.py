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

from sqlalchemy.ext.asyncio import AsyncSession

from app.ansible import (
    inventory,
    job_service,
    repository,
    runner,
    sandbox,
    slots,
    stream,
)
from app.ansible import service as playbooks
from app.ansible.host_tally import HostTally
from app.ansible.models import AnsibleJob
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import DomainError
from app.runtime_settings import service as settings_service

log = logging.getLogger(__name__)
CANCEL_POLL_S = 0.3
LEASE_S = 60.0
Entry = tuple[int, int, int | None, str, str]  # id, position, playbook id, name, yaml
Item = tuple[str, dict[str, Any]]


async def run_job(
    db: Sessionmaker,
    job_id: str,
    *,
    strict: bool = False,
    lease_s: float = LEASE_S,
    hidden: tuple[str, ...] = (),
) -> None:
    """Run a queued job to its end; a job that is not queued is left alone.

    `strict` refuses hosts whose SSH host key is not registered; the worker
    renews a `lease_s` lease on the job while it runs (the reconciler fails
    the job once it lapses). At most `max_concurrent_jobs` (a runtime setting)
    run at once in this process; the others wait, still queued. `hidden`: paths
    (the data dir) the sandbox must hide even when they lie under what it shows.
    """

    async def limit() -> int:
        return (await settings_service.effective(db)).max_concurrent_jobs

    async with slots.of_this_loop().held(limit):
        await _claim_and_drive(db, job_id, strict, timedelta(seconds=lease_s), hidden)


async def _claim_and_drive(
    db: Sessionmaker,
    job_id: str,
    strict: bool,
    lease: timedelta,
    hidden: tuple[str, ...],
) -> None:
    async with unit_of_work(db) as session:
        now = utcnow()
        if not await repository.claim_job(session, job_id, now, now + lease):
            return
        job = await repository.job_by_id(session, job_id)
        assert job is not None  # noqa: S101  claimed just above
        if not await stream.start(session, job):
            await job_service.end_job(session, job, "cancelled", None)
            return  # its execution was cancelled while the job was queued
        await stream.emit(session, stream.stream_of(job), [("job.started", {})])
        run = JobRun(db, job, lease, hidden)
    await run.drive(strict)


class JobRun:
    """One claimed job: its playbooks in order, watched for cancel and lease."""

    def __init__(
        self,
        db: Sessionmaker,
        job: AnsibleJob,
        lease: timedelta,
        hidden: tuple[str, ...] = (),
    ) -> None:
        self.db, self.job_id, self.lease, self.hidden = db, job.id, lease, hidden
        self.stream = stream.stream_of(job)
        self.execution_uuid = job.execution_uuid
        self.plan: list[Entry] = [
            (e.id, e.position, e.playbook_id, e.name, e.rendered) for e in job.playbooks
        ]
        self.cancel = threading.Event()
        self.tally = HostTally()

    async def drive(self, strict: bool) -> None:
        """Run every playbook unless cancelled, then end the job."""
        watcher = asyncio.create_task(self._watch())
        try:
            error = await self._run_plan(strict)
        except Exception:
            log.exception("ansible job %s crashed", self.job_id)
            error = "Internal error while running the job"
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await self._finish(error)

    async def _run_plan(self, strict: bool) -> str | None:
        try:
            async with self.db() as session:
                job = await repository.job_by_id(session, self.job_id)
                assert job is not None  # noqa: S101  a running job is never deleted
                base = replace(
                    await inventory.run_input(session, job),
                    strict_host_keys=strict,
                    isolation=await self._isolation(session, job),
                )
        except DomainError as exc:
            log.warning("ansible job %s not run: %s", self.job_id, exc.message)
            return exc.message
        except sandbox.SandboxUnavailableError as exc:
            log.warning("ansible job %s not run: %s", self.job_id, exc)
            return str(exc)
        for entry in self.plan:
            if self.cancel.is_set():
                break
            await self._run_entry(entry, replace(base, playbook_yaml=entry[4]))
        return None

    async def _isolation(
        self, session: AsyncSession, job: AnsibleJob
    ) -> sandbox.Isolation:
        """The stored job checked again (it may predate the rule), and the
        sandbox the admin settings ask for."""
        rendered = [entry[4] for entry in self.plan]
        await job_service.refuse_controller_side(
            session, rendered, job.inventory_id, dict(job.extra_vars)
        )
        current = await settings_service.current(session)
        return sandbox.isolation(
            allow_controller=current.ansible_allow_controller_execution,
            allow_unsandboxed=current.ansible_allow_unsandboxed,
            hidden=self.hidden,
        )

    async def _run_entry(self, entry: Entry, spec: runner.RunInput) -> None:
        entry_id, position, playbook_id, name, _ = entry
        tag = {"position": position, "playbook_id": playbook_id}
        async with unit_of_work(self.db) as session:
            row = await repository.job_playbook(session, entry_id)
            assert row is not None  # noqa: S101  entries live as long as their job
            row.status, row.started_at = "running", utcnow()
            started = ("playbook.started", {**tag, "name": name})
            await stream.emit(session, self.stream, [started])
        result = await self._drive(spec, tag)
        async with unit_of_work(self.db) as session:
            row = await repository.job_playbook(session, entry_id)
            assert row is not None  # noqa: S101  entries live as long as their job
            row.status, row.output = result.status, result.output
            row.completed_at = utcnow()
            if playbook_id is not None and result.status != "cancelled":
                await playbooks.record_run(
                    session, playbook_id, result.status == "success", row.completed_at
                )
            done = {**tag, "name": name, "status": result.status}
            await stream.emit(session, self.stream, [("playbook.completed", done)])

    async def _drive(
        self, spec: runner.RunInput, tag: dict[str, Any]
    ) -> runner.RunResult:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Item | None] = asyncio.Queue()

        def on_event(kind: str, data: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, {**tag, **data}))

        pump = asyncio.create_task(self._pump(queue))
        try:
            result = await asyncio.to_thread(
                runner.run_playbook, spec, on_event, self.cancel.is_set
            )
        except Exception:
            log.exception("ansible-runner failed in job %s", self.job_id)
            result = runner.RunResult("failed", "ansible-runner failed to start")
        finally:
            queue.put_nowait(None)
            await pump
        return result

    async def _pump(self, queue: asyncio.Queue[Item | None]) -> None:
        """Store runner events in arrival order, batching what piled up meanwhile."""
        while True:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            items = [item for item in batch if item is not None]
            for kind, data in items:
                self.tally.add(kind, data)
            if items:
                async with unit_of_work(self.db) as session:
                    await stream.emit(session, self.stream, items)
            if len(items) < len(batch):
                return

    async def _watch(self) -> None:
        """Notice a cancel (of the job or its execution) within CANCEL_POLL_S;
        renew the lease every third of it."""
        renewed = time.monotonic()
        while not self.cancel.is_set():
            await asyncio.sleep(CANCEL_POLL_S)
            async with self.db() as session:
                if await repository.cancel_requested(
                    session, self.job_id
                ) or await stream.ended(session, self.execution_uuid):
                    self.cancel.set()
            if time.monotonic() - renewed >= self.lease.total_seconds() / 3:
                async with unit_of_work(self.db) as session:
                    until = utcnow() + self.lease
                    await repository.renew_lease(session, self.job_id, until)
                renewed = time.monotonic()

    async def _finish(self, error: str | None) -> None:
        async with unit_of_work(self.db) as session:
            job = await repository.job_by_id(session, self.job_id, for_update=True)
            if job is None or job.status != "running":
                return  # reconciled meanwhile: the recorded end stands
            cancelled = self.cancel.is_set()
            status = "cancelled" if cancelled else "failed" if error else "completed"
            hosts = self.tally.outcomes(status)
            await job_service.end_job(session, job, status, error, hosts)
