"""Ansible Hub actors."""

from __future__ import annotations

from app.ansible import job_runs
from app.ansible.job_service import RUN_JOB
from worker import runtime
from worker.registry import actor


@actor(RUN_JOB)
async def run_job(job_id: str) -> None:
    """Run a queued Ansible job's playbooks one after another."""
    strict = runtime.settings().ssh_strict_host_keys
    await job_runs.run_job(runtime.db(), job_id, strict=strict)
