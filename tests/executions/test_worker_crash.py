"""A worker process killed mid-run leaves no execution stuck in `running`."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from app import events
from app.db import Sessionmaker
from app.executions import service
from tests.conftest import TokenFactory, pg_settings, serve
from tests.workers import worker_env, worker_process

BASE = "/api/v1/playbooks"
SLOW = {"name": "slow-one", "steps": [{"type": "wait", "action": "60"}]}


async def _status_becomes(db: Sessionmaker, number: int, wanted: str) -> None:
    for _ in range(300):
        async with db() as session:
            if (await service.get(session, number)).status == wanted:
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"execution {number} never became {wanted}")


class TestKilledWorker:
    async def test_sigkill_mid_run_is_reconciled_to_failed(
        self,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        tmp_path: Path,
        make_user: TokenFactory,
    ) -> None:
        env = worker_env(
            pg_url,
            redis_url,
            OPSGRAPH_EXECUTION_LEASE_SECONDS="2",
            OPSGRAPH_EXECUTION_RECONCILE_INTERVAL="0.5",
        )
        token = await make_user()
        headers = {"Authorization": f"Bearer {token}"}
        async with serve(pg_settings(pg_url, redis_url=redis_url)) as app:
            await app.http.post(BASE, json=SLOW, headers=headers)
            response = await app.http.post(f"{BASE}/1/execute", headers=headers)
            assert response.json()["status"] == "pending"
        with worker_process(env, tmp_path / "first.log") as first:
            await _status_becomes(db, 1, "running")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        with worker_process(env, tmp_path / "second.log"):
            await _status_becomes(db, 1, "failed")
        async with db() as session:
            execution = await service.get(session, 1)
        assert "stopped renewing its lease" in execution.error_message
        assert "not re-run" in execution.error_message
        stored = await events.history(db, service.stream_of(execution.uuid), 0)
        assert [e.data["status"] for e in stored if e.type == "status"] == [
            "pending",
            "running",
            "failed",
        ]
