"""Scan engine vs a raw UDP sweep vs a sequential pysnmp loop, on loopback only.

A /24 (default 127.0.1.0/24) where `--agents` addresses run snmpsim and the rest
are silent: nothing listens on the SNMP port there, so their SNMP requests go
unanswered (the kernel's port-unreachable never reaches an unconnected socket).

    python -m bench.scan_sweep --agents 64 --window 64 --timeout 0.5

Prints the wall time of each run and the two ratios the issue sets targets for:
scan / raw sweep (at most 1.2) and sequential / scan (at least 50).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import tempfile
import time
import uuid
from pathlib import Path

from pyasn1.codec.ber import encoder
from pysnmp.hlapi.v3arch import asyncio as hl
from pysnmp.proto import api

from app.scans import probes, runner, snmp
from app.scans.plan import Plan
from tests import snmpsim
from tests.conftest import free_port
from tests.scans.conftest import CISCO


def _request(community: str, request_id: int) -> bytes:
    """One encoded SNMPv2c GET of sysName."""
    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.GetRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_request_id(pdu, request_id)
    proto.apiPDU.set_varbinds(pdu, [(snmp.SYS_NAME, proto.Null(""))])
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


def _plan(port: int, window: int, wait: float) -> Plan:
    return Plan(
        scan_id=uuid.uuid4(),
        ping=False,
        method="tcp",
        ports=[],
        timeout=wait,
        window=window,
        snmp=True,
        snmp_port=port,
        snmp_retries=0,
        auths=(snmp.SnmpAuth("v2c", community="public"),),
        ssh=False,
        ssh_port=22,
        ssh_login=None,
    )


async def engine_scan(hosts: list[str], plan: Plan) -> int:
    """The scan engine's probes with its bounded window; count SNMP answers."""
    pending = iter(hosts)
    found = 0

    async def work() -> None:
        nonlocal found
        for host in pending:
            answered = (await runner.probe(plan, host)).snmp is not None
            found += answered

    await asyncio.gather(*(work() for _ in range(min(plan.window, len(hosts)))))
    return found


async def sequential(hosts: list[str], port: int, wait: float) -> int:
    """One pysnmp GET after another: the baseline the issue compares to."""
    found = 0
    for host in hosts:
        target = await hl.UdpTransportTarget.create(
            (host, port), timeout=wait, retries=0
        )
        error, status, _i, _binds = await hl.get_cmd(
            snmp.engine(),
            hl.CommunityData("public", mpModel=1),  # noqa: S508  the agents' community
            target,
            hl.ContextData(),
            hl.ObjectType(hl.ObjectIdentity(snmp.SYS_NAME)),
            lookupMib=False,
        )
        found += not error and not status
    return found


async def _timed(label: str, run: object) -> float:
    started = time.perf_counter()
    answered = await run  # type: ignore[misc]
    elapsed = time.perf_counter() - started
    print(f"{label:<12} {elapsed:8.2f} s  {answered} answered")
    return elapsed


async def main(args: argparse.Namespace) -> None:
    net = ipaddress.IPv4Network(args.network)
    assert net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")), "loopback only"
    hosts = [str(h) for h in net.hosts()]
    port = free_port()
    step = max(1, len(hosts) // args.agents)
    agents = [
        snmpsim.Agent(h, port, {"public": snmpsim.snmprec(CISCO)})
        for h in hosts[::step][: args.agents]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        async with snmpsim.agents(Path(tmp), agents):
            # One engine per process, built and used once before timing anything.
            await engine_scan(hosts[:1], _plan(port, 1, args.timeout))
            raw = await _timed(
                "raw sweep", raw_sweep(hosts, port, args.window, args.timeout)
            )
            plan = _plan(port, args.window, args.timeout)
            scan = await _timed("scan engine", engine_scan(hosts, plan))
            seq = await _timed("sequential", sequential(hosts, port, args.timeout))
    print(f"scan / raw sweep   {scan / raw:6.2f}  (target <= 1.2)")
    print(f"sequential / scan  {seq / scan:6.1f}  (target >= 50)")
    print(f"icmp available: {probes.icmp_available()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="127.0.1.0/24")
    parser.add_argument("--agents", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=0.5)
    asyncio.run(main(parser.parse_args()))
