"""A job whose worker died is ended `failed`, never re-run; a live lease is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.ansible import job_runs, job_service, repository, stream
from app.db import Sessionmaker, unit_of_work, utcnow
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    execution_of,
    job_events,
    queue_job,
    statuses,
)

pytestmark = pytest.mark.usefixtures("controller_allowed")


async def _running_job(db: Sessionmaker, name: str, lease_in: timedelta) -> str:
    """A job claimed by a worker whose lease ends `lease_in` from now."""
    playbook = await make_playbook(db, name)
    job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
    async with unit_of_work(db) as session:
        now = utcnow()
        assert await repository.claim_job(session, job_id, now, now + lease_in)
        job = await job_service.get_job(session, job_id)
        assert await stream.start(session, job)
        job.playbooks[0].status = "running"
    return job_id


class TestReconcile:
    async def test_lapsed_job_fails_and_live_job_is_kept(
        self, db: Sessionmaker
    ) -> None:
        dead = await _running_job(db, "dead", timedelta(seconds=-1))
        alive = await _running_job(db, "alive", timedelta(seconds=60))
        assert await job_service.reconcile(db) == [dead]
        reason = "The worker running this job stopped; it was not re-run"
        async with db() as session:
            ended = await job_service.get_job(session, dead)
            kept = await job_service.get_job(session, alive)
        assert (ended.status, ended.playbooks[0].status) == ("failed", "failed")
        assert ended.error == reason
        assert kept.status == "running"
        items = await job_events(db, dead)
        assert [k for k, _ in items][-2:] == ["job.completed", "status"]
        assert statuses(items) == ["pending", "running", "failed"]
        execution, hosts = await execution_of(db, dead)
        assert (execution.status, execution.error_message) == ("failed", reason)
        assert [(h.status, h.error) for h in hosts.values()] == [("failed", reason)]
        assert (await execution_of(db, alive))[0].status == "running"
        assert await job_service.reconcile(db) == []

    async def test_redelivered_message_for_a_running_job_does_nothing(
        self, db: Sessionmaker
    ) -> None:
        busy = await _running_job(db, "busy", timedelta(seconds=60))
        before = await job_events(db, busy)
        await job_runs.run_job(db, busy)
        async with db() as session:
            job = await job_service.get_job(session, busy)
        assert (job.status, job.playbooks[0].status) == ("running", "running")
        assert await job_events(db, busy) == before
