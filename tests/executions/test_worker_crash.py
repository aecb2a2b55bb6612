"""A worker process killed mid-run leaves no execution stuck in `running`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import events
from app.db import Sessionmaker
from app.executions import service
from tests.conftest import TEST_KEY, TokenFactory, pg_settings, serve

ROOT = Path(__file__).resolve().parent.parent.parent
BASE = "/api/v1/playbooks"
SLOW = {"name": "slow-one", "steps": [{"type": "wait", "action": "60"}]}


@contextmanager
def _worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
        env |= {
            "PYTHONPATH": str(ROOT),
            "OPSGRAPH_DATABASE_URL": pg_url,
            "OPSGRAPH_REDIS_URL": redis_url,
            "OPSGRAPH_SECRET_KEY": TEST_KEY,
            "OPSGRAPH_EXECUTION_LEASE_SECONDS": "2",
            "OPSGRAPH_EXECUTION_RECONCILE_INTERVAL": "0.5",
        }
        token = await make_user()
        headers = {"Authorization": f"Bearer {token}"}
        async with serve(pg_settings(pg_url, redis_url=redis_url)) as app:
            await app.http.post(BASE, json=SLOW, headers=headers)
            response = await app.http.post(f"{BASE}/1/execute", headers=headers)
            assert response.json()["status"] == "pending"
        with _worker(env, tmp_path / "first.log") as first:
            await _status_becomes(db, 1, "running")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        with _worker(env, tmp_path / "second.log"):
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
