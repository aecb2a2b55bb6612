"""The scheduler fires each due time exactly once, on real PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work, utcnow
from app.schedules import repository, scheduler
from app.schedules import service as schedules_service
from app.schedules.models import Schedule, ScheduleFire
from app.settings import Settings
from app.workflows.models import WorkflowExecution

ROOT = Path(__file__).resolve().parents[2]
SCHEDULER_PROCESS = """
import asyncio, sys
from app import jobs
from app.db import make_engine, make_sessionmaker
from app.schedules.scheduler import run_loop
from app.settings import Settings

async def main() -> None:
    settings = Settings(_env_file=None, database_url=sys.argv[1],
                        secret_key="k" * 40, scheduler_interval_seconds=0.05)
    jobs.make_broker(settings)
    engine = make_engine(settings.sqlalchemy_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(float(sys.argv[2]), stop.set)
    await run_loop(make_sessionmaker(engine), settings, stop)
    await engine.dispose()

asyncio.run(main())
"""


async def make_job(db: Sessionmaker, workflow_id: str, **fields: Any) -> int:
    async with unit_of_work(db) as session:
        job = await schedules_service.create_schedule(
            session,
            "workflow",
            {"name": "job", "workflow_id": workflow_id, **fields},
            None,
        )
    return job.id


async def set_next_run(db: Sessionmaker, job_id: int, when: Any) -> None:
    async with unit_of_work(db) as session:
        await session.execute(
            update(Schedule).where(Schedule.id == job_id).values(next_run_at=when)
        )


async def fires(db: Sessionmaker, job_id: int) -> list[ScheduleFire]:
    async with db() as session:
        return await repository.list_fires(session, job_id)


async def executions(db: Sessionmaker) -> list[WorkflowExecution]:
    async with db() as session:
        return list(await session.scalars(select(WorkflowExecution)))


class TestTick:
    async def test_three_concurrent_schedulers_fire_once(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        due = utcnow().replace(microsecond=0) - timedelta(seconds=1)
        await set_next_run(db, job_id, due)
        engines = [make_engine(settings.sqlalchemy_url) for _ in range(3)]
        try:
            passes = await asyncio.gather(
                *(
                    scheduler.tick(make_sessionmaker(e))
                    for e in engines
                    for _ in range(4)
                )
            )
        finally:
            for engine in engines:
                await engine.dispose()
        assert sum(len(p.fired) for p in passes) == 1
        [fire] = await fires(db, job_id)
        assert (fire.fire_time, fire.status, fire.manual) == (due, "fired", False)
        [run] = await executions(db)
        assert (run.trigger_type, run.trigger_data["schedule_id"]) == (
            "schedule",
            job_id,
        )
        assert fire.workflow_execution_id == run.id
        async with db() as session:
            job = await session.get(Schedule, job_id)
        assert job is not None
        assert job.next_run_at is not None
        assert job.next_run_at > utcnow()
        assert (job.next_run_at.hour, job.next_run_at.minute) == (2, 0)
        assert job.last_run_at == due

    async def test_a_due_time_already_recorded_is_not_fired_again(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        due = utcnow().replace(microsecond=0) - timedelta(seconds=1)
        await set_next_run(db, job_id, due)
        async with unit_of_work(db) as session:  # another leader got there first
            await repository.insert_fire(
                session, schedule_id=job_id, fire_time=due, status="fired",
                created_at=utcnow(),
            )  # fmt: skip
        done = await scheduler.tick(db)
        assert done.led
        assert done.fired == []
        assert await executions(db) == []
        assert len(await fires(db, job_id)) == 1

    async def test_misfire_beyond_tolerance_is_skipped_and_recorded(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        missed = datetime(2030, 1, 2, 2, 0, tzinfo=UTC)
        await set_next_run(db, job_id, missed)
        done = await scheduler.tick(db, missed + timedelta(hours=3))
        assert done.fired == []
        assert done.skipped == [(job_id, missed, 1)]
        [fire] = await fires(db, job_id)
        assert (fire.status, fire.fire_time, fire.missed_count, fire.reason) == (
            "skipped",
            missed,
            1,
            "missed by more than the 60 s tolerance",
        )
        assert await executions(db) == []

    async def test_interval_outage_fires_latest_once(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        job_id = await make_job(
            db, workflow_id, schedule_type="interval", interval_seconds=600
        )
        now = utcnow()
        await set_next_run(db, job_id, now - timedelta(seconds=1830))
        done = await scheduler.tick(db, now)
        assert [t for _, t in done.fired] == [now - timedelta(seconds=30)]
        assert [c for _, _, c in done.skipped] == [3]
        assert len(await executions(db)) == 1

    async def test_disabled_workflow_fire_recorded_as_failed(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        from app.workflows import service as workflows_service

        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        async with unit_of_work(db) as session:
            await workflows_service.update_workflow(
                session, workflow_id, {"enabled": False}
            )
        await set_next_run(db, job_id, utcnow() - timedelta(seconds=1))
        await scheduler.tick(db)
        [fire] = await fires(db, job_id)
        assert fire.status == "failed"
        assert "is disabled" in (fire.reason or "")


class TestSchedulerProcesses:
    async def test_three_processes_fire_each_second_once(
        self, db: Sessionmaker, settings: Settings, workflow_id: str, pg_url: str
    ) -> None:
        job_id = await make_job(db, workflow_id, cron_expression="* * * * * *")
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                SCHEDULER_PROCESS,
                pg_url,
                "3.5",
                env=env,
                cwd=ROOT,
                stderr=subprocess.PIPE,
            )
            for _ in range(3)
        ]
        results = [await p.communicate() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], results
        recorded = await fires(db, job_id)
        fired = [f for f in recorded if f.status == "fired"]
        assert len(fired) >= 2, [(f.status, f.reason, f.fire_time) for f in recorded]
        runs = await executions(db)
        assert len(runs) == len(fired)
        times = [r.trigger_data["fire_time"] for r in runs]
        assert len(set(times)) == len(times)
        assert {f.workflow_execution_id for f in fired} == {r.id for r in runs}
        async with db() as session:
            distinct = await session.scalar(
                select(func.count(func.distinct(ScheduleFire.fire_time)))
            )
        assert distinct == len(recorded)


class TestWorkerLoop:
    async def test_embedded_worker_runs_the_scheduler(
        self, db: Sessionmaker, settings: Settings, workflow_id: str
    ) -> None:
        from worker.broker import embedded

        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        await set_next_run(db, job_id, utcnow() - timedelta(seconds=1))
        fast = settings.model_copy(update={"scheduler_interval_seconds": 0.05})
        async with embedded(fast):
            for _ in range(100):
                recorded = await fires(db, job_id)
                runs = await executions(db)
                if recorded and runs and runs[0].status == "success":
                    break
                await asyncio.sleep(0.05)
        assert [f.status for f in recorded] == ["fired"]
        assert [r.status for r in runs] == ["success"]


class TestRuntimeTolerance:
    async def test_tolerance_comes_from_the_runtime_settings_store(
        self, db: Sessionmaker, workflow_id: str
    ) -> None:
        from app.runtime_settings import service as settings_service

        async with unit_of_work(db) as session:
            await settings_service.update(
                session, {"schedule_trigger_tolerance_seconds": 86_400}, None
            )
        job_id = await make_job(db, workflow_id, cron_expression="0 2 * * *")
        due = datetime(2030, 1, 2, 2, 0, tzinfo=UTC)
        await set_next_run(db, job_id, due)
        done = await scheduler.tick(db, due + timedelta(hours=3))
        assert (done.fired, done.skipped) == ([(job_id, due)], [])
        assert len(await executions(db)) == 1
