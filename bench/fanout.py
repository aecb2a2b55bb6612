"""Fan-out: one trivial command on N loopback SSH hosts.

OpsGraph versus (a) a bare asyncssh loop with the same concurrency and (b)
ansible with forks = concurrency, on the same hosts with the same keys. The SSH
hosts run in processes of their own (bench/fanout_peers.py), so their CPU counts
against no side. OpsGraph runs either end to end (`--mode e2e`: GraphQL request
to `opsgraph serve`, `opsgraph worker` in distributed mode; bench/fanout_e2e.py)
or in this process (`--mode inproc`: the service and engine called directly).
Run from the repository root; see bench/README.md "1. Fan-out".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psutil

from app import ssh
from app.cli import upgrade_database
from app.db import make_engine, make_sessionmaker, unit_of_work
from app.executions import engine, service
from app.executions.targets import HostRef
from app.settings import Settings
from bench import fanout_e2e
from bench.fanout_peers import Fleet, asyncssh_fleet, openssh_fleet
from tests.sshd import SSHServer

COMMAND = "echo ok"
IDLE_SECONDS = 3.0
Sample = tuple[float, float]  # wall seconds, CPU seconds
Run = Callable[[], tuple[Sample, str]]  # one timed run: its sample and a note


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


async def bare(targets: list[ssh.SSHTarget], limit: int) -> Sample:
    """(a): `app.ssh.session` + `conn.run` per host under one semaphore."""
    sem = asyncio.Semaphore(limit)

    async def one(t: ssh.SSHTarget) -> int | None:
        async with sem, ssh.session(t) as c:
            return (await c.conn.run(COMMAND)).exit_status

    wall, cpu = time.perf_counter(), _cpu()
    codes = await asyncio.gather(*(one(t) for t in targets))
    assert codes == [0] * len(targets)
    return time.perf_counter() - wall, _cpu() - cpu


async def inproc(targets: list[ssh.SSHTarget], settings: Settings) -> Sample:
    """OpsGraph in this process: `service.submit`, then `engine.run` as the actor."""
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


def _ansible_inventory(servers: Sequence[SSHServer], tmp: Path) -> Path:
    hosts = {}
    for i, s in enumerate(servers):
        key = tmp / f"key{i}"
        key.write_text(s.client_key)
        key.chmod(0o600)
        hosts[f"h{i}"] = {
            "ansible_host": s.host,
            "ansible_port": s.port,
            "ansible_user": s.username,
            "ansible_ssh_private_key_file": str(key),
            # the hosts are this machine: its Python, no interpreter discovery
            "ansible_python_interpreter": sys.executable,
            # keep ssh from writing the bench's throw-away keys to ~/.ssh
            "ansible_ssh_common_args": f"-o UserKnownHostsFile={tmp / 'known_hosts'}",
        }
    inventory = tmp / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    return inventory


def _reap_control_masters(tmp: Path) -> None:
    """End the ssh ControlPersist masters this run left behind (by pid)."""
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(tmp) in part for part in proc.info["cmdline"] or []):
            proc.terminate()


def ansible(servers: Sequence[SSHServer], forks: int, module: str) -> Sample:
    """(b): `ansible all -m MODULE -a COMMAND -f FORKS`, default settings.

    Host key checking is off (ansible's own switch). Each run gets a fresh ssh
    ControlPath dir, so no run reuses a connection a previous one left open.
    """
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        inventory = _ansible_inventory(servers, tmp)
        env = {
            **os.environ,
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp / "cp"),
            "ANSIBLE_LOCAL_TEMP": str(tmp / "local"),
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        done = subprocess.run(  # noqa: S603  ansible's own CLI
            [
                shutil.which("ansible") or "ansible",
                "all",
                "-i",
                str(inventory),
                "-m",
                module,
                "-a",
                COMMAND,
                "-f",
                str(forks),
            ],
            env=env,
            check=False,
            capture_output=True,
        )
        wall = time.perf_counter() - wall
        if done.returncode != 0:
            raise RuntimeError(f"ansible failed:\n{done.stdout.decode()[-3000:]}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        _reap_control_masters(tmp)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


@contextmanager
def _fleet(peers: str, count: int) -> Iterator[Fleet]:
    if peers == "asyncssh":
        with asyncssh_fleet(count) as fleet:
            yield fleet
        return
    with tempfile.TemporaryDirectory() as tmp, openssh_fleet(count, Path(tmp)) as fleet:
        yield fleet


def _measured(fleet: Fleet, run: Run) -> tuple[Sample, str]:
    """A run's sample, noting the CPU the SSH servers spent meanwhile."""
    before = fleet.cpu()
    sample, note = run()
    return sample, f"[hosts {fleet.cpu() - before:.2f}s] {note}"


def _median(samples: list[Sample]) -> Sample:
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def _line(name: str, sample: Sample) -> str:
    return f"{name:<24}: wall {sample[0]:6.2f}s  cpu {sample[1]:6.2f}s"


class Results:
    """Samples per side; prints each run and then the medians and ratios."""

    def __init__(self) -> None:
        self.samples: dict[str, list[Sample]] = {}
        self.idle_rate = 0.0  # OpsGraph's CPU s per s when it has no work

    def add(self, name: str, sample: Sample, note: str = "") -> None:
        self.samples.setdefault(name, []).append(sample)
        print(_line(name, sample), note, flush=True)

    def report(self, ours: str, ansible_name: str | None) -> None:
        med = {name: _median(s) for name, s in self.samples.items()}
        runs = len(self.samples["bare asyncssh"])
        print(f"--- medians of {runs} run(s); load average {_load()}")
        for name, sample in med.items():
            print(_line(name, sample))
        b_wall, b_cpu = med["bare asyncssh"]
        o_wall, o_cpu = med[ours]
        print(
            f"ratio wall {o_wall / b_wall:.2f}x (target <= 1.3x)  "
            f"cpu/host {o_cpu / b_cpu:.2f}x (target <= 1.5x)"
        )
        if self.idle_rate:
            net = o_cpu - self.idle_rate * o_wall
            print(f"cpu/host without the idle background: {net / b_cpu:.2f}x")
        if ansible_name:
            a_wall = med[ansible_name][0]
            print(f"opsgraph is {a_wall / o_wall:.1f}x faster than {ansible_name}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        _env_file=None,
        database_url=args.database_url,
        redis_url=args.redis_url,
        secret_key="bench-" * 8,
        ssh_concurrency=args.concurrency,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--mode", choices=("e2e", "inproc"), default="e2e")
    parser.add_argument("--peers", choices=("asyncssh", "openssh"), default="asyncssh")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-ansible", dest="ansible", action="store_false")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OPSGRAPH_BENCH_DATABASE_URL"),
        required="OPSGRAPH_BENCH_DATABASE_URL" not in os.environ,
        help="PostgreSQL (asyncpg URL) of a bench database",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("OPSGRAPH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
    )
    return parser


def main() -> None:
    args = _parser().parse_args()
    settings = _settings(args)
    upgrade_database(settings)
    # ansible's raw module needs no Python on the host; the lightweight asyncssh
    # servers have none, so they get raw and real sshd gets the command module.
    module = "raw" if args.peers == "asyncssh" else "command"
    ours = f"opsgraph {args.mode}"
    print(
        f"hosts={args.hosts} concurrency={args.concurrency} peers={args.peers} "
        f"mode={args.mode} load average {_load()}",
        flush=True,
    )
    results = Results()
    with ExitStack() as stack:
        fleet = stack.enter_context(_fleet(args.peers, args.hosts))
        targets = _targets(fleet.servers)
        opsgraph = _opsgraph(args, settings, fleet.servers, targets, stack, results)
        sides: list[tuple[str, Run]] = [
            (
                "bare asyncssh",
                lambda: (asyncio.run(bare(targets, args.concurrency)), ""),
            ),
            (ours, opsgraph),
        ]
        if args.ansible:
            sides.append(
                (
                    f"ansible {module}",
                    lambda: (ansible(fleet.servers, args.concurrency, module), ""),
                )
            )
        for _ in range(args.repeat):
            for name, run in sides:
                results.add(name, *_measured(fleet, run))
    results.report(ours, f"ansible {module}" if args.ansible else None)


def _opsgraph(
    args: argparse.Namespace,
    settings: Settings,
    servers: list[SSHServer],
    targets: list[ssh.SSHTarget],
    stack: ExitStack,
    results: Results,
) -> Run:
    """One timed OpsGraph run per call (and a note), after one warm-up run."""
    if args.mode == "inproc":
        asyncio.run(inproc(targets[:10], settings))
        return lambda: (asyncio.run(inproc(targets, settings)), "")
    logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    running = stack.enter_context(fanout_e2e.running(settings, servers, logs))
    asyncio.run(fanout_e2e.run(running, COMMAND, running.device_ids[:10]))
    idle = running.cpu()
    time.sleep(IDLE_SECONDS)
    results.idle_rate = (sum(running.cpu()) - sum(idle)) / IDLE_SECONDS
    print(
        f"idle API + worker: {results.idle_rate:.3f} CPU s per s "
        "(queue polling, scheduler); included in the numbers below",
        flush=True,
    )

    def once() -> tuple[Sample, str]:
        api, worker = running.cpu()
        wall = asyncio.run(fanout_e2e.run(running, COMMAND, running.device_ids))
        api, worker = (a - b for a, b in zip(running.cpu(), (api, worker), strict=True))
        return (wall, api + worker), f"(api {api:.2f}s + worker {worker:.2f}s)"

    return once


if __name__ == "__main__":
    main()
