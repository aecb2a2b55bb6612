"""Streams: one execution writing 100,000 output lines while 100 websockets watch.

Distributed mode, one process each, all on loopback:

- **api**: `create_app` under uvicorn (PostgreSQL + Redis Streams bus), plus a bare
  Starlette websocket route `/bench/bare` that sends each event's `wire` text from
  the same `events.subscribe` (the reference: the same batches, no GraphQL);
- **worker**: `executions.engine.run` as the actor calls it, running a script step
  over SSH on a loopback asyncssh server; the script prints the lines at `--rate`
  lines/s, each stamped with the time it was written (`<index> <unix time>`), so
  they take the engine's real output path (`OutputSink`: batched events, one
  transaction per flush, published after commit);
- **clients**: N websocket subscribers in one process (their CPU is not the
  server's): `executionEvents(executionId, afterSeq: 0)` over graphql-transport-ws,
  or the bare route. Each records when every message arrived.

Each round measures the bare reference and then GraphQL, each on its own
execution (`--rounds N` alternates them N times and prints medians), and prints
lines/s persisted and delivered to every subscriber, p50/p99 latency (arrival
minus the line's stamp), lost and duplicated lines per subscriber, and the API
process's CPU seconds beside wall time. Run from the repository root:

    python -m bench.streams \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1/opsgraph_bench_streams \\
        --redis-url redis://127.0.0.1:6379/10
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import httpx
import psutil
import uvicorn
from sqlalchemy import func, select
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from app import events, ssh
from app.cli import upgrade_database, uvicorn_options
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.events.models import StoredEvent
from app.executions import engine, service
from app.executions.targets import HostRef
from app.main import create_app
from app.settings import Settings
from app.users import service as users_service
from bench.stream_clients import run_clients
from tests.conftest import free_port
from tests.sshd import SSHServer, asyncssh_server

# Written to the remote script: prints `lines` lines at `rate` lines/s (0: flat
# out) in writes every `tick` seconds, each line stamped with its write time.
PRINTER = """#!/usr/bin/env python3
import sys, time
lines, rate, tick = {lines}, {rate}, 0.005
start, i = time.time(), 0
while i < lines:
    if rate:
        delay = start + i / rate - time.time()
        if delay > 0:
            time.sleep(delay)
    now = time.time()
    k = min(lines - i, max(1, int(rate * tick)) if rate else 2000)
    sys.stdout.write("".join(f"{{j}} {{now:.6f}}\\n" for j in range(i, i + k)))
    sys.stdout.flush()
    i += k
"""


def _cpu(pid: int, children: bool = False) -> float:
    proc = psutil.Process(pid)
    t = proc.cpu_times()
    used = t.user + t.system
    return used + (t.children_user + t.children_system if children else 0.0)


# --- api process -------------------------------------------------------------


async def bare_stream(ws: WebSocket) -> None:
    """The reference: each event's stored JSON text, straight to the socket."""
    await ws.accept()
    ask = await ws.receive_json()
    stream = service.stream_of(ask["execution"])
    async for event in events.subscribe(ws.state.sessionmaker, stream, ask["after"]):
        await ws.send_text(event.wire)
        if event.type == "status" and event.data.get("final"):
            break
    await ws.close()


def _api(settings: Settings, port: int) -> None:
    app = create_app(settings)
    app.router.routes.append(WebSocketRoute("/bench/bare", bare_stream))
    options = {**uvicorn_options(settings), "log_level": "warning"}
    uvicorn.run(app, host="127.0.0.1", port=port, **options)


# --- ssh and worker processes ------------------------------------------------


def _sshd(out: multiprocessing.Queue[dict[str, Any]]) -> None:
    async def main() -> None:
        async with asyncssh_server() as server:
            out.put(asdict(server))
            await asyncio.Event().wait()

    asyncio.run(main())


class Device:
    def __init__(self, target: ssh.SSHTarget) -> None:
        self.device_id, self.name, self.target = 1, "printer", target


def _worker(
    settings: Settings, execution: str, server: SSHServer, out: multiprocessing.Queue
) -> None:
    target = ssh.SSHTarget(
        host=server.host,
        port=server.port,
        username=server.username,
        private_key=server.client_key,
        host_key=server.host_key,
    )

    async def resolve(session: object, ids: Sequence[int]) -> list[Device]:
        return [Device(target)]

    async def main() -> None:
        events.configure(settings)
        async with _database(settings) as db:
            await engine.run(db, execution, settings, resolve)
        await events.close_bus()

    asyncio.run(main())
    out.put(_cpu(os.getpid()))


# --- orchestration -----------------------------------------------------------


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Sessionmaker]:
    eng = make_engine(settings.sqlalchemy_url)
    try:
        yield make_sessionmaker(eng)
    finally:
        await eng.dispose()


async def _prepare(settings: Settings, steps: list[dict[str, Any]]) -> str:
    async with _database(settings) as db, unit_of_work(db) as session:
        execution = await service.submit(
            session,
            kind="script",
            steps=steps,
            hosts=[HostRef(1, "printer")],
            host_timeout=600,
        )
    return execution.uuid


async def _token(settings: Settings) -> str:
    async with _database(settings) as db, unit_of_work(db) as s:
        await users_service.ensure_builtin_roles(s)
        user = await users_service.create_user(
            s, f"bench-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex, roles=["admin"]
        )
        issued = await users_service.start_session(
            s, user, settings.signing_key, timedelta(hours=1), None
        )
    return issued.access_token


async def _persisted(settings: Settings, execution: str) -> tuple[float, int]:
    async with _database(settings) as db, db() as session:
        last, count = (
            await session.execute(
                select(func.max(StoredEvent.created_at), func.count()).where(
                    StoredEvent.stream == service.stream_of(execution),
                    StoredEvent.type == "output",
                )
            )
        ).one()
    return last.timestamp(), int(count)


@dataclass
class Phase:
    mode: str
    wall: float
    api_cpu: float
    worker_cpu: float
    sshd_cpu: float
    events: int
    persisted_rate: float
    delivered_rate: float
    clients: dict[str, Any]


def run_phase(
    mode: str, args: argparse.Namespace, settings: Settings, env: dict[str, Any]
) -> Phase:
    """One execution watched by `args.subscribers` clients of `mode`."""
    steps = [
        {
            "type": "script",
            "action": PRINTER.format(lines=args.lines, rate=args.rate),
        }
    ]
    execution = asyncio.run(_prepare(settings, steps))
    ctx = multiprocessing.get_context("fork")
    ready, out = ctx.Event(), ctx.Queue()
    clients = ctx.Process(
        target=run_clients,
        args=(env["base"], mode, env["token"], execution, args.subscribers, ready, out),
    )
    clients.start()
    if not ready.wait(120):
        raise RuntimeError("subscribers did not connect")
    api0, sshd0 = _cpu(env["api"]), _cpu(env["sshd"], children=True)
    wall = time.perf_counter()
    worker = ctx.Process(
        target=_worker, args=(settings, execution, env["server"], env["worker_out"])
    )
    worker.start()
    result = out.get(timeout=600)
    elapsed = time.perf_counter() - wall
    api_cpu = _cpu(env["api"]) - api0
    worker.join()
    clients.join()
    persisted_at, stored = asyncio.run(_persisted(settings, execution))
    first = result["first_stamp"]
    return Phase(
        mode=mode,
        wall=elapsed,
        api_cpu=api_cpu,
        worker_cpu=env["worker_out"].get(timeout=10),
        sshd_cpu=_cpu(env["sshd"], children=True) - sshd0,
        events=stored,
        persisted_rate=result["lines"] / (persisted_at - first),
        delivered_rate=result["lines"] / (result["last_arrival"] - first),
        clients=result,
    )


def _report(phase: Phase, args: argparse.Namespace) -> None:
    c = phase.clients
    print(
        f"{phase.mode:8}: wall {phase.wall:.2f}s  api cpu {phase.api_cpu:.2f}s  "
        f"worker cpu {phase.worker_cpu:.2f}s  sshd+script cpu {phase.sshd_cpu:.2f}s  "
        f"clients cpu {c['cpu']:.2f}s"
    )
    print(
        f"          lines {c['lines']} in {phase.events} output events; "
        f"persisted {phase.persisted_rate:,.0f} lines/s; delivered to all "
        f"{args.subscribers} {phase.delivered_rate:,.0f} lines/s"
    )
    print(
        f"          latency p50 {c['p50'] * 1000:.1f} ms  p99 {c['p99'] * 1000:.1f} ms"
        f"  max {c['max'] * 1000:.1f} ms; of which until stored: "
        f"p50 {c['stored_p50'] * 1000:.1f} ms  p99 {c['stored_p99'] * 1000:.1f} ms"
    )
    print(
        f"          lost per subscriber max {max(c['lost'])} (sum {sum(c['lost'])}); "
        f"duplicated max {max(c['duplicated'])} (sum {sum(c['duplicated'])}); "
        f"events differing between subscribers {c['mismatched']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default=os.environ.get("OPSGRAPH_BENCH_DATABASE_URL")
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("OPSGRAPH_BENCH_REDIS_URL")
    )
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument(
        "--rate", type=int, default=25_000, help="lines/s printed; 0: flat out"
    )
    parser.add_argument("--modes", default="bare,graphql")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if not args.database_url or not args.redis_url:
        parser.error("--database-url and --redis-url (distributed mode) are required")
    settings = Settings(
        _env_file=None,
        database_url=args.database_url,
        redis_url=args.redis_url,
        secret_key="bench-streams-" * 4,
        rate_limit_default="1000000/minute",
        rate_limit_auth="1000000/minute",
    )
    upgrade_database(settings)
    ctx = multiprocessing.get_context("fork")
    found: multiprocessing.Queue[dict[str, Any]] = ctx.Queue()
    sshd = ctx.Process(target=_sshd, args=(found,), daemon=True)
    sshd.start()
    server = SSHServer(**found.get(timeout=60))
    port = free_port()
    api = ctx.Process(target=_api, args=(settings, port), daemon=True)
    api.start()
    _wait_healthy(port)
    env = {
        "base": f"ws://127.0.0.1:{port}",
        "token": asyncio.run(_token(settings)),
        "api": api.pid,
        "sshd": sshd.pid,
        "server": server,
        "worker_out": ctx.Queue(),
    }
    load = os.getloadavg()
    print(
        f"lines={args.lines} subscribers={args.subscribers} rate={args.rate}/s "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"cores {os.cpu_count()}"
    )
    try:
        _summary(_rounds(args, settings, env))
    finally:
        api.terminate()
        sshd.terminate()


def _rounds(
    args: argparse.Namespace, settings: Settings, env: dict[str, Any]
) -> dict[str, list[Phase]]:
    """Each mode once per round, alternating, so machine load hits all alike."""
    by_mode: dict[str, list[Phase]] = {m: [] for m in args.modes.split(",")}
    for round_no in range(1, args.rounds + 1):
        for mode, phases in by_mode.items():
            phases.append(run_phase(mode, args, settings, env))
            print(f"round {round_no}, load average {os.getloadavg()[0]:.2f}")
            _report(phases[-1], args)
    return by_mode


def _summary(by_mode: dict[str, list[Phase]]) -> dict[str, dict[str, float]]:
    medians = {
        mode: {
            "api_cpu": statistics.median(p.api_cpu for p in phases),
            "wall": statistics.median(p.wall for p in phases),
            "delivered": statistics.median(p.delivered_rate for p in phases),
            "persisted": statistics.median(p.persisted_rate for p in phases),
            "p50": statistics.median(p.clients["p50"] for p in phases),
            "p99": statistics.median(p.clients["p99"] for p in phases),
            "lost": max(max(p.clients["lost"]) for p in phases),
            "duplicated": max(max(p.clients["duplicated"]) for p in phases),
        }
        for mode, phases in by_mode.items()
    }
    for mode, m in medians.items():
        print(
            f"median {mode:8}: wall {m['wall']:.2f}s  api cpu {m['api_cpu']:.2f}s  "
            f"persisted {m['persisted']:,.0f} lines/s  delivered to all "
            f"{m['delivered']:,.0f} lines/s  p50 {m['p50'] * 1000:.1f} ms  "
            f"p99 {m['p99'] * 1000:.1f} ms  lost max {m['lost']:.0f}  "
            f"duplicated max {m['duplicated']:.0f}"
        )
    if {"bare", "graphql"} <= medians.keys():
        g, b = medians["graphql"], medians["bare"]
        print(
            f"graphql/bare (medians): api cpu {g['api_cpu'] / b['api_cpu']:.2f}x  "
            f"delivered lines/s {g['delivered'] / b['delivered']:.2f}x  "
            f"p99 {g['p99'] / b['p99']:.2f}x"
        )
    return medians


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("api did not start")


if __name__ == "__main__":
    main()
