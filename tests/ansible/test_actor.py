"""The whole path: REST execute -> queue "ansible" -> in-process worker -> REST job."""

from __future__ import annotations

import re

import pytest

from tests.ansible.helpers import COMMAND_TASK, DEBUG_TASK
from tests.ansible.runs import finished_job
from tests.conftest import RunningApp, TokenFactory

pytestmark = pytest.mark.usefixtures("controller_allowed")

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class TestRunJobActor:
    async def test_executed_job_runs_on_the_worker(
        self, worker_app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = {"Authorization": f"Bearer {await make_user()}"}
        created = await worker_app.http.post(
            "/api/playbooks",
            json={
                "name": "local play",
                "type": "Other",
                "main": {"hosts": "localhost", "gather_facts": False},
                "tasks": [
                    {"enabled": True, "content": COMMAND_TASK},
                    {"enabled": True, "content": DEBUG_TASK},
                ],
            },
            headers=headers,
        )
        playbook_id = created.json()["data"]["id"]
        queued = await worker_app.http.post(
            "/api/playbooks/execute",
            json={"playbook_ids": [playbook_id]},
            headers=headers,
        )
        job_id = queued.json()["data"]["job_id"]
        job = await finished_job(worker_app, job_id, headers)
        assert (job["job_id"], job["status"]) == (job_id, "completed")
        for key in ("created_at", "started_at", "completed_at"):
            assert ISO.match(job[key])
        entry = job["playbooks"][0]
        assert (entry["id"], entry["name"], entry["status"]) == (
            playbook_id,
            "local play",
            "success",
        )
        assert "PLAY [localhost]" in entry["output"]
        assert "TASK [say hello]" in entry["output"]
        assert re.search(r"localhost\s+: ok=2\s+changed=1", entry["output"])
        assert ISO.match(entry["started_at"])
        assert ISO.match(entry["completed_at"])
        shown = await worker_app.http.get(
            f"/api/playbooks/{playbook_id}", headers=headers
        )
        assert shown.json()["data"]["status"] == "Success"
        assert shown.json()["data"]["last_run_at"] == entry["completed_at"]
