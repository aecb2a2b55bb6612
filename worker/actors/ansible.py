"""Ansible Hub actors."""

from __future__ import annotations

from app.ansible import job_runs
from app.ansible.job_service import RUN_JOB
from worker import runtime
from worker.registry import actor


@actor(RUN_JOB)
async def run_job(job_id: str) -> None:
    """Run a queued Ansible job's playbooks one after another."""
    settings = runtime.settings()
    await job_runs.run_job(
        runtime.db(),
        job_id,
        strict=settings.ssh_strict_host_keys,
        lease_s=settings.execution_lease_seconds,
        hidden=(str(settings.data_dir),),
    )
