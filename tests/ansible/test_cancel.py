"""Cancelling Ansible jobs: queued ones at once, running ones stop ansible-runner."""

from __future__ import annotations

import asyncio
import time

import psutil
import pytest

from app.ansible import job_runs, job_service
from app.ansible.errors import JobNotCancellableError, JobNotFoundError
from app.ansible.models import AnsibleJob
from app.db import Sessionmaker, unit_of_work
from tests.ansible.helpers import DEBUG_TASK, make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    execution_of,
    job_events,
    queue_job,
    run,
    statuses,
    wait_for_event,
)

pytestmark = pytest.mark.usefixtures("controller_allowed")

SLEEP_TASK = "name: nap\ncommand: sleep 61.5"


def _sleepers() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] == ["sleep", "61.5"]:
            found.append(process)
    return found


async def _cancel(db: Sessionmaker, job_id: str) -> str:
    async with unit_of_work(db) as session:
        job = await job_service.cancel_job(session, job_id)
    return job.status


class TestCancelJob:
    async def test_running_job_stops_ansible_runner(self, db: Sessionmaker) -> None:
        napping = await make_playbook(db, "napping", tasks=[(True, SLEEP_TASK)])
        after = await make_playbook(db, "after", tasks=[(True, DEBUG_TASK)])
        job_id = await queue_job(db, [napping.id, after.id], LOCAL_INVENTORY)
        runner = asyncio.create_task(job_runs.run_job(db, job_id))
        await wait_for_event(db, job_id, "task.started")
        assert await _cancel(db, job_id) == "running"
        started = time.monotonic()
        await asyncio.wait_for(runner, 15)
        assert time.monotonic() - started < 10
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert job.status == "cancelled"
        assert [e.status for e in job.playbooks] == ["cancelled", "cancelled"]
        assert job.playbooks[1].started_at is None
        items = await job_events(db, job_id)
        assert items[-1] == (
            "status",
            {
                "status": "cancelled",
                "error_message": "Cancelled by request",
                "final": True,
            },
        )
        assert items[-2] == (
            "job.completed",
            {
                "status": "cancelled",
                "error": None,
                "playbooks": [
                    {"id": napping.id, "name": "napping", "status": "cancelled"},
                    {"id": after.id, "name": "after", "status": "cancelled"},
                ],
            },
        )
        assert not any(k.startswith("host.") for k, _ in items)
        assert not _sleepers()

    async def test_queued_job_is_cancelled_and_never_runs(
        self, db: Sessionmaker
    ) -> None:
        playbook = await make_playbook(db)
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        assert await _cancel(db, job_id) == "cancelled"
        await job_runs.run_job(db, job_id)
        items = await job_events(db, job_id)
        assert [k for k, _ in items] == [
            "status",
            "job.queued",
            "job.completed",
            "status",
        ]
        assert statuses(items) == ["pending", "cancelled"]
        execution, hosts = await execution_of(db, job_id)
        assert execution.status == "cancelled"
        assert [h.status for h in hosts.values()] == ["cancelled"]

    async def test_finished_job_cannot_be_cancelled(self, db: Sessionmaker) -> None:
        playbook = await make_playbook(db)
        job = await run(db, [playbook.id], LOCAL_INVENTORY)
        with pytest.raises(JobNotCancellableError, match="already completed"):
            await _cancel(db, job.id)

    async def test_unknown_job(self, db: Sessionmaker) -> None:
        with pytest.raises(JobNotFoundError):
            await _cancel(db, "job-000000000000")


class TestInventoryInUse:
    async def test_only_unfinished_jobs_hold_an_inventory(
        self, db: Sessionmaker
    ) -> None:
        async with unit_of_work(db) as session:
            for job_id, status in (("job-a", "running"), ("job-b", "completed")):
                session.add(
                    AnsibleJob(
                        id=job_id,
                        status=status,
                        inventory_id=7 if job_id == "job-a" else 8,
                    )
                )
        async with db() as session:
            assert await job_service.inventory_in_use(session, 7)
            assert not await job_service.inventory_in_use(session, 8)
            assert not await job_service.inventory_in_use(session, 9)
