"""Execution rules: submit, read, cancel, settle, reconcile; and their events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import events, jobs
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import found_or_raise
from app.executions import long_running_alerts, repository, targets
from app.executions.errors import (
    ExecutionFinishedError,
    ExecutionNotFoundError,
    InvalidExecutionError,
)
from app.executions.models import (
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    STATUSES,
    TERMINAL,
    Execution,
    ExecutionHost,
)
from app.executions.repository import ExecutionFilter
from app.executions.targets import HostRef, host_refs
from app.runtime_settings import service as settings_service

# Every execution's status changes, for list dashboards (`executionsChanged`).
CHANGES_STREAM = "executions"
STEP_TYPES = ("command", "script", "wait")
MAX_TIMEOUT = 86_400


@dataclass(frozen=True)
class Page:
    """One page of executions with the total and their host rows."""

    items: list[Execution]
    total: int
    hosts: dict[int, list[ExecutionHost]]


def stream_of(uuid: str) -> str:
    """The event stream of one execution."""
    return f"execution:{uuid}"


# Kinds another domain's worker drives (submitted with enqueue=False): no
# `executions.run` message exists for them, so the reconciler never re-sends one.
EXTERNAL_KINDS = frozenset({"ansible"})


async def submit(
    session: AsyncSession,
    *,
    kind: str,
    steps: Sequence[dict[str, Any]],
    hosts: Sequence[HostRef],
    host_timeout: int = 60,
    playbook_id: int | None = None,
    script_id: int | None = None,
    created_by: int | None = None,
    enqueue: bool = True,
) -> Execution:
    """Persist a pending execution and queue it for a worker (after commit).

    `enqueue=False`: another domain's worker drives it (`start_external`).
    """
    if not 1 <= host_timeout <= MAX_TIMEOUT:
        raise InvalidExecutionError(f"timeout must be between 1 and {MAX_TIMEOUT}")
    external = kind in EXTERNAL_KINDS
    if enqueue == external:
        engine = "another domain's worker" if external else "the executions engine"
        raise ValueError(f"executions of kind {kind!r} are run by {engine}")
    execution = Execution(
        kind=kind,
        status=PENDING,
        steps=list(steps),
        device_ids=[h.device_id for h in hosts if h.device_id is not None],
        timeout=host_timeout,
        playbook_id=playbook_id,
        script_id=script_id,
        created_by=created_by,
        hosts_total=len(hosts),
    )
    session.add(execution)
    await session.flush()
    await repository.add_hosts(session, execution.id, hosts)
    if enqueue:
        # before announce: after commit, hooks run in order, and the worker
        # should not wait for the subscribers' wake-up to be sent first
        jobs.enqueue(jobs.RUN_EXECUTION, execution_id=execution.uuid)
    await announce(session, execution)
    return execution


async def submit_command(
    session: AsyncSession,
    device_ids: Sequence[int],
    command: str,
    *,
    host_timeout: int = 60,
    created_by: int | None = None,
) -> Execution:
    """Queue an ad-hoc shell command on devices."""
    if not command.strip():
        raise InvalidExecutionError("command must not be empty")
    if not device_ids:
        raise InvalidExecutionError("at least one device id is required")
    return await submit(
        session,
        kind="command",
        steps=[{"type": "command", "action": command}],
        hosts=await hosts_for_devices(session, device_ids),
        host_timeout=host_timeout,
        created_by=created_by,
    )


async def announce(session: AsyncSession, execution: Execution, **extra: Any) -> None:
    """Record a status change on the execution's stream and the changes stream."""
    final = execution.status in TERMINAL
    data = {
        "status": execution.status,
        "error_message": execution.error_message,
        "final": final,
        **extra,
    }
    change = {"id": execution.uuid, "number": execution.id, "status": execution.status}
    batches = [
        (stream_of(execution.uuid), [("status", data)]),
        (CHANGES_STREAM, [("execution.changed", change)]),
    ]
    if final:
        fact = (f"execution.{execution.status}", _domain_fact(execution))
        batches.append((events.DOMAIN_STREAM, [fact]))
    await events.append_streams(session, batches)


def _domain_fact(execution: Execution) -> dict[str, Any]:
    return {
        "execution_id": execution.uuid,
        "id": execution.id,
        "kind": execution.kind,
        "status": execution.status,
        "playbook_id": execution.playbook_id,
        "script_id": execution.script_id,
        "error_message": execution.error_message,
    }


async def get(session: AsyncSession, execution_id: str | int) -> Execution:
    """The execution by public uuid or integer id; raise when missing."""
    found = (
        await repository.by_id(session, execution_id)
        if isinstance(execution_id, int)
        else await repository.by_uuid(session, execution_id)
    )
    return found_or_raise(found, ExecutionNotFoundError("Execution not found"))


async def hosts(session: AsyncSession, execution: Execution) -> list[ExecutionHost]:
    """The per-host results of one execution."""
    return await repository.hosts_of(session, [execution.id])


def execution_query(f: ExecutionFilter) -> Select[tuple[Execution]]:
    """The executions `f` selects, unordered (for keyset pages)."""
    query: Select[tuple[Execution]] = repository.filtered(f)
    return query


async def hosts_by_execution(
    session: AsyncSession, execution_ids: Sequence[int]
) -> dict[int, list[ExecutionHost]]:
    """The host rows of these executions (for loaders), in creation order."""
    found: dict[int, list[ExecutionHost]] = {i: [] for i in execution_ids}
    for row in await repository.hosts_of(session, execution_ids):
        found[row.execution_id].append(row)
    return found


async def list_page(
    session: AsyncSession, f: ExecutionFilter, offset: int, limit: int
) -> Page:
    """Executions matching `f`, newest first, with their host rows."""
    items, total = await repository.list_executions(session, f, offset, limit)
    return Page(items, total, await hosts_by_execution(session, [e.id for e in items]))


async def cancel(session: AsyncSession, execution: Execution) -> Execution:
    """End a pending or running execution as cancelled; its worker stops in < 1 s."""
    return await settle(
        session, execution, CANCELLED, error_message="Cancelled by request"
    )


async def settle(
    session: AsyncSession,
    execution: Execution,
    status: str,
    *,
    results: dict[str, Any] | None = None,
    error_message: str | None = None,
) -> Execution:
    """Write a terminal state from outside the worker, exactly once."""
    values: dict[str, Any] = {"status": status, "error_message": error_message}
    if results is not None:
        values["results"] = results
    done = await repository.finish(session, execution.id, values)
    if done is None:
        raise ExecutionFinishedError(f"Execution is already {execution.status}")
    await repository.end_open_hosts(session, done.id, CANCELLED)
    await announce(session, done)
    return done


async def update_results(
    session: AsyncSession, execution: Execution, results: dict[str, Any]
) -> Execution:
    """Replace the results of a live execution; a settled one keeps its own."""
    if not await repository.update_results(session, execution.id, results):
        await session.refresh(execution, ["status"])
        raise ExecutionFinishedError(f"Execution is already {execution.status}")
    execution.results = results
    return execution


@dataclass(frozen=True)
class Reconciled:
    """What one reconcile pass did, by execution uuid."""

    failed: list[str]
    requeued: list[str]
    long_running: list[str] = field(default_factory=list)


async def reconcile(db: Sessionmaker, requeue_after: timedelta) -> Reconciled:
    """Fail expired leases (never re-run); re-send what no worker claimed in time;
    raise an alert for each execution running longer than the runtime setting.
    """
    async with unit_of_work(db) as session:
        failed = await _fail_expired(session)
    async with unit_of_work(db) as session:
        requeued = await _requeue_unclaimed(session, requeue_after)
    delay = (await settings_service.effective(db)).long_running_delay_seconds
    async with unit_of_work(db) as session:
        long_running = await long_running_alerts.raise_due(
            session, timedelta(seconds=delay)
        )
    return Reconciled(failed, requeued, long_running)


async def _fail_expired(session: AsyncSession) -> list[str]:
    ended = []
    for stale in await repository.expired(session):
        reason = (
            f"Worker {stale.lease_owner or 'unknown'} stopped renewing its lease "
            f"(expired {stale.lease_expires_at:%Y-%m-%dT%H:%M:%SZ}); "
            "not re-run because commands may not be idempotent"
        )
        done = await repository.finish(
            session,
            stale.id,
            {"status": FAILED, "error_message": reason},
            token=stale.lease_token,
        )
        if done is not None:
            await repository.end_open_hosts(session, done.id, FAILED)
            await announce(session, done)
            ended.append(done.uuid)
    return ended


async def _requeue_unclaimed(session: AsyncSession, after: timedelta) -> list[str]:
    """Send again the message of executions no worker claimed for `after`.

    The message may have been lost (Redis flushed, the send after commit failed,
    an embedded server restarted with its in-memory queue). A duplicate is
    harmless: only one delivery can claim a pending execution. A pending row's
    `updated_at` is when its message was last sent; each re-send waits at least
    as long as the execution had already waited, so a long backlog gets a few
    duplicates, not one per pass.
    """
    now = utcnow()
    requeued = []
    for execution in await repository.unclaimed_since(
        session, now - after, EXTERNAL_KINDS
    ):
        sent = execution.updated_at
        if now - sent < sent - execution.created_at:
            continue
        await repository.mark_sent(session, execution.id, now)
        waited = round((now - execution.created_at).total_seconds(), 1)
        data = {"waited_seconds": waited, "reason": "no worker claimed it"}
        await events.append(session, stream_of(execution.uuid), [("requeued", data)])
        jobs.enqueue(jobs.RUN_EXECUTION, execution_id=execution.uuid)
        requeued.append(execution.uuid)
    return requeued


@dataclass(frozen=True)
class Progress:
    """How far an execution has got."""

    status: str
    hosts_done: int
    hosts_total: int
    percent: float
    eta_seconds: float | None


async def progress(session: AsyncSession, execution: Execution) -> Progress:
    """Hosts done out of total, percent and a linear ETA."""
    counts = await repository.status_counts(session, execution.id)
    done = sum(n for status, n in counts.items() if status not in (PENDING, RUNNING))
    total = execution.hosts_total
    if execution.status in TERMINAL:
        return Progress(execution.status, done, total, 100.0, 0.0)
    percent = round(100.0 * done / total, 1) if total else 0.0
    eta = None
    if execution.started_at is not None and 0 < done < total:
        elapsed = (utcnow() - execution.started_at).total_seconds()
        eta = round(elapsed / done * (total - done), 1)
    return Progress(execution.status, done, total, percent, eta)


def outcome(failed_hosts: int, stopped: bool) -> str:
    """The terminal status a worker reports."""
    if stopped:
        return CANCELLED
    return FAILED if failed_hosts else COMPLETED


def matches(execution: Execution, f: ExecutionFilter) -> bool:
    """True when `execution` passes the simple fields of `f`."""
    return (
        (f.kind is None or execution.kind == f.kind)
        and (not f.statuses or execution.status in f.statuses)
        and (f.playbook_id is None or execution.playbook_id == f.playbook_id)
        and (f.script_id is None or execution.script_id == f.script_id)
        and (f.device_id is None or f.device_id in execution.device_ids)
    )


async def hosts_for_devices(
    session: AsyncSession, device_ids: Sequence[int]
) -> list[HostRef]:
    """Hosts for `device_ids` (each once, in order); raises on an unknown id."""
    return await host_refs(session, list(dict.fromkeys(device_ids)))


async def apply_update(
    session: AsyncSession,
    execution: Execution,
    status: str | None,
    results: dict[str, Any] | None,
) -> Execution:
    """A client's status/results update: cancel, finish, or replace the results."""
    if status is not None and status not in STATUSES:
        raise InvalidExecutionError("Invalid execution status")
    if status is None or status == execution.status:
        if results is not None:
            execution = await update_results(session, execution, results)
        return execution
    if status == CANCELLED:
        return await cancel(session, execution)
    if status in (COMPLETED, FAILED):
        return await settle(session, execution, status, results=results)
    raise InvalidExecutionError(
        "Execution status can only be set to completed, failed or cancelled"
    )


@dataclass(frozen=True)
class HostRunPage:
    """One page of per-host runs with their executions."""

    items: list[tuple[ExecutionHost, Execution]]
    total: int


async def list_host_runs(
    session: AsyncSession,
    f: ExecutionFilter,
    host_statuses: Sequence[str] | None,
    offset: int,
    limit: int,
) -> HostRunPage:
    """Per-host runs (biRun's per-server executions), newest first."""
    items, total = await repository.list_host_runs(
        session, f, host_statuses, offset, limit
    )
    return HostRunPage(items, total)


async def host_run(
    session: AsyncSession, host_id: int
) -> tuple[ExecutionHost, Execution]:
    """One per-host run; raise when missing."""
    return found_or_raise(
        await repository.host_run(session, host_id),
        ExecutionNotFoundError("Execution not found"),
    )


async def group_members(session: AsyncSession, group_id: int) -> list[int]:
    """The device ids in a device group (raises when the group is unknown)."""
    return await targets.group_members(session, group_id)


@dataclass(frozen=True)
class Activity:
    """Executions live now and finished recently."""

    running: int
    pending: int
    completed_today: int
    completed_1h: int
    failed_1h: int
    running_1h: int


async def activity(session: AsyncSession, now: datetime | None = None) -> Activity:
    """Running and pending now; completed since UTC midnight; last hour's outcomes."""
    now = now or utcnow()
    today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    counts = await repository.activity_counts(session, today, now - timedelta(hours=1))
    return Activity(**counts)


@dataclass(frozen=True)
class HostOutcome:
    """How a run driven by another domain's worker ended on one host."""

    status: str
    error: str | None = None
    stdout: str = ""
    started_at: datetime | None = None


async def start_external(session: AsyncSession, uuid: str) -> Execution | None:
    """Mark a pending execution that another domain's worker drives running.

    No lease is taken: the driver keeps its own and ends the execution when it
    lapses. None when the execution is no longer pending (cancelled meanwhile).
    """
    started = await repository.start_unleased(session, uuid)
    if started is not None:
        await announce(session, started)
    return started


async def record_hosts(
    session: AsyncSession, execution: Execution, outcomes: Mapping[str, HostOutcome]
) -> None:
    """Write the outcome of each named host of an execution, counting them done."""
    now = utcnow()
    rows = [
        {"id": row.id, **asdict(found), "completed_at": now}
        for row in await repository.hosts_of(session, [execution.id])
        if (found := outcomes.get(row.host)) is not None
    ]
    await repository.save_hosts(session, rows)
    await repository.add_hosts_done(session, execution.id, len(rows))
