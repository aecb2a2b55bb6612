"""`opsgraph worker` refuses to start, in one line, when it could not run a job."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import dramatiq
import redis
from sqlalchemy.engine import make_url

from app.redis_broker import WakingRedisBroker
from tests.conftest import _recreate_database, free_port
from tests.workers import worker_env, worker_process

LIMITED_ROLE = "opsgraph_fleet_two_connections"


def run_worker(env: dict[str, str], log: Path) -> tuple[int, str]:
    """Start a real worker and wait for it to give up (it must, quickly)."""
    with worker_process(env, log) as proc:
        try:
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            code = None
    return code, log.read_text()


def assert_one_line(code: int | None, output: str, *needles: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output, output
    assert " ERROR " not in output, output
    assert " CRITICAL " not in output, output
    said = [line for line in output.splitlines() if line.startswith("opsgraph: ")]
    assert len(said) == 1, output
    for needle in needles:
        assert needle in said[0], output


def queued_ids(redis_url: str) -> list[bytes]:
    client = redis.Redis.from_url(redis_url)
    try:
        return client.lrange("opsgraph:default", 0, -1)
    finally:
        client.close()


def enqueue_ping(redis_url: str) -> str:
    broker = WakingRedisBroker(url=redis_url, namespace="opsgraph")
    message = dramatiq.Message(
        queue_name="default",
        actor_name="system.ping",
        args=(),
        kwargs={"ping_id": "preflight"},
        options={},
    )
    sent = broker.enqueue(message)
    broker.close()
    return str(sent.options["redis_message_id"])


async def limited_role_url(pg_url: str) -> str:
    """`pg_url` as a role PostgreSQL grants only two connections."""
    url = make_url(pg_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        exists = await conn.fetchval(
            "SELECT 1 FROM pg_roles WHERE rolname = $1", LIMITED_ROLE
        )
        if not exists:
            await conn.execute(f'CREATE ROLE "{LIMITED_ROLE}" LOGIN CONNECTION LIMIT 2')
        await conn.execute(f'GRANT SELECT ON alembic_version TO "{LIMITED_ROLE}"')
    finally:
        await conn.close()
    return url.set(username=LIMITED_ROLE).render_as_string(hide_password=False)


class TestWorkerPreflight:
    async def test_unmigrated_database(
        self, pg_url: str, redis_url: str, tmp_path: Path
    ) -> None:
        bare = make_url(pg_url)
        bare = bare.set(database=f"{bare.database}_unmigrated")
        url = bare.render_as_string(hide_password=False)
        await _recreate_database(url)
        env = worker_env(url, redis_url)
        code, output = await asyncio.to_thread(run_worker, env, tmp_path / "w.log")
        assert_one_line(code, output, "opsgraph db upgrade")

    async def test_unreachable_redis(self, pg_url: str, tmp_path: Path) -> None:
        dead = f"redis://127.0.0.1:{free_port()}/0"
        env = worker_env(pg_url, dead)
        code, output = await asyncio.to_thread(run_worker, env, tmp_path / "w.log")
        assert_one_line(code, output, "OPSGRAPH_REDIS_URL")

    async def test_pool_refused_takes_no_job(
        self, pg_url: str, redis_url: str, tmp_path: Path
    ) -> None:
        url = await limited_role_url(pg_url)
        message_id = await asyncio.to_thread(enqueue_ping, redis_url)
        env = worker_env(url, redis_url, OPSGRAPH_DB_POOL_SIZE="5")
        code, output = await asyncio.to_thread(run_worker, env, tmp_path / "w.log")
        assert_one_line(code, output, "OPSGRAPH_DB_POOL_SIZE")
        assert message_id.encode() in await asyncio.to_thread(queued_ids, redis_url)
