"""Queue latency: the API accepting an execution -> a worker starting it.

Distributed mode: a real `opsgraph serve` and a separate `opsgraph worker`
process on PostgreSQL and Redis. Executions (an OPMAS playbook with one `wait 0`
step, so no SSH host is involved) are submitted through
`POST /api/v1/playbooks/{id}/execute`; latency is the row's `created_at` (set by
the API inside the request's transaction, before commit and enqueue) to its
`started_at` (set by the worker's claim).

References, each in its own process and measured in the same run: the floor, a
bare Redis LPUSH -> BRPOP hop; and a bare Dramatiq RedisBroker worker whose sync
actor only records when it started (latency: `broker.enqueue` -> actor start),
with Dramatiq's default idle back-off cap (1 s) and with a 50 ms cap.

Three patterns: idle (one submission every 0.5-1 s: a polling consumer is in
back-off), load (open-loop arrivals at --rate per second, each its own
request) and bursts (--burst-size submissions at once, 2 s apart). Before the
phases, the Redis commands per second of the idle system are counted (MONITOR).
Run from the repository root:

    OPSGRAPH_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/bench \\
    OPSGRAPH_BENCH_REDIS_URL=redis://127.0.0.1:6379/12 \\
        python -m bench.queue_latency
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import dramatiq
import httpx
import psutil
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select

from app.cli import upgrade_database
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.executions.models import Execution
from app.settings import Settings
from app.users import service as users_service

ROOT = Path(__file__).resolve().parent.parent
KEY = "queue-latency-bench-key-not-secret-0123456789"
REF_NAMESPACE = "opsgraph-bench-ref"
REF_STARTED = f"{REF_NAMESPACE}:started"
REF_LIST = f"{REF_NAMESPACE}:list"
DRAMATIQ_DEFAULT_TIMEOUT_MS = 1000
TIGHT_TIMEOUT_MS = 50
THREADS = Settings.model_fields["worker_threads"].default  # the product's default


class System(Protocol):
    """Something that takes submissions and says when each one started."""

    async def submit(self) -> object: ...

    async def latencies(self, keys: list[object]) -> list[float]: ...


Pattern = Callable[
    [Callable[[], Awaitable[object]]], Awaitable[tuple[list[object], float]]
]


@dataclass
class Phase:
    """Latencies (ms) of one phase with the CPU seconds it cost and its wall time."""

    name: str
    latencies: list[float]
    wall: float
    cpu: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.name:<36} n={len(self.latencies):<4} p50 {self.pct(50):7.1f}  "
            f"p90 {self.pct(90):7.1f}  p99 {self.pct(99):7.1f}  "
            f"max {max(self.latencies):7.1f} ms   wall {self.wall:6.1f}s "
            f"cpu {self.cpu:6.2f}s"
        )


async def _measure(system: System, name: str, pattern: Pattern, cpu: Cpu) -> Phase:
    before = cpu.total()
    keys, wall = await pattern(system.submit)
    latencies = await system.latencies(keys)
    return Phase(name, latencies, wall, cpu.total() - before)


class Cpu:
    """CPU seconds used by a set of processes (and this one) between two reads."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process(p) for p in pids] + [psutil.Process()]

    def total(self) -> float:
        times = [p.cpu_times() for p in self.procs]
        return sum(t.user + t.system for t in times)


def _env(db_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "OPSGRAPH_DATABASE_URL": db_url,
        "OPSGRAPH_REDIS_URL": redis_url,
        "OPSGRAPH_SECRET_KEY": KEY,
        "OPSGRAPH_LOG_LEVEL": "WARNING",
        "OPSGRAPH_RATE_LIMIT_DEFAULT": "1000000/minute",
    }


@contextmanager
def _process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(  # noqa: S603  our own CLI
        [sys.executable, *args], env=env, cwd=ROOT
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _token(settings: Settings) -> str:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await users_service.ensure_builtin_roles(session)
            name = f"bench-{random.randrange(10**9)}"  # noqa: S311  not a secret
            user = await users_service.create_user(
                session, name, "bench-password-0123", roles=["admin"]
            )
            issued = await users_service.start_session(
                session, user, KEY, timedelta(hours=2), None
            )
        return issued.access_token
    finally:
        await engine.dispose()


async def _wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("opsgraph serve did not become ready")


async def _idle(
    submit: Callable[[], Awaitable[object]], count: int
) -> tuple[list[object], float]:
    found, started = [], time.perf_counter()
    for _ in range(count):
        await asyncio.sleep(random.uniform(0.5, 1.0))  # noqa: S311
        found.append(await submit())
    return found, time.perf_counter() - started


async def _load(
    submit: Callable[[], Awaitable[object]], count: int, rate: float
) -> tuple[list[object], float]:
    started = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(submit()))
    found = list(await asyncio.gather(*tasks))
    return found, time.perf_counter() - started


async def _bursts(
    submit: Callable[[], Awaitable[object]], bursts: int, size: int
) -> tuple[list[object], float]:
    found, started = [], time.perf_counter()
    for _ in range(bursts):
        found += await asyncio.gather(*(submit() for _ in range(size)))
        await asyncio.sleep(2.0)
    return found, time.perf_counter() - started


def _commands_per_second(redis_url: str, seconds: float) -> float:
    """Commands clients send to the bench database per second (MONITOR).

    Commands run inside Lua scripts are not counted (dramatiq's fetch is one
    EVALSHA that runs a few).
    """
    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    count, deadline = 0, time.monotonic() + seconds
    with client.monitor() as monitor:
        for command in monitor.listen():
            if time.monotonic() > deadline:
                break
            if command.get("db") == db and command.get("client_type") != "lua":
                count += 1
    client.close()
    return count / seconds


class OpsGraph:
    """`opsgraph serve` + `opsgraph worker`, submitting through the OPMAS API."""

    def __init__(
        self, client: httpx.AsyncClient, settings: Settings, step_seconds: int
    ) -> None:
        self.client, self.settings = client, settings
        self.step_seconds = step_seconds
        self.playbook = 0

    async def prepare(self) -> None:
        await _wait_ready(self.client)
        steps = [{"type": "wait", "action": str(self.step_seconds)}]
        body = {"name": f"qlat-{time.time_ns()}", "steps": steps}
        response = await self.client.post("/api/v1/playbooks", json=body)
        response.raise_for_status()
        self.playbook = response.json()["id"]

    async def submit(self) -> int:
        response = await self.client.post(
            f"/api/v1/playbooks/{self.playbook}/execute", json={}
        )
        response.raise_for_status()
        return int(response.json()["id"])

    async def latencies(self, ids: list[object]) -> list[float]:
        rows = await self._started(ids)
        return [(s - c).total_seconds() * 1000 for c, s in rows]

    async def _started(self, ids: list[object]) -> list[tuple[object, object]]:
        engine = make_engine(self.settings.sqlalchemy_url)
        query = select(Execution.created_at, Execution.started_at).where(
            Execution.id.in_(ids), Execution.started_at.is_not(None)
        )
        try:
            for _ in range(600):
                async with engine.connect() as conn:
                    rows = (await conn.execute(query)).all()
                if len(rows) == len(ids):
                    return [(c, s) for c, s in rows]
                await asyncio.sleep(0.1)
        finally:
            await engine.dispose()
        raise RuntimeError(f"only {len(rows)} of {len(ids)} executions started")


def _reference_broker(redis_url: str) -> RedisBroker:
    broker = RedisBroker(url=redis_url, namespace=REF_NAMESPACE)
    broker.declare_queue("default")
    return broker


def _record(client: redis.Redis, number: object) -> None:
    client.hset(REF_STARTED, str(number), repr(time.time()))


def reference_worker(redis_url: str, timeout_ms: int, threads: int) -> None:
    """A bare Dramatiq worker whose actor only records when it started."""
    broker = _reference_broker(redis_url)

    def started(number: int) -> None:
        _record(broker.client, number)

    dramatiq.actor(started, actor_name="bench.started", broker=broker)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=timeout_ms)
    worker.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    worker.stop()


def brpop_worker(redis_url: str) -> None:
    """The floor: BRPOP a number off a list and record when it arrived."""
    client = redis.Redis.from_url(redis_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        found = client.brpop([REF_LIST], timeout=0.5)
        if found is not None:
            _record(client, found[1].decode())


class Reference:
    """Enqueue from here; a separate process records when each item started."""

    def __init__(self, redis_url: str, bare: bool) -> None:
        self.broker = _reference_broker(redis_url)
        self.bare = bare
        self.sent: dict[int, float] = {}

    async def submit(self) -> int:
        number = len(self.sent)
        self.sent[number] = time.time()
        if self.bare:
            self.broker.client.lpush(REF_LIST, number)
            return number
        message = dramatiq.Message(
            queue_name="default",
            actor_name="bench.started",
            args=(number,),
            kwargs={},
            options={},
        )
        self.broker.enqueue(message)
        return number

    async def latencies(self, numbers: list[object]) -> list[float]:
        for _ in range(600):
            found = self.broker.client.hmget(REF_STARTED, [str(n) for n in numbers])
            if all(found):
                return [
                    (float(f) - self.sent[int(str(n))]) * 1000
                    for n, f in zip(numbers, found, strict=True)
                ]
            await asyncio.sleep(0.1)
        raise RuntimeError("reference items did not all start")


def _clear_reference(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{REF_NAMESPACE}*"):
        client.delete(key)
    client.close()


async def _phases(
    label: str, system: System, cpu: Cpu, args: argparse.Namespace, redis_url: str
) -> list[Phase]:
    await _measure(system, "warm-up", lambda s: _load(s, 20, 10.0), cpu)
    # One unmeasured burst: the first one after start opens the connection
    # pools' connections (a PostgreSQL backend each), which later bursts reuse.
    await _measure(system, "warm-up", lambda s: _bursts(s, 1, args.burst_size), cpu)
    per_second = await asyncio.to_thread(_commands_per_second, redis_url, 5.0)
    print(f"{label}: {per_second:.0f} Redis commands/s while idle")
    patterns: list[tuple[str, int, Pattern]] = [
        ("idle", args.idle, lambda s: _idle(s, args.idle)),
        ("load", args.load, lambda s: _load(s, args.load, args.rate)),
        ("burst", args.bursts, lambda s: _bursts(s, args.bursts, args.burst_size)),
    ]
    return [
        await _measure(system, f"{label} {name}", pattern, cpu)
        for name, count, pattern in patterns
        if count
    ]


async def run_reference(
    args: argparse.Namespace, redis_url: str, timeout_ms: int | None
) -> list[Phase]:
    _clear_reference(redis_url)
    command = ["-m", "bench.queue_latency", "reference-worker"]
    if timeout_ms is None:
        command.append("--brpop")
        label = "bare Redis LPUSH->BRPOP"
    else:
        command += ["--timeout-ms", str(timeout_ms), "--threads", str(args.threads)]
        label = f"bare dramatiq, {timeout_ms} ms cap"
    env = {**os.environ, "OPSGRAPH_BENCH_REDIS_URL": redis_url}
    with _process(command, env) as proc:
        system = Reference(redis_url, bare=timeout_ms is None)
        return await _phases(label, system, Cpu([proc.pid]), args, redis_url)


async def run_opsgraph(
    args: argparse.Namespace, db_url: str, redis_url: str
) -> list[Phase]:
    settings = Settings(
        _env_file=None, database_url=db_url, redis_url=redis_url, secret_key=KEY
    )
    await asyncio.to_thread(upgrade_database, settings)
    token = await _token(settings)
    env = _env(db_url, redis_url) | {"OPSGRAPH_WORKER_THREADS": str(args.threads)}
    serve = ["-m", "app.cli", "serve", "--port", str(args.port)]
    with _process(serve, env) as api, _process(["-m", "app.cli", "worker"], env) as wk:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{args.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            limits=httpx.Limits(max_connections=200),
        ) as client:
            system = OpsGraph(client, settings, args.step_seconds)
            await system.prepare()
            cpu = Cpu([api.pid, wk.pid])
            return await _phases("opsgraph API->worker", system, cpu, args, redis_url)


def _ratios(ops: list[Phase], ref: list[Phase], name: str) -> None:
    for o, r in zip(ops, ref, strict=True):
        mode = o.name.rsplit(" ", 1)[1]
        print(
            f"{mode:<5} opsgraph / {name}: p50 {o.pct(50) / r.pct(50):5.1f}x  "
            f"p99 {o.pct(99) / r.pct(99):5.1f}x  cpu {o.cpu / r.cpu:5.1f}x"
        )


async def main(args: argparse.Namespace) -> None:
    db_url = os.environ["OPSGRAPH_BENCH_DATABASE_URL"]
    redis_url = os.environ["OPSGRAPH_BENCH_REDIS_URL"]
    ops = await run_opsgraph(args, db_url, redis_url)
    if args.opsgraph_only:
        for phase in ops:
            print(phase.line())
        return
    floor = await run_reference(args, redis_url, None)
    default = await run_reference(args, redis_url, DRAMATIQ_DEFAULT_TIMEOUT_MS)
    tight = await run_reference(args, redis_url, TIGHT_TIMEOUT_MS)
    print(
        f"\nidle: {args.idle}, one every 0.5-1 s; load: {args.load} at {args.rate}/s; "
        f"burst: {args.bursts} x {args.burst_size} at once, 2 s apart; "
        f"worker threads {args.threads}; each execution runs {args.step_seconds} s\n"
        "cpu: API + worker (or the reference process) + this client, per phase"
    )
    for phase in [*ops, *floor, *default, *tight]:
        print(phase.line())
    _ratios(ops, floor, "LPUSH->BRPOP")
    _ratios(ops, default, "dramatiq 1 s cap")
    for phase in ops:
        verdict = "met" if phase.pct(99) < 150 else "NOT met"
        print(f"{phase.name}: p99 {phase.pct(99):.1f} ms, target < 150 ms {verdict}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    ref = sub.add_parser("reference-worker")
    ref.add_argument("--brpop", action="store_true")
    ref.add_argument("--timeout-ms", type=int, default=DRAMATIQ_DEFAULT_TIMEOUT_MS)
    ref.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--idle", type=int, default=60, help="idle submissions")
    parser.add_argument("--load", type=int, default=200, help="submissions, load")
    parser.add_argument("--rate", type=float, default=10.0, help="per second, load")
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--burst-size", type=int, default=20)
    parser.add_argument("--threads", type=int, default=THREADS, help="worker threads")
    parser.add_argument(
        "--step-seconds", type=int, default=0, help="how long each execution runs"
    )
    parser.add_argument("--opsgraph-only", action="store_true")
    parser.add_argument("--port", type=int, default=18431)
    return parser


if __name__ == "__main__":
    cli = _parser().parse_args()
    url = os.environ["OPSGRAPH_BENCH_REDIS_URL"]
    if cli.command == "reference-worker" and cli.brpop:
        brpop_worker(url)
    elif cli.command == "reference-worker":
        reference_worker(url, cli.timeout_ms, cli.threads)
    else:
        asyncio.run(main(cli))
