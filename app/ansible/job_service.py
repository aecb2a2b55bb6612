"""Ansible jobs: playbooks run one after another by ansible-runner, as events."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import jobs
from app.ansible import controller, inventory, repository, runner, stream
from app.ansible import service as playbooks
from app.ansible.errors import (
    JobNotCancellableError,
    JobNotFoundError,
    PlaybookNotFoundError,
)
from app.ansible.models import AnsibleJob, AnsibleJobPlaybook
from app.db import Sessionmaker, unit_of_work, utcnow
from app.errors import InvalidError, found_or_raise
from app.inventories import service as inventories_service

RUN_JOB = jobs.JobSpec(actor_name="ansible.run_job", queue="ansible")
FINISHED = ("completed", "failed", "cancelled")
MAX_PLAYBOOKS = 50


async def create_job(
    session: AsyncSession,
    playbook_ids: Sequence[int],
    *,
    inventory_id: int | None = None,
    extra_vars: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> AnsibleJob:
    """Queue a job running `playbook_ids` in order, each rendered as it is now."""
    if not playbook_ids or len(playbook_ids) > MAX_PLAYBOOKS:
        raise InvalidError(f"playbook_ids must list 1 to {MAX_PLAYBOOKS} playbooks")
    found = await repository.playbooks_by_ids(session, list(set(playbook_ids)))
    missing = [i for i in playbook_ids if i not in found]
    if missing:
        raise PlaybookNotFoundError(missing[0])
    if extra_vars is not None and not isinstance(extra_vars, dict):
        raise InvalidError("extra_vars must be an object")
    entries = [_entry(n, found[i]) for n, i in enumerate(playbook_ids, 1)]
    rendered = [entry.rendered for entry in entries]
    await refuse_controller_side(session, rendered, inventory_id, extra_vars or {})
    hosts = await inventory.hosts(session, inventory_id)
    job = AnsibleJob(
        id=f"job-{secrets.token_hex(6)}",
        status="queued",
        inventory_id=inventory_id,
        extra_vars=extra_vars or {},
        created_by=user_id,
        created_at=utcnow(),
        playbooks=entries,
    )
    await stream.open_execution(session, job, hosts, runner.PLAYBOOK_TIMEOUT_S)
    session.add(job)
    await session.flush()
    queued = [{"id": e.playbook_id, "name": e.name} for e in job.playbooks]
    items = [("job.queued", {"playbooks": queued})]
    await stream.emit(session, stream.stream_of(job), items)
    jobs.enqueue(RUN_JOB, job_id=job.id)
    return job


async def refuse_controller_side(
    session: AsyncSession,
    rendered: Sequence[str],
    inventory_id: int | None,
    extra_vars: dict[str, Any],
) -> None:
    """Raise InvalidError when the job would act on the controller (unless an
    admin allows it); checked when a job is queued and again before it runs."""
    if not await controller.enforced(session):
        return
    config = None
    if inventory_id is not None:
        config = (await inventories_service.get_inventory(session, inventory_id)).config
    try:
        controller.check_run(list(rendered), config, extra_vars)
    except controller.ControllerSideError as exc:
        raise InvalidError(f"Controller-side execution is not allowed: {exc}") from None


async def refuse_controller_side_node(
    session: AsyncSession, inventory_id: object, extra_vars: dict[str, Any]
) -> None:
    """Raise InvalidError when a workflow's Ansible node, as saved, would act on
    the controller: no inventory, or controller-side extra vars. A templated
    inventory id is checked when the job is queued."""
    if not await controller.enforced(session):
        return
    try:
        if inventory_id in (None, ""):
            raise controller.ControllerSideError(
                "an Ansible node needs inventory_id: without one Ansible runs "
                "on its implicit localhost, the controller"
            )
        controller.check_variables(extra_vars, "extra_vars")
    except controller.ControllerSideError as exc:
        raise InvalidError(f"controller-side execution is not allowed: {exc}") from None


def _entry(position: int, playbook: Any) -> AnsibleJobPlaybook:
    return AnsibleJobPlaybook(
        position=position,
        playbook_id=playbook.id,
        name=playbook.name,
        rendered=playbooks.render(playbook),
        status="queued",
    )


async def get_job(session: AsyncSession, job_id: str) -> AnsibleJob:
    """The job with its playbooks; raise JobNotFoundError."""
    return found_or_raise(
        await repository.job_by_id(session, job_id), JobNotFoundError(job_id)
    )


async def recent_jobs(session: AsyncSession, limit: int) -> list[AnsibleJob]:
    """The newest `limit` jobs with their playbooks, newest first."""
    return await repository.recent_jobs(session, limit)


async def cancel_job(session: AsyncSession, job_id: str) -> AnsibleJob:
    """Cancel a queued job at once; ask a running one's worker to stop it."""
    job = found_or_raise(
        await repository.job_by_id(session, job_id, for_update=True),
        JobNotFoundError(job_id),
    )
    if job.status in FINISHED:
        raise JobNotCancellableError(job_id, job.status)
    job.cancel_requested = True
    if job.status == "queued":
        await end_job(session, job, "cancelled", None)
    else:
        items = [("job.cancel_requested", {})]
        await stream.emit(session, stream.stream_of(job), items)
    await session.flush()
    return job


async def inventory_in_use(session: AsyncSession, inventory_id: int) -> bool:
    """Whether a queued or running Ansible job uses the inventory (INVENTORY_IN_USE)."""
    return await repository.inventory_has_active_job(session, inventory_id)


async def end_job(
    session: AsyncSession,
    job: AnsibleJob,
    status: str,
    error: str | None,
    hosts: Mapping[str, stream.HostOutcome] | None = None,
) -> None:
    """Give `job` and its execution their final status; unfinished playbooks end
    with it. `hosts`: what each host went through (the others take the job's end)."""
    now = utcnow()
    leftover = "failed" if status == "failed" else "cancelled"
    for entry in job.playbooks:
        if entry.status in ("queued", "running"):
            entry.status, entry.completed_at = leftover, now
    job.status, job.error, job.completed_at = status, error, now
    job.lease_expires_at = None
    final = [(stream.FINAL_EVENT, final_event_data(job))]
    await stream.emit(session, stream.stream_of(job), final)
    await stream.close_execution(session, job, hosts or {})


async def reconcile(db: Sessionmaker) -> list[str]:
    """Fail running jobs whose worker stopped renewing its lease; never re-run them.

    The worker's reconciler loop runs this every few seconds.
    """
    async with unit_of_work(db) as session:
        lapsed = await repository.lapsed_job_ids(session, utcnow())
        for job_id in lapsed:
            job = await repository.job_by_id(session, job_id)
            assert job is not None  # noqa: S101  locked by lapsed_job_ids
            reason = "The worker running this job stopped; it was not re-run"
            await end_job(session, job, "failed", reason)
    return lapsed


def final_event_data(job: AnsibleJob) -> dict[str, Any]:
    """The payload of a job's last event: its status and each playbook's."""
    return {
        "status": job.status,
        "error": job.error,
        "playbooks": [
            {"id": e.playbook_id, "name": e.name, "status": e.status}
            for e in job.playbooks
        ],
    }
