"""`max_concurrent_jobs`: how many Ansible jobs one worker process runs at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.ansible import slots
from tests.conftest import RunningApp, TokenFactory

pytestmark = pytest.mark.usefixtures("controller_allowed")


class TestSlots:
    async def test_at_most_the_limit_run_and_a_raised_limit_lets_waiters_in(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(slots, "RECHECK_SECONDS", 0.05)
        held = slots.Slots()
        limit = 1
        release = asyncio.Event()
        peak = 0

        async def current() -> int:
            return limit

        async def job() -> None:
            nonlocal peak
            async with held.held(current):
                peak = max(peak, held.running)
                await release.wait()

        jobs = [asyncio.create_task(job()) for _ in range(3)]
        await asyncio.sleep(0.2)
        assert (held.running, peak) == (1, 1)
        limit = 3  # raised while two wait: they notice without a release
        await asyncio.sleep(0.2)
        assert held.running == 3
        release.set()
        await asyncio.gather(*jobs)
        assert held.running == 0


SLEEP_TASK = "name: take a while\ncommand: sleep 2"


async def _job(app: RunningApp, job_id: str, headers: dict[str, str]) -> Any:
    response = await app.http.get(f"/api/playbooks/jobs/{job_id}", headers=headers)
    return response.json()["data"]


class TestMaxConcurrentJobs:
    async def test_a_second_job_waits_queued_until_the_first_ends(
        self, worker_app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = {"Authorization": f"Bearer {await make_user()}"}
        changed = await worker_app.http.put(
            "/api/settings", json={"max_concurrent_jobs": 1}, headers=headers
        )
        assert changed.status_code == 200, changed.text
        created = await worker_app.http.post(
            "/api/playbooks",
            json={
                "name": "slow play",
                "type": "Other",
                "main": {"hosts": "localhost", "gather_facts": False},
                "tasks": [{"enabled": True, "content": SLEEP_TASK}],
            },
            headers=headers,
        )
        playbook_id = created.json()["data"]["id"]
        ids = []
        for _ in range(2):
            queued = await worker_app.http.post(
                "/api/playbooks/execute",
                json={"playbook_ids": [playbook_id]},
                headers=headers,
            )
            ids.append(queued.json()["data"]["job_id"])
        seen: set[tuple[str, str]] = set()
        for _ in range(400):
            first, second = [await _job(worker_app, i, headers) for i in ids]
            seen.add((first["status"], second["status"]))
            assert "running" not in (first["status"], second["status"]) or (
                first["status"] != second["status"]
            ), "both jobs ran at once"
            if second["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        assert (first["status"], second["status"]) == ("completed", "completed")
        assert ("running", "queued") in seen or ("queued", "running") in seen
        ends = sorted([first, second], key=lambda j: j["started_at"])
        assert ends[1]["started_at"] >= ends[0]["completed_at"]
