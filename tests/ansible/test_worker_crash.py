"""A worker killed mid-job: another worker's reconciler loop fails the job.

Real `opsgraph worker` processes on Redis: the first runs the job and is
SIGKILLed while Ansible runs; the second never gets the message (Redis keeps it
with the dead worker) but its periodic reconciler ends the job and its
execution `failed` with the reason, without running it again.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

import psutil
import pytest

from app.ansible import job_service
from app.db import Sessionmaker
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    execution_of,
    job_events,
    statuses,
    store_inventory,
)
from tests.conftest import TokenFactory, pg_settings, serve
from tests.workers import worker_env, worker_process

pytestmark = pytest.mark.usefixtures("controller_allowed")

NAP_ARGS = ["sleep", "61.75"]
NAP = f"name: nap\ncommand: {' '.join(NAP_ARGS)}"
REASON = "The worker running this job stopped; it was not re-run"


async def _status_becomes(db: Sessionmaker, job_id: str, wanted: str) -> None:
    for _ in range(600):
        async with db() as session:
            if (await job_service.get_job(session, job_id)).status == wanted:
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"job {job_id} never became {wanted}")


async def _napping(proc: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """Wait until the worker's Ansible runs the nap; return all it started."""
    for _ in range(600):
        children = psutil.Process(proc.pid).children(recursive=True)
        with suppress(psutil.NoSuchProcess):
            if any(c.cmdline() == NAP_ARGS for c in children):
                return children
        await asyncio.sleep(0.05)
    pytest.fail("the worker never ran the nap")


class TestKilledWorker:
    async def test_job_of_a_killed_worker_is_failed_by_the_reconciler(
        self,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        tmp_path: Path,
        make_user: TokenFactory,
    ) -> None:
        playbook = await make_playbook(db, "long nap", tasks=[(True, NAP)])
        inventory_id = await store_inventory(db, LOCAL_INVENTORY)
        headers = {"Authorization": f"Bearer {await make_user()}"}
        body = {"playbook_ids": [playbook.id], "inventory_id": inventory_id}
        async with serve(pg_settings(pg_url, redis_url=redis_url)) as app:
            response = await app.http.post(
                "/api/playbooks/execute", json=body, headers=headers
            )
        job_id = response.json()["data"]["job_id"]
        env = worker_env(
            pg_url,
            redis_url,
            OPSGRAPH_EXECUTION_LEASE_SECONDS="2",
            OPSGRAPH_EXECUTION_RECONCILE_INTERVAL="0.5",
        )
        orphans: list[psutil.Process] = []
        try:
            with worker_process(env, tmp_path / "first.log") as first:
                orphans = await _napping(first)
                await _status_becomes(db, job_id, "running")
                first.send_signal(signal.SIGKILL)  # its Ansible lives on, orphaned
                first.wait(10)
            with worker_process(env, tmp_path / "second.log"):
                await _status_becomes(db, job_id, "failed")
        finally:
            for orphan in orphans:
                with suppress(psutil.NoSuchProcess):
                    orphan.kill()
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert (job.error, job.playbooks[0].status) == (REASON, "failed")
        items = await job_events(db, job_id)
        assert statuses(items) == ["pending", "running", "failed"]
        assert not any(k.startswith("host.") for k, _ in items)
        execution, hosts = await execution_of(db, job_id)
        assert (execution.status, execution.error_message) == ("failed", REASON)
        assert [(h.status, h.error) for h in hosts.values()] == [("failed", REASON)]
