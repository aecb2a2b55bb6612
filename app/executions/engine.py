"""The worker side of an execution: claim, fan out over SSH, settle exactly once."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta
from typing import Any

import asyncssh

from app import ssh
from app.db import Sessionmaker, unit_of_work
from app.errors import DomainError
from app.executions import admission, repository, service, targets
from app.executions.models import CANCELLED, COMPLETED, FAILED, Execution
from app.executions.output import OutputSink
from app.executions.remote import HostRun, execute
from app.executions.targets import KeyRecorder, Resolver
from app.runtime_settings import service as settings_service
from app.settings import Settings

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.2


async def slots(db: Sessionmaker) -> admission.Slots:
    """How many executions run at once across workers (a runtime setting)."""
    limit = (await settings_service.effective(db)).max_concurrent_executions
    return admission.Slots(max(1, limit), service.EXTERNAL_KINDS)


def owner_name() -> str:
    """This process, as recorded on the leases it holds."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def run(
    db: Sessionmaker,
    execution_id: str,
    settings: Settings,
    resolve: Resolver = targets.resolve,
    remember: KeyRecorder = targets.remember_host_keys,
) -> None:
    """Drive one execution to its end; a no-op unless it is pending."""
    lease = timedelta(seconds=settings.execution_lease_seconds)
    unresolved: DomainError | None = None
    free = await slots(db)
    async with unit_of_work(db) as session:
        execution = await admission.claim(
            session, execution_id, owner_name(), lease, free
        )
        if execution is None:
            await admission.wait_for_slot(session, execution_id)
            return
        rows = await repository.host_rows(session, execution.id)
        try:
            targets = await resolve(session, execution.device_ids)
        except DomainError as exc:
            unresolved = exc
        # last: the changes stream's counter row stays locked until COMMIT
        await service.announce(session, execution)
    if unresolved is not None:
        await _settle(db, execution, FAILED, {"steps": []}, unresolved.message)
        return
    by_device = {t.device_id: t for t in targets}
    hosts = [
        HostRun(row_id, device_id, name, by_device[device_id].target)
        for row_id, device_id, name in rows
        if device_id in by_device
    ]
    await Runner(db, execution, hosts, settings, settings.ssh_concurrency).run()
    await _remember_keys(db, hosts, remember)


async def _remember_keys(
    db: Sessionmaker, hosts: list[HostRun], remember: KeyRecorder
) -> None:
    seen = {
        h.device_id: h.presented_key
        for h in hosts
        if h.device_id is not None and h.presented_key
    }
    if not seen:
        return
    try:
        async with unit_of_work(db) as session:
            await remember(session, seen)
    except DomainError:
        log.warning("could not record host keys of devices %s", sorted(seen))


async def _settle(
    db: Sessionmaker,
    execution: Execution,
    status: str,
    results: dict[str, Any],
    error: str | None,
    *,
    sink: OutputSink | None = None,
) -> None:
    """The worker's terminal write: only under its own fencing token.

    What `sink` still holds is stored first, in the same transaction.
    """
    values = {"status": status, "results": results, "error_message": error}
    async with unit_of_work(db) as session:
        if sink is not None:
            await sink.write(session)
        done = await repository.finish(
            session, execution.id, values, token=execution.lease_token
        )
        if done is None:  # settled first by someone else: their results stand
            await repository.fill_results(session, execution.id, results)
            return
        await repository.end_open_hosts(session, done.id, status)
        await service.announce(session, done)


class Runner:
    """Runs the steps of one claimed execution on its hosts."""

    def __init__(
        self,
        db: Sessionmaker,
        execution: Execution,
        hosts: list[HostRun],
        settings: Settings,
        bound: int,
    ) -> None:
        self.db, self.execution, self.hosts = db, execution, hosts
        self.settings = settings
        self.limits = ssh.SSHLimits(connect_timeout=min(10.0, execution.timeout))
        self.sem = asyncio.Semaphore(bound)
        self.steps: list[dict[str, Any]] = []
        self.sink = OutputSink(db, execution.id, service.stream_of(execution.uuid))

    async def run(self) -> None:
        """Run every step while watching the lease; then settle."""
        async with self.sink:
            work = asyncio.create_task(self._all_steps())
            watch = asyncio.create_task(self._watch())
            await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
            stopped = not work.done()
            for task in (work, watch):
                task.cancel()
            await asyncio.gather(work, watch, return_exceptions=True)
            error = self._crash(work)
            self._close_hosts(CANCELLED if stopped else FAILED)
        await _settle(
            self.db, self.execution, *self._outcome(stopped, error), sink=self.sink
        )

    @staticmethod
    def _crash(work: asyncio.Task[None]) -> str | None:
        if work.cancelled() or work.exception() is None:
            return None
        exc = work.exception()
        log.error("execution crashed", exc_info=exc)
        return f"Internal error: {type(exc).__name__}"

    def _close_hosts(self, status: str) -> None:
        for host in self.hosts:
            if not host.saved:
                if host.status not in (COMPLETED, FAILED):
                    host.end(status, host.exit_code, host.error)
                self._save(host)

    def _save(self, host: HostRun) -> None:
        host.saved = True
        self.sink.host_done(host.row())
        self._announce(host)

    def _announce(self, host: HostRun) -> None:
        """Queue a `host` event unless subscribers already have this state."""
        event = host.event()
        if event != host.announced:
            host.announced = event
            self.sink.event("host", event)

    def _outcome(
        self, stopped: bool, error: str | None
    ) -> tuple[str, dict[str, Any], str | None]:
        failed = [h.name for h in self.hosts if h.status == FAILED]
        results: dict[str, Any] = {
            "steps": self.steps,
            "hosts": {
                h.name: {"status": h.status, "exit_code": h.exit_code}
                for h in self.hosts
            },
        }
        if not self.hosts:
            results["message"] = "No target hosts: command and script steps ran nowhere"
        status = service.outcome(len(failed), stopped)
        if error is not None:
            return FAILED, results, error
        if failed and not stopped:
            error = f"{len(failed)} of {len(self.hosts)} hosts failed"
        return status, results, error

    async def _all_steps(self) -> None:
        steps = self.execution.steps
        for index, step in enumerate(steps):
            self.sink.event(
                "step", {"index": index, **_brief(step), "status": "running"}
            )
            ok = await self._step(step, last=index == len(steps) - 1)
            status = COMPLETED if ok else FAILED
            self.steps.append({"index": index, **_brief(step), "status": status})
            self.sink.event("step", {"index": index, **_brief(step), "status": status})
            if not ok:
                return
        for host in self.hosts:
            if not host.saved:
                self._save(host)

    async def _step(self, step: dict[str, Any], *, last: bool) -> bool:
        if step["type"] == "wait":
            await asyncio.sleep(float(step["action"]))
            return True
        live = [h for h in self.hosts if h.status != FAILED]
        await asyncio.gather(*(self._on_host(h, step, last) for h in live))
        return all(h.status != FAILED for h in self.hosts)

    async def _on_host(self, host: HostRun, step: dict[str, Any], last: bool) -> None:
        """Run `step` on `host`; save its row as soon as it is final."""
        async with self.sem:
            host.begin()
            self._announce(host)
            status, code, error = await self._attempt(host, step)
            host.end(status, code, error)
            if status == FAILED or last:
                self._save(host)
            else:
                self._announce(host)

    async def _attempt(
        self, host: HostRun, step: dict[str, Any]
    ) -> tuple[str, int | None, str | None]:
        def emit(stream: str, lines: list[str]) -> None:
            lines = host.redact(lines)
            (host.stdout if stream == "stdout" else host.stderr).extend(lines)
            self.sink.output(host.name, host.device_id, stream, lines)

        timeout = self.execution.timeout
        try:
            async with asyncio.timeout(timeout):
                code = await execute(host, step, self.limits, emit, self.sink.room)
        except TimeoutError:
            return FAILED, None, f"Timed out after {timeout} s"
        except ssh.SSHError as exc:
            return FAILED, None, f"{exc.code}: {exc.message}"
        except (asyncssh.Error, OSError) as exc:
            return FAILED, None, f"SSH session failed: {type(exc).__name__}"
        if code is None or code < 0:
            return FAILED, None, "Terminated by a signal"
        return (COMPLETED if code == 0 else FAILED), code, None

    async def _watch(self) -> None:
        """Return when the execution is no longer ours (cancelled, reconciled)."""
        loop = asyncio.get_running_loop()
        lease = timedelta(seconds=self.settings.execution_lease_seconds)
        renew_every = self.settings.execution_lease_seconds / 3
        renewed = loop.time()
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                async with unit_of_work(self.db) as session:
                    ex, token = self.execution.id, self.execution.lease_token
                    if loop.time() - renewed >= renew_every:
                        ours = await repository.renew(session, ex, token, lease)
                        renewed = loop.time()
                    else:
                        ours = await repository.still_ours(session, ex, token)
            except Exception:
                log.exception("execution %s: lease check failed", self.execution.uuid)
                continue
            if not ours:
                return


def _brief(step: dict[str, Any]) -> dict[str, Any]:
    """A step for results and events: scripts by size, not by body."""
    if step["type"] == "script":
        return {"type": "script", "action": f"<script, {len(step['action'])} chars>"}
    return {"type": step["type"], "action": step["action"]}
