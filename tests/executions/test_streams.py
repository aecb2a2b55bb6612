"""Live execution streams: many subscribers, both protocols, replicas and reconnects."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import dramatiq
import httpx

from app import events
from app.db import Sessionmaker
from app.executions import engine
from app.executions.graphql.types import Execution
from app.graphql.nodes import global_id
from app.settings import Settings
from tests import gqlws
from tests.conftest import (
    TEST_KEY,
    RunningApp,
    TokenFactory,
    free_port,
    pg_settings,
    serve,
)
from tests.executions.conftest import Inventory, submit_command

ROOT = Path(__file__).resolve().parent.parent.parent
EVENTS = """subscription($id: ID!, $after: Int!) {
  executionEvents(executionId: $id, afterSeq: $after) { seq type data createdAt }
}"""
SEQS_ONLY = """subscription($id: ID!) {
  executionEvents(executionId: $id) { seq }
}"""
LINES = 3000


async def _collect(
    ws: gqlws.Subscriber, op: str, stop_after: int | None = None
) -> list[Any]:
    got = []
    while True:
        message = await asyncio.wait_for(ws.receive(), 30)
        if message["type"] == "complete":
            return got
        assert message["type"] in ("next", "data"), message
        assert message["id"] == op, message
        assert not message["payload"].get("errors"), message
        event = message["payload"]["data"]["executionEvents"]
        got.append(event)
        if stop_after is not None and event["seq"] >= stop_after:
            return got


def _stdout(got: list[Any]) -> list[str]:
    return [
        line
        for e in got
        if e["type"] == "output" and e["data"]["stream"] == "stdout"
        for line in e["data"]["lines"]
    ]


@asynccontextmanager
async def _watcher(
    url: str, token: str, query: str, variables: dict[str, Any], protocol: str
) -> AsyncIterator[asyncio.Task[list[Any]]]:
    async with gqlws.connect(url, token, protocol) as ws:
        op = await ws.subscribe(query, variables)
        yield asyncio.create_task(_collect(ws, op))


class TestManySubscribers:
    async def test_every_subscriber_gets_the_same_events_on_both_protocols(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        settings: Settings,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        token = await make_user(roles=("viewer",))
        uuid = await submit_command(db, inventory, [1], f"seq 1 {LINES}")
        variables = {"id": global_id(Execution, uuid), "after": 0}
        protocols = [gqlws.TRANSPORT_WS] * 12 + [gqlws.LEGACY_WS] * 4
        async with _stack(app.ws_url, token, variables, protocols) as (full, short):
            await engine.run(db, uuid, settings, inventory.resolve)
            got = [await t for t in full]
            seqs_only = await short
        assert all(g == got[0] for g in got)
        seqs = [e["seq"] for e in got[0]]
        assert seqs == list(range(1, len(seqs) + 1))
        assert _stdout(got[0]) == [str(i) for i in range(1, LINES + 1)]
        assert seqs_only == [{"seq": s} for s in seqs]


@asynccontextmanager
async def _stack(
    url: str, token: str, variables: dict[str, Any], protocols: list[str]
) -> AsyncIterator[tuple[list[asyncio.Task[list[Any]]], asyncio.Task[list[Any]]]]:
    """Subscribers with the full selection, plus one selecting seq only."""
    async with AsyncExitStack() as stack:
        full = [
            await stack.enter_async_context(
                _watcher(url, token, EVENTS, variables, protocol)
            )
            for protocol in protocols
        ]
        short = await stack.enter_async_context(
            _watcher(url, token, SEQS_ONLY, {"id": variables["id"]}, protocols[0])
        )
        yield full, short


@asynccontextmanager
async def _replica(pg_url: str, redis_url: str) -> AsyncIterator[str]:
    """`opsgraph serve` in its own process (its own Redis reader); its ws URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "OPSGRAPH_DATABASE_URL": pg_url,
        "OPSGRAPH_REDIS_URL": redis_url,
        "OPSGRAPH_SECRET_KEY": TEST_KEY,
        "OPSGRAPH_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "serve", "--port", str(port), env=env, cwd=ROOT
    )
    try:
        await _healthy(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def _healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            assert proc.returncode is None, "replica exited"
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("replica never became healthy")


class TestReplicas:
    async def test_reconnecting_to_another_replica_loses_nothing(
        self,
        make_user: TokenFactory,
        db: Sessionmaker,
        pg_url: str,
        redis_url: str,
        inventory: Inventory,
        broker: dramatiq.Broker,
    ) -> None:
        distributed = pg_settings(
            pg_url, redis_url=redis_url, execution_lease_seconds=3.0
        )
        token = await make_user()
        uuid = await submit_command(
            db, inventory, [1], "for i in $(seq 1 60); do echo $i; sleep 0.02; done"
        )
        node = global_id(Execution, uuid)
        try:
            async with serve(distributed) as first, _replica(pg_url, redis_url) as b:
                # The producer publishes to Redis Streams like a separate worker.
                run = asyncio.create_task(
                    engine.run(db, uuid, distributed, inventory.resolve)
                )
                async with gqlws.connect(first.ws_url, token) as ws:
                    op = await ws.subscribe(EVENTS, {"id": node, "after": 0})
                    before = await _collect(ws, op, stop_after=5)
                await asyncio.sleep(0.3)  # lines keep coming while disconnected
                async with gqlws.connect(b, token) as ws:
                    op = await ws.subscribe(
                        EVENTS, {"id": node, "after": before[-1]["seq"]}
                    )
                    rest = await _collect(ws, op)
                await run
        finally:
            await events.close_bus()
            events.configure(pg_settings(pg_url))
        seqs = [e["seq"] for e in before + rest]
        assert seqs == list(range(1, len(seqs) + 1))
        assert rest[-1]["data"]["status"] == "completed"
        assert _stdout(before + rest) == [str(i) for i in range(1, 61)]
