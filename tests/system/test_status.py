"""System status on OpsConductor and biRun: real probes, real queue numbers."""

from __future__ import annotations

import platform

import dramatiq

from app import jobs
from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ping(count: int) -> None:
    for i in range(count):
        jobs.enqueue(jobs.PING, ping_id=f"p{i}")


class TestOpsConductorSystem:
    async def test_health_embedded_broker(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("v", roles=("viewer",))
        response = await app.http.get("/api/system/health", headers=bearer(token))
        data = response.json()["data"]
        assert data.pop("uptime_seconds") >= 0
        assert (response.status_code, data) == (
            200,
            {"status": "healthy", "database": "connected", "redis": "not_configured"},
        )

    async def test_health_needs_a_login(self, app: RunningApp) -> None:
        response = await app.http.get("/api/system/health")
        assert response.status_code == 401

    async def test_info(self, app: RunningApp, make_user: TokenFactory) -> None:
        token = await make_user()
        data = (await app.http.get("/api/system/info", headers=bearer(token))).json()[
            "data"
        ]
        assert data["python_version"] == platform.python_version()
        assert data["database_version"].startswith("PostgreSQL ")
        assert data["version"] == "0.1.0"
        assert data["started_at"].endswith("Z")


class TestBirunHealth:
    async def test_distributed_components_are_real(
        self, db: Sessionmaker, pg_url: str, redis_url: str, make_user: TokenFactory
    ) -> None:
        settings = pg_settings(pg_url, redis_url=redis_url)
        token = await make_user()
        async with serve(settings) as app:
            before = (
                await app.http.get("/birun/api/health", headers=bearer(token))
            ).json()
            ping(3)
            try:
                after = (
                    await app.http.get("/birun/api/health", headers=bearer(token))
                ).json()
            finally:
                # No worker consumes these; leave no pings for later tests' workers.
                dramatiq.get_broker().flush_all()
        queued = after["components"]["worker_queue"]["queue_stats"]["queue_length"]
        assert (
            queued - before["components"]["worker_queue"]["queue_stats"]["queue_length"]
            == 3
        )
        redis = after["components"]["redis"]
        assert (after["overall_status"], redis["status"]) == ("healthy", "healthy")
        assert redis["redis_version"][0].isdigit()
        assert redis["connected_clients"] >= 1
        assert after["components"]["database"]["message"] == "Connection successful"
        assert after["system_metrics"] == {
            "max_concurrent_executions": 8,
            "current_running_executions": 0,
            "recent_executions_1h": {"completed": 0, "running": 0, "failed": 0},
        }

    async def test_metrics_follow_the_settings_store(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await app.http.put(
            "/birun/api/settings/",
            json={"max_concurrent_executions": 3},
            headers=bearer(token),
        )
        body = (await app.http.get("/birun/api/health", headers=bearer(token))).json()
        assert body["system_metrics"] == {
            "max_concurrent_executions": 3,
            "current_running_executions": 0,
            "recent_executions_1h": {"completed": 0, "running": 0, "failed": 0},
        }
        assert body["components"]["redis"]["status"] == "not_configured"


HEALTH = """{ systemHealth { healthy uptimeSeconds database { ok detail }
  redis { ok } queue { ok queueLength running failedJobs activeWorkers } } }"""


class TestSystemHealthGraphQL:
    async def test_probes(self, app: RunningApp, make_user: TokenFactory) -> None:
        ping(1)
        token = await make_user("v", roles=("viewer",))
        body = await app.gql(HEALTH, token=token)
        health = body["data"]["systemHealth"]
        assert health.pop("uptimeSeconds") >= 0
        assert health == {
            "healthy": True,
            "database": {"ok": True, "detail": "Connection successful"},
            "redis": None,
            "queue": {
                "ok": True,
                "queueLength": 1,
                "running": None,
                "failedJobs": 0,
                "activeWorkers": 0,
            },
        }
