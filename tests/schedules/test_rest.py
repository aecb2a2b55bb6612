"""REST shapes of schedules: OpsConductor scheduler jobs and biRun schedules."""

from __future__ import annotations

import re
from typing import Any

from app.settings import Settings
from tests.conftest import RunningApp, TokenFactory

JOBS = "/api/scheduler/jobs"
SCHEDULES = "/birun/api/schedules/"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_job(
    app: RunningApp, token: str, workflow_id: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "name": "hourly-check",
        "workflow_id": workflow_id,
        "schedule_type": "interval",
        "interval_seconds": 3600,
        "enabled": True,
        "config": {"target": "127.0.3.0/24"},
        **extra,
    }
    response = await app.http.post(JOBS, json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()["data"]
    return job


class TestSchedulerJobs:
    async def test_create_and_list_exact_shape(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        assert ISO.match(job["next_run_at"])
        listed = await app.http.get(JOBS, headers=auth(token))
        assert listed.json() == {
            "success": True,
            "data": {
                "jobs": [
                    {
                        "id": job["id"],
                        "name": "hourly-check",
                        "workflow_id": workflow_id,
                        "schedule_type": "interval",
                        "cron_expression": None,
                        "interval_seconds": 3600,
                        "timezone": "UTC",
                        "config": {"target": "127.0.3.0/24"},
                        "enabled": True,
                        "last_run_at": None,
                        "next_run_at": job["next_run_at"],
                        "last_status": None,
                    }
                ]
            },
        }

    async def test_invalid_cron_and_zone_are_refused(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        bad = {"name": "x", "workflow_id": workflow_id, "cron_expression": "99 * * * *"}
        response = await app.http.post(JOBS, json=bad, headers=auth(token))
        assert response.status_code == 400
        assert response.json() == {
            "success": False,
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Invalid cron expression '99 * * * *'",
                "details": {"field": "cron_expression"},
            },
        }
        zone = {**bad, "cron_expression": "0 2 * * *", "timezone": "Mars/Base"}
        response = await app.http.post(JOBS, json=zone, headers=auth(token))
        assert response.json()["error"]["details"] == {"field": "timezone"}

    async def test_unknown_workflow_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {"name": "x", "workflow_id": "nope", "cron_expression": "0 2 * * *"}
        response = await app.http.post(JOBS, json=body, headers=auth(token))
        assert response.status_code == 404

    async def test_disable_enable_and_filter(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        off = await app.http.post(f"{JOBS}/{job['id']}/disable", headers=auth(token))
        assert (off.json()["data"]["enabled"], off.json()["data"]["next_run_at"]) == (
            False,
            None,
        )
        listed = await app.http.get(f"{JOBS}?enabled=true", headers=auth(token))
        assert listed.json()["data"]["jobs"] == []
        on = await app.http.post(f"{JOBS}/{job['id']}/enable", headers=auth(token))
        assert on.json()["data"]["enabled"] is True
        assert ISO.match(on.json()["data"]["next_run_at"])

    async def test_run_now_and_executions(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        workflow_id: str,
        settings: Settings,
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        run = await app.http.post(f"{JOBS}/{job['id']}/run", headers=auth(token))
        assert run.status_code == 200
        fired = run.json()["data"]
        assert (fired["job_id"], fired["manual"], fired["status"]) == (
            job["id"],
            True,
            "pending",
        )
        history = await app.http.get(
            f"{JOBS}/{job['id']}/executions", headers=auth(token)
        )
        [entry] = history.json()["data"]["executions"]
        assert entry["execution_id"] == fired["execution_id"]
        got = await app.http.get(f"{JOBS}/{job['id']}", headers=auth(token))
        assert got.json()["data"]["last_status"] == "pending"
        assert got.json()["data"]["last_run_at"] == fired["scheduled_time"]

    async def test_update_switches_to_cron_in_a_zone(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        changed = await app.http.put(
            f"{JOBS}/{job['id']}",
            json={
                "schedule_type": "cron",
                "cron_expression": "0 2 * * *",
                "interval_seconds": None,
                "timezone": "Asia/Tokyo",
            },
            headers=auth(token),
        )
        data = changed.json()["data"]
        assert (data["schedule_type"], data["timezone"]) == ("cron", "Asia/Tokyo")
        assert data["next_run_at"].endswith("T17:00:00Z")  # 02:00 JST

    async def test_delete_and_missing(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        gone = await app.http.delete(f"{JOBS}/{job['id']}", headers=auth(token))
        assert gone.json() == {"success": True, "data": None, "message": "Job deleted"}
        missing = await app.http.get(f"{JOBS}/{job['id']}", headers=auth(token))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "NOT_FOUND"


async def targets(app: RunningApp, headers: dict[str, str]) -> None:
    """Script 1 and servers 1-4, which the schedules below name."""
    script = {"name": "backup", "content": "true", "script_type": "bash"}
    created = await app.http.post("/birun/api/scripts/", json=script, headers=headers)
    assert created.json()["id"] == 1
    for i in range(1, 5):
        device = {"ip_address": f"127.0.0.{i}"}
        created = await app.http.post("/api/devices", json=device, headers=headers)
        assert created.json()["data"]["id"] == i


class TestBirunSchedules:
    async def test_crud_and_toggle(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await targets(app, auth(await make_user("root", roles=("admin",))))
        body = {
            "name": "Daily Backup",
            "cron_expression": "0 2 * * *",
            "script_id": 1,
            "server_ids": [1, 2, 3],
            "enabled": True,
        }
        created = await app.http.post(SCHEDULES, json=body, headers=auth(token))
        assert created.status_code == 201
        schedule = created.json()["data"]
        assert schedule["next_run_at"].endswith("T02:00:00Z")
        listed = await app.http.get(SCHEDULES, headers=auth(token))
        assert listed.json() == {
            "schedules": [
                {
                    "id": schedule["id"],
                    "name": "Daily Backup",
                    "cron_expression": "0 2 * * *",
                    "timezone": "UTC",
                    "script_id": 1,
                    "server_ids": [1, 2, 3],
                    "enabled": True,
                    "next_run_at": schedule["next_run_at"],
                    "created_at": schedule["created_at"],
                }
            ]
        }
        url = f"{SCHEDULES}{schedule['id']}"
        toggled = await app.http.post(f"{url}/toggle", headers=auth(token))
        assert toggled.json()["data"]["enabled"] is False
        assert toggled.json()["message"] == "Schedule disabled"
        updated = await app.http.put(url, json={"server_ids": [4]}, headers=auth(token))
        assert updated.json()["data"]["server_ids"] == [4]
        deleted = await app.http.delete(url, headers=auth(token))
        assert deleted.json()["status"] == "success"
        assert (await app.http.get(url, headers=auth(token))).status_code == 404

    async def test_bad_cron_is_422_in_birun_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {"name": "x", "cron_expression": "nope", "script_id": 1}
        response = await app.http.post(SCHEDULES, json=body, headers=auth(token))
        assert response.status_code == 422
        assert response.json() == {
            "error": "Invalid cron expression 'nope'",
            "status": "error",
            "details": {"field": "cron_expression"},
        }

    async def test_workflow_jobs_and_script_schedules_are_separate(
        self, app: RunningApp, make_user: TokenFactory, workflow_id: str
    ) -> None:
        token = await make_user()
        job = await create_job(app, token, workflow_id)
        seen = await app.http.get(f"{SCHEDULES}{job['id']}", headers=auth(token))
        assert seen.status_code == 404
        listed = await app.http.get(SCHEDULES, headers=auth(token))
        assert listed.json() == {"schedules": []}
