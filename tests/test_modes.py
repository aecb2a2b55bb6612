"""Both run modes end to end: embedded in one process, distributed across processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from app import events
from app.settings import Settings
from tests import gqlws
from tests.conftest import TEST_KEY, RunningApp, free_port, pg_settings, serve
from worker.broker import embedded

PONGS = "subscription { systemEvents { seq type data } }"
PING = "mutation { pingWorkers { ... on PingWorkersSuccess { pingId } } }"
LOGIN = 'mutation { login(username: "admin", password: "admin-pass-123") { ... on LoginSuccess { accessToken } } }'  # noqa: E501


async def _ping_and_hear_pong(app: RunningApp, protocol: str) -> dict[str, object]:
    token = (await app.gql(LOGIN))["data"]["login"]["accessToken"]
    async with gqlws.connect(app.ws_url, token, protocol) as ws:
        await ws.subscribe(PONGS)
        await asyncio.sleep(0.2)
        ping = await app.gql(PING, token=token)
        ping_id = ping["data"]["pingWorkers"]["pingId"]
        event = (await asyncio.wait_for(ws.next_data(), 10))["systemEvents"]
    assert event["type"] == "worker.pong"
    assert event["data"]["ping_id"] == ping_id
    return event


class TestEmbedded:
    @pytest.mark.parametrize("protocol", [gqlws.TRANSPORT_WS, gqlws.LEGACY_WS])
    async def test_in_process_worker_answers_a_ping(
        self, tmp_data_dir: Path, protocol: str
    ) -> None:
        settings = Settings(
            _env_file=None, data_dir=tmp_data_dir, admin_password="admin-pass-123"
        )
        from app.cli import upgrade_database

        await asyncio.to_thread(upgrade_database, settings)
        async with serve(settings, background=embedded) as app:
            event = await _ping_and_hear_pong(app, protocol)
        assert event["data"]["pid"] == os.getpid()
        assert (tmp_data_dir / "opsgraph.db").exists()
        assert (tmp_data_dir / "secret_key").stat().st_mode & 0o777 == 0o600

    async def test_data_dir_and_database_files_are_private(
        self, tmp_data_dir: Path
    ) -> None:
        settings = Settings(
            _env_file=None, data_dir=tmp_data_dir, admin_password="admin-pass-123"
        )
        from app.cli import upgrade_database

        await asyncio.to_thread(upgrade_database, settings)
        async with serve(settings, background=embedded) as app:
            assert "accessToken" in str(await app.gql(LOGIN))
            modes = {
                p.name: p.stat().st_mode & 0o777
                for p in tmp_data_dir.iterdir()
                if p.name.startswith(("opsgraph.db", "secret_key"))
            }
        assert tmp_data_dir.stat().st_mode & 0o777 == 0o700
        assert set(modes) == {
            "opsgraph.db",
            "opsgraph.db-wal",
            "opsgraph.db-shm",
            "secret_key",
        }
        assert set(modes.values()) == {0o600}, modes

    async def test_websocket_without_token_is_rejected(
        self, tmp_data_dir: Path
    ) -> None:
        settings = Settings(_env_file=None, data_dir=tmp_data_dir)
        from app.cli import upgrade_database

        await asyncio.to_thread(upgrade_database, settings)
        async with serve(settings, background=embedded) as app:
            with pytest.raises(Exception, match="4401"):
                async with gqlws.connect(app.ws_url, None):
                    pass


@contextmanager
def _process(
    args: list[str], env: dict[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log = (cwd / f"{args[0]}.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603  the README's own console script
        [str(Path(sys.executable).with_name("opsgraph")), *args],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        log.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        for _ in range(150):
            if proc.poll() is not None:
                pytest.fail(f"process exited early with {proc.returncode}")
            try:
                response = await client.get("/readyz")
            except httpx.TransportError:
                await asyncio.sleep(0.1)
                continue
            return response
    pytest.fail("service did not start within 15 s")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    # The processes must run this checkout's code, wherever it is installed from.
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.update(extra)
    return env


class TestReadmeCommand:
    async def test_opsgraph_serve_starts_with_no_setup(self, tmp_path: Path) -> None:
        port = free_port()
        with _process(["serve", "--port", str(port)], _clean_env(), tmp_path) as proc:
            ready = await _wait_ready(f"http://127.0.0.1:{port}", proc)
        assert ready.status_code == 200
        assert ready.json()["mode"] == "embedded"
        assert (tmp_path / ".opsgraph" / "opsgraph.db").exists()


class TestDistributed:
    async def test_worker_process_event_reaches_api_subscriber(
        self, db: object, pg_url: str, redis_url: str, tmp_path: Path
    ) -> None:
        port = free_port()
        env = _clean_env(
            OPSGRAPH_DATABASE_URL=pg_url,
            OPSGRAPH_REDIS_URL=redis_url,
            OPSGRAPH_SECRET_KEY=TEST_KEY,
            OPSGRAPH_ADMIN_PASSWORD="admin-pass-123",
        )
        with (
            _process(["worker"], env, tmp_path) as worker,
            _process(["serve", "--port", str(port)], env, tmp_path) as api,
        ):
            ready = await _wait_ready(f"http://127.0.0.1:{port}", api)
            assert ready.json()["checks"]["redis"]["ok"] is True
            async with _client_app(port) as app:
                event = await _ping_and_hear_pong(app, gqlws.TRANSPORT_WS)
        assert event["data"]["pid"] == worker.pid
        assert event["data"]["pid"] != api.pid

    async def test_readyz_is_503_when_redis_is_unreachable(
        self, db: object, pg_url: str
    ) -> None:
        dead = f"redis://127.0.0.1:{free_port()}/0"
        try:
            async with serve(pg_settings(pg_url, redis_url=dead)) as app:
                response = await app.http.get("/readyz")
        finally:
            # the app pointed this process's event transport at the dead Redis;
            # later tests publish without an app of their own
            events.configure(pg_settings(pg_url))
        assert response.status_code == 503
        assert response.json()["checks"]["redis"]["ok"] is False
        assert response.json()["checks"]["database"]["ok"] is True


@asynccontextmanager
async def _client_app(port: int) -> AsyncIterator[RunningApp]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield RunningApp(pg_settings("sqlite+aiosqlite:///unused"), base, client)
