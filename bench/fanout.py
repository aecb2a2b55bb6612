"""Fan-out: one trivial command on N loopback SSH hosts.

OpsGraph's engine (claim, lease, batched events, per-host rows in PostgreSQL) versus
(a) a bare asyncssh loop with the same concurrency and (b) `ansible all -m raw`
with forks 50. The SSH servers run in a separate process so they do not count
against either side's CPU. Run from the repository root:

    OPSGRAPH_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/bench \\
        python -m bench.fanout --hosts 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from app import ssh
from app.cli import upgrade_database
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.executions import engine, service
from app.executions.targets import HostRef
from app.settings import Settings
from tests.sshd import SSHServer, asyncssh_server

COMMAND = "echo ok"


def _serve(count: int, out: multiprocessing.Queue[list[dict[str, object]]]) -> None:
    async def main() -> None:
        from contextlib import AsyncExitStack

        async with AsyncExitStack() as stack:
            found = [
                await stack.enter_async_context(asyncssh_server()) for _ in range(count)
            ]
            out.put([s.__dict__ for s in found])
            await asyncio.Event().wait()

    asyncio.run(main())


def _targets(servers: Sequence[SSHServer]) -> list[ssh.SSHTarget]:
    return [
        ssh.SSHTarget(
            host=s.host,
            port=s.port,
            username=s.username,
            private_key=s.client_key,
            host_key=s.host_key,
        )
        for s in servers
    ]


class Device:
    def __init__(self, device_id: int, target: ssh.SSHTarget) -> None:
        self.device_id, self.name, self.target = device_id, f"h{device_id}", target


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bare(targets: list[ssh.SSHTarget], limit: int) -> tuple[float, float]:
    sem = asyncio.Semaphore(limit)

    async def one(t: ssh.SSHTarget) -> int | None:
        async with sem, ssh.session(t) as c:
            return (await c.conn.run(COMMAND)).exit_status

    wall, cpu = time.perf_counter(), _cpu()
    codes = await asyncio.gather(*(one(t) for t in targets))
    assert codes == [0] * len(targets)
    return time.perf_counter() - wall, _cpu() - cpu


async def opsgraph(
    targets: list[ssh.SSHTarget], settings: Settings
) -> tuple[float, float]:
    db = make_sessionmaker(make_engine(settings.sqlalchemy_url))
    devices = {i + 1: Device(i + 1, t) for i, t in enumerate(targets)}

    async def resolve(session: object, ids: Sequence[int]) -> list[Device]:
        return [devices[i] for i in ids]

    wall, cpu = time.perf_counter(), _cpu()
    async with unit_of_work(db) as session:
        execution = await service.submit(
            session,
            kind="command",
            steps=[{"type": "command", "action": COMMAND}],
            hosts=[HostRef(i, d.name) for i, d in devices.items()],
        )
    await engine.run(db, execution.uuid, settings, resolve)
    elapsed, used = time.perf_counter() - wall, _cpu() - cpu
    async with db() as session:
        assert (await service.get(session, execution.uuid)).status == "completed"
    return elapsed, used


def ansible(servers: Sequence[SSHServer], forks: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        hosts = {}
        for i, s in enumerate(servers):
            key = Path(tmp) / f"key{i}"
            key.write_text(s.client_key)
            key.chmod(0o600)
            hosts[f"h{i}"] = {
                "ansible_host": s.host,
                "ansible_port": s.port,
                "ansible_user": s.username,
                "ansible_ssh_private_key_file": str(key),
            }
        inventory = Path(tmp) / "hosts.json"
        inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
        env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        subprocess.run(  # noqa: S603  ansible's own CLI
            [
                shutil.which("ansible") or "ansible",
                "all",
                "-i",
                str(inventory),
                "-m",
                "raw",
                "-a",
                COMMAND,
                "-f",
                str(forks),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return time.perf_counter() - wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--ansible", action="store_true")
    args = parser.parse_args()
    url = os.environ["OPSGRAPH_BENCH_DATABASE_URL"]
    settings = Settings(
        _env_file=None,
        database_url=url,
        secret_key="bench" * 8,
        max_concurrent_executions=args.concurrency,
    )
    upgrade_database(settings)
    queue: multiprocessing.Queue[list[dict[str, object]]] = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_serve, args=(args.hosts, queue), daemon=True)
    proc.start()
    servers = [SSHServer(**s) for s in queue.get(timeout=120)]  # type: ignore[arg-type]
    targets = _targets(servers)
    try:
        b_wall, b_cpu = asyncio.run(bare(targets, args.concurrency))
        o_wall, o_cpu = asyncio.run(opsgraph(targets, settings))
        print(f"hosts={args.hosts} concurrency={args.concurrency}")
        print(f"bare asyncssh : wall {b_wall:.2f}s cpu {b_cpu:.2f}s")
        print(f"opsgraph      : wall {o_wall:.2f}s cpu {o_cpu:.2f}s")
        print(f"ratio wall {o_wall / b_wall:.2f}x  cpu/host {o_cpu / b_cpu:.2f}x")
        if args.ansible:
            a_wall, a_cpu = ansible(servers, args.concurrency)
            print(f"ansible raw   : wall {a_wall:.2f}s cpu {a_cpu:.2f}s")
            print(f"opsgraph is {a_wall / o_wall:.1f}x faster than ansible")
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
