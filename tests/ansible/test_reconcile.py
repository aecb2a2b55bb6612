"""A job whose worker died is ended `failed`, never re-run; a live lease is kept."""

from __future__ import annotations

from datetime import timedelta

from app.ansible import job_runs, job_service
from app.ansible.models import AnsibleJob, AnsibleJobPlaybook
from app.db import Sessionmaker, unit_of_work, utcnow
from tests.ansible.runs import job_events


async def _running_job(db: Sessionmaker, job_id: str, lease_in: timedelta) -> None:
    now = utcnow()
    async with unit_of_work(db) as session:
        session.add(
            AnsibleJob(
                id=job_id,
                status="running",
                started_at=now,
                lease_expires_at=now + lease_in,
                playbooks=[
                    AnsibleJobPlaybook(
                        position=1,
                        name="half done",
                        rendered="- hosts: all\n  tasks: []\n",
                        status="running",
                        started_at=now,
                    )
                ],
            )
        )


class TestReconcile:
    async def test_lapsed_job_fails_and_live_job_is_kept(
        self, db: Sessionmaker
    ) -> None:
        await _running_job(db, "job-dead", timedelta(seconds=-1))
        await _running_job(db, "job-alive", timedelta(seconds=60))
        assert await job_service.reconcile(db) == ["job-dead"]
        async with db() as session:
            dead = await job_service.get_job(session, "job-dead")
            alive = await job_service.get_job(session, "job-alive")
        assert (dead.status, dead.playbooks[0].status) == ("failed", "failed")
        assert dead.error == "The worker running this job stopped; it was not re-run"
        assert alive.status == "running"
        assert [k for k, _ in await job_events(db, "job-dead")] == ["job.completed"]
        assert await job_service.reconcile(db) == []

    async def test_redelivered_message_for_a_running_job_does_nothing(
        self, db: Sessionmaker
    ) -> None:
        await _running_job(db, "job-busy", timedelta(seconds=60))
        await job_runs.run_job(db, "job-busy")
        async with db() as session:
            job = await job_service.get_job(session, "job-busy")
        assert (job.status, job.playbooks[0].status) == ("running", "running")
        assert await job_events(db, "job-busy") == []
