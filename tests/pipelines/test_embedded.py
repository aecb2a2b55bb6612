"""Pipelines in embedded mode: SQLite, stub broker, in-process worker and triggers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.cli import upgrade_database
from app.settings import Settings
from tests.conftest import serve
from tests.notifications.peers import http_peer
from tests.pipelines.conftest import finished, pipeline_body, step
from worker.broker import embedded

LOGIN = (
    'mutation { login(username: "admin", password: "admin-pass-123") '
    "{ ... on LoginSuccess { accessToken } } }"
)


class TestEmbeddedMode:
    async def test_trigger_runs_and_stats_on_sqlite(self, tmp_data_dir: Path) -> None:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_data_dir,
            admin_password="admin-pass-123",
            allow_loopback_urls=True,
        )
        await asyncio.to_thread(upgrade_database, settings)
        async with http_peer() as peer, serve(settings, background=embedded) as app:
            token = (await app.gql(LOGIN))["data"]["login"]["accessToken"]
            headers = {"Authorization": f"Bearer {token}"}
            hook = {"type": "webhook", "webhook_url": peer.url, "message": "m"}
            body = pipeline_body([step("n", "notify", hook)])
            created = (
                await app.http.post("/api/v1/pipelines", json=body, headers=headers)
            ).json()
            started = await app.http.post(
                f"/api/v1/pipelines/{created['id']}/trigger", headers=headers
            )
            done = await finished(app, headers, started.json()["id"])
            stats = await app.http.get(
                f"/api/v1/pipelines/{created['id']}/stats", headers=headers
            )
        assert done["status"] == "completed"
        assert len(peer.received) == 1
        assert stats.json()["successful_executions"] == 1
        assert isinstance(stats.json()["average_duration_ms"], int)
