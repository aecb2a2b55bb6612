"""cancelExecution on an Ansible job's execution cancels the job itself."""

from __future__ import annotations

import asyncio

import psutil
import pytest

from app.ansible import job_runs, job_service
from app.db import Sessionmaker, unit_of_work
from app.executions import service as executions_service
from app.executions.graphql.types import Execution
from app.graphql.nodes import global_id
from tests.ansible.helpers import DEBUG_TASK, make_playbook
from tests.ansible.runs import (
    LOCAL_INVENTORY,
    execution_of,
    job_events,
    queue_job,
    statuses,
    wait_for_event,
)
from tests.conftest import RunningApp, TokenFactory

pytestmark = pytest.mark.usefixtures("controller_allowed")

NAP = ["sleep", "61.25"]
CANCEL = """
mutation ($id: ID!) {
  cancelExecution(id: $id) {
    __typename
    ... on CancelExecutionSuccess { execution { kind status } }
  }
}
"""


def _nappers() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == NAP]


class TestCancelExecution:
    async def test_running_job_stops(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        napping = await make_playbook(
            db, "napping", tasks=[(True, f"name: nap\ncommand: {' '.join(NAP)}")]
        )
        after = await make_playbook(db, "after", tasks=[(True, DEBUG_TASK)])
        job_id = await queue_job(db, [napping.id, after.id], LOCAL_INVENTORY)
        running = asyncio.create_task(job_runs.run_job(db, job_id))
        await wait_for_event(db, job_id, "task.started")
        execution, _ = await execution_of(db, job_id)
        node = global_id(Execution, execution.uuid)
        body = await app.gql(CANCEL, {"id": node}, await make_user())
        assert body["data"]["cancelExecution"] == {
            "__typename": "CancelExecutionSuccess",
            "execution": {"kind": "ansible", "status": "cancelled"},
        }
        await asyncio.wait_for(running, 10)
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert job.status == "cancelled"
        assert [e.status for e in job.playbooks] == ["cancelled", "cancelled"]
        assert job.playbooks[1].started_at is None
        assert not _nappers()
        items = await job_events(db, job_id)
        assert statuses(items) == ["pending", "running", "cancelled"]
        assert items[-1][0] == "job.completed"
        assert items[-1][1]["status"] == "cancelled"
        execution, hosts = await execution_of(db, job_id)
        assert execution.error_message == "Cancelled by request"
        assert [h.status for h in hosts.values()] == ["cancelled"]

    async def test_queued_job_never_runs(self, db: Sessionmaker) -> None:
        playbook = await make_playbook(db)
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        execution, _ = await execution_of(db, job_id)
        async with unit_of_work(db) as session:
            await executions_service.cancel(session, execution)
        await job_runs.run_job(db, job_id)
        async with db() as session:
            job = await job_service.get_job(session, job_id)
        assert (job.status, job.playbooks[0].status) == ("cancelled", "cancelled")
        assert job.playbooks[0].started_at is None
        kinds = [k for k, _ in await job_events(db, job_id)]
        assert kinds == ["status", "job.queued", "status", "job.completed"]
        assert (await execution_of(db, job_id))[0].status == "cancelled"
