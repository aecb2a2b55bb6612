"""Where a job's events and state go: the execution that backs every job.

A job is an execution of kind `ansible` (app.executions): its events share the
execution's stream, so `executionEvents`, `executionProgress`,
`executionsChanged` and `execution(id)` follow Ansible runs too. The job's
worker drives that execution's state; this module is the only place that
reaches it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.ansible.models import AnsibleJob
from app.executions import service as executions_service
from app.executions.errors import ExecutionFinishedError

KIND = "ansible"
# The job's last event; the execution's final `status` event follows it.
FINAL_EVENT = "job.completed"
HostOutcome = executions_service.HostOutcome
# Hosts a job never reached: not matched by any play, or the job stopped first.
UNTOUCHED = {"completed": HostOutcome("skipped"), "cancelled": HostOutcome("cancelled")}


def stream_of(job: AnsibleJob) -> str:
    """The event stream of `job` (its execution's)."""
    if job.execution_uuid is None:
        return f"ansible-job:{job.id}"  # jobs queued before revision ansible_0002
    return executions_service.stream_of(job.execution_uuid)


async def emit(
    session: AsyncSession, stream: str, items: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    """Append (type, data) events to a job's stream inside the unit of work."""
    await events.append(session, stream, items)


async def open_execution(
    session: AsyncSession,
    job: AnsibleJob,
    hosts: Sequence[tuple[int | None, str]],
    playbook_timeout_s: int,
) -> None:
    """Create the pending execution of a new job, with its (device id, host)s."""
    execution = await executions_service.submit(
        session,
        kind=KIND,
        steps=[{"type": "ansible_playbook", "action": e.name} for e in job.playbooks],
        hosts=[executions_service.HostRef(d, name) for d, name in hosts],
        host_timeout=playbook_timeout_s,
        created_by=job.created_by,
        enqueue=False,
    )
    job.execution_uuid = execution.uuid


async def start(session: AsyncSession, job: AnsibleJob) -> bool:
    """Mark the job's execution running; False if it was cancelled while queued."""
    if job.execution_uuid is None:
        return True
    started = await executions_service.start_external(session, job.execution_uuid)
    return started is not None


async def ended(session: AsyncSession, execution_uuid: str | None) -> bool:
    """Whether a job's execution was ended from outside (e.g. `cancelExecution`)."""
    if execution_uuid is None:
        return False
    execution = await executions_service.get(session, execution_uuid)
    return execution.status in executions_service.TERMINAL


async def close_execution(
    session: AsyncSession, job: AnsibleJob, outcomes: Mapping[str, HostOutcome]
) -> None:
    """End the finished job's execution with its host outcomes, unless it ended."""
    if job.execution_uuid is None:
        return
    execution = await executions_service.get(session, job.execution_uuid)
    if execution.status in executions_service.TERMINAL:
        return  # cancelled through the execution: that end stands
    names = [h.host for h in await executions_service.hosts(session, execution)]
    rest = UNTOUCHED.get(job.status, HostOutcome("failed", job.error))
    hosts = {name: outcomes.get(name, rest) for name in names}
    await executions_service.record_hosts(session, execution, hosts)
    status, error = _outcome(job)
    results = {"job_id": job.id, "playbooks": _playbooks(job)}
    with contextlib.suppress(ExecutionFinishedError):  # a cancel won the race
        await executions_service.settle(
            session, execution, status, results=results, error_message=error
        )


def _outcome(job: AnsibleJob) -> tuple[str, str | None]:
    """The execution's status and error: a failed playbook fails it."""
    if job.status != "completed":
        reason = "Cancelled by request" if job.status == "cancelled" else job.error
        return job.status, reason
    failed = sum(e.status == "failed" for e in job.playbooks)
    if failed:
        return "failed", f"{failed} of {len(job.playbooks)} playbooks failed"
    return "completed", None


def _playbooks(job: AnsibleJob) -> list[dict[str, Any]]:
    return [
        {"id": e.playbook_id, "name": e.name, "status": e.status} for e in job.playbooks
    ]
