"""An SNMP scan of a loopback /24 vs a raw UDP sweep vs a sequential pysnmp loop.

A /24 (default 127.0.1.0/24) where `--agents` addresses run snmpsim and the rest
are silent: nothing listens on the SNMP port there, so a request to them goes
unanswered (pysnmp's unconnected socket never sees the kernel's port-unreachable,
and the raw sweep ignores it too), and every side waits out the same timeout.

Each agent is its own snmpsim process (a distinct sysName per address, so the fleet
gets one device per agent), outside this process so its CPU is not counted.

    createdb -h 127.0.0.1 -U postgres opsgraph_bench_scans
    export OPSGRAPH_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/opsgraph_bench_scans
    python -m bench.scan_sweep --agents 64 --window 64 --timeout 0.5 --rounds 3

Per round: the raw sweep, the scan exactly as the worker runs it (`start_scan`,
then `runner.run_scan`: probes, results, counters, progress events and fleet
upserts in PostgreSQL), and the probes alone (no database) to show where the
scan's extra time goes. The sequential loop runs once (it takes ~100 s). Prints
wall and CPU seconds of this process and the medians of the two ratios the issue
sets targets for: scan / raw sweep (at most 1.2) and sequential / scan (at least 50).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pyasn1.codec.ber import encoder
from pysnmp.proto import api

from app import jobs
from app.cli import upgrade_database
from app.db import Sessionmaker, make_engine, make_sessionmaker, unit_of_work
from app.devices import service as devices_service
from app.scans import plan as scan_plan
from app.scans import runner, service, snmp
from app.settings import Settings
from tests import snmpsim
from tests.conftest import free_port

CISCO_DESCR = "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)"


def _request(community: str, request_id: int) -> bytes:
    """One encoded SNMPv2c GET of the four system OIDs the scan reads."""
    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.GetRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_request_id(pdu, request_id)
    proto.apiPDU.set_varbinds(pdu, [(o, proto.Null("")) for o in runner.SYSTEM_OIDS])
    message = proto.Message()
    proto.apiMessage.set_defaults(message)
    proto.apiMessage.set_community(message, community)
    proto.apiMessage.set_pdu(message, pdu)
    return bytes(encoder.encode(message))


class _Once(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: object) -> None:
        if not self.answer.done():
            self.answer.set_result(data)


async def raw_sweep(hosts: list[str], port: int, window: int, wait: float) -> int:
    """Send one GET per host, `window` at a time; count the answers."""
    gate = asyncio.Semaphore(window)
    loop = asyncio.get_running_loop()
    packet = _request("public", 1)

    async def one(host: str) -> bool:
        async with gate:
            transport, proto = await loop.create_datagram_endpoint(
                _Once, remote_addr=(host, port)
            )
            try:
                transport.sendto(packet)
                await asyncio.wait_for(proto.answer, wait)
                return True
            except (TimeoutError, OSError):
                return False
            finally:
                transport.close()

    return sum(await asyncio.gather(*(one(h) for h in hosts)))


def _options(port: int, window: int, wait: float) -> dict[str, object]:
    return {
        "ping": False,
        "snmp": True,
        "ssh": False,
        "timeout": wait,
        "window": window,
        "snmp_port": port,
        "snmp_communities": ["public"],
    }


async def scan(
    db: Sessionmaker, settings: Settings, hosts: list[str], opts: dict[str, object]
) -> int:
    """One SNMP scan of `hosts` as the worker runs it; returns devices found."""
    started = await service.start_scan(
        db,
        settings,
        scan_type="snmp",
        target_list=hosts,
        options=opts,
        user_id=None,
    )
    await runner.run_scan(db, settings, started.id)
    async with db() as session:
        done = await service.get_scan(session, started.id)
    assert (done.status, done.completed_targets) == ("completed", len(hosts))
    return int(done.discovered_devices)


async def probes_only(hosts: list[str], opts: dict, settings: Settings) -> int:
    """The scan's probes with its window, nothing stored: the network part alone."""
    parsed = service.parse_options(opts)
    auths = scan_plan.snmp_auths(parsed, settings, [])
    endpoint = snmp.Endpoint("", int(opts["snmp_port"]), float(opts["timeout"]))  # type: ignore[arg-type]
    pending = iter(hosts)
    found = 0

    async def work() -> None:
        nonlocal found
        for host in pending:
            where = snmp.Endpoint(host, endpoint.port, endpoint.timeout)
            answer = await snmp.first_answer(where, auths, runner.SYSTEM_OIDS)
            found += answer is not None

    await asyncio.gather(*(work() for _ in range(int(opts["window"]))))  # type: ignore[call-overload]
    return found


async def sequential(hosts: list[str], port: int, wait: float) -> int:
    """One pysnmp GET after another, each waiting exactly the same timeout.

    The same GET the scan sends (pysnmp's v1arch `get_cmd`), awaited in turn.
    Stock pysnmp's engine counts its timeouts in timer wake-ups, which stretch
    on a loaded box (one run here: 155 s instead of 96 s at load 57), and that
    would flatter the ratio.
    """
    community = snmp.SnmpAuth("v2c", community="public")
    found = 0
    for host in hosts:
        endpoint = snmp.Endpoint(host, port, timeout=wait)
        found += bool(await snmp.get(endpoint, community, runner.SYSTEM_OIDS))
    return found


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _timed(
    label: str, run: Callable[[], Awaitable[int]], expect: int
) -> tuple[float, float]:
    cpu, started = _cpu(), time.perf_counter()
    answered = await run()
    wall, used = time.perf_counter() - started, _cpu() - cpu
    print(f"  {label:<12} wall {wall:6.2f} s  cpu {used:5.2f} s  {answered} answered")
    assert answered == expect, f"{label}: {answered} answered, {expect} agents"
    return wall, used


def _agents(hosts: list[str], count: int, port: int) -> list[snmpsim.Agent]:
    step = max(1, len(hosts) // count)
    return [
        snmpsim.Agent(
            host,
            port,
            {
                "public": snmpsim.snmprec(
                    snmpsim.system(f"sw-{n:03}", CISCO_DESCR, "1.3.6.1.4.1.9.1.716")
                )
            },
        )
        for n, host in enumerate(hosts[::step][:count])
    ]


async def _forget_devices(db: Sessionmaker) -> None:
    """Every round discovers the agents anew (inserts, `device.discovered`)."""
    async with unit_of_work(db) as session:
        for device_id in await devices_service.all_device_ids(session):
            await devices_service.delete_device(session, device_id)


async def main(args: argparse.Namespace, settings: Settings) -> None:
    net = ipaddress.IPv4Network(args.network)
    assert net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")), "loopback only"
    hosts = [str(h) for h in net.hosts()]
    port = free_port()
    opts = _options(port, args.window, args.timeout)
    db = make_sessionmaker(make_engine(settings.sqlalchemy_url))
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        agents = _agents(hosts, args.agents, port)
        async with snmpsim.agents(Path(tmp), agents):
            # The scan's SNMP dispatcher is built and used (by the agents'
            # readiness checks and a small scan) before anything is timed.
            rows: list[dict[str, tuple[float, float]]] = []
            await scan(db, settings, hosts[:8], opts)
            # Let the agents' start-up CPU die down before timing anything.
            await asyncio.sleep(args.settle)
            for n in range(args.rounds):
                await _forget_devices(db)
                print(f"round {n + 1} (load {os.getloadavg()[0]:.2f})")
                row = {
                    "raw": await _timed(
                        "raw sweep",
                        lambda: raw_sweep(hosts, port, args.window, args.timeout),
                        len(agents),
                    ),
                    "scan": await _timed(
                        "scan", lambda: scan(db, settings, hosts, opts), len(agents)
                    ),
                    "probes": await _timed(
                        "probes only",
                        lambda: probes_only(hosts, opts, settings),
                        len(agents),
                    ),
                }
                rows.append(row)
            seq = (0.0, 0.0)
            if not args.no_sequential:
                seq = await _timed(
                    "sequential",
                    lambda: sequential(hosts, port, args.timeout),
                    len(agents),
                )
    _report(rows, seq, args)
    print(f"load average after: {os.getloadavg()}")


def _report(
    rows: list[dict[str, tuple[float, float]]],
    seq: tuple[float, float],
    args: argparse.Namespace,
) -> None:
    def median(key: str, part: int) -> float:
        return statistics.median(r[key][part] for r in rows)

    print(
        f"\n{args.network}: {args.agents} agents, window {args.window},"
        f" timeout {args.timeout} s, 0 retries; medians of {len(rows)} rounds"
    )
    for key in ("raw", "scan", "probes"):
        print(f"  {key:<12} wall {median(key, 0):6.2f} s  cpu {median(key, 1):5.2f} s")
    ratio = statistics.median(r["scan"][0] / r["raw"][0] for r in rows)
    print(f"scan / raw sweep   {ratio:6.2f}  (target <= 1.2)")
    if seq[0]:
        print(f"  sequential   wall {seq[0]:6.2f} s  cpu {seq[1]:5.2f} s")
        print(f"sequential / scan  {seq[0] / median('scan', 0):6.1f}  (target >= 50)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="127.0.1.0/24")
    parser.add_argument("--agents", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-sequential", action="store_true")
    parser.add_argument("--settle", type=float, default=10.0)
    parsed = parser.parse_args()
    configured = Settings(
        _env_file=None,
        database_url=os.environ["OPSGRAPH_BENCH_DATABASE_URL"],
        secret_key="bench" * 8,
    )
    upgrade_database(configured)
    jobs.make_broker(configured)
    asyncio.run(main(parsed, configured))
