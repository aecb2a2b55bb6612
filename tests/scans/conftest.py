"""Fixtures of the scan tests: a private loopback /28, agents and listeners on it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import jobs
from app.settings import Settings
from tests import snmpsim
from tests.conftest import free_port, pg_settings

V3 = snmpsim.V3User("opsuser", "auth-key-123", "priv-key-123")
CISCO = snmpsim.system(
    "sw-core-1",
    "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE",
    "1.3.6.1.4.1.9.1.716",
)
JUNIPER = snmpsim.system(
    "rtr-edge-1",
    "Juniper Networks, Inc. mx480 internet router, kernel JUNOS 21.4R1",
    "1.3.6.1.4.1.2636.1.1.1.2.25",
)
LINUX = snmpsim.system(
    "srv-1", "Linux srv-1 6.1.0 #1 SMP x86_64", "1.3.6.1.4.1.8072.3.2.10"
)


@dataclass(frozen=True)
class Lab:
    """A /28 on loopback: who answers what, and on which ports."""

    net: str
    snmp_port: int
    tcp_port: int

    def host(self, n: int) -> str:
        """The n-th address of the /28."""
        head, last = self.net.split("/")[0].rsplit(".", 1)
        return f"{head}.{int(last) + n}"


@pytest.fixture
def lab() -> Lab:
    """A /28 in 127.0.0.0/8 that no other test uses."""
    second, third = random.randint(100, 250), random.randint(0, 250)  # noqa: S311
    base = random.choice(range(0, 256, 16))  # noqa: S311
    return Lab(f"127.{second}.{third}.{base}/28", free_port(), free_port())


@pytest.fixture
def settings(pg_url: str) -> Settings:
    """Test settings, with a stub broker to take the queued scan messages."""
    configured = pg_settings(pg_url)
    jobs.make_broker(configured)
    return configured


@pytest.fixture
async def agents(lab: Lab, tmp_path: Path) -> AsyncIterator[list[snmpsim.Agent]]:
    """Cisco (v2c) on .1, Juniper (v2c community `private`) on .2, Linux (v3) on .3."""
    wanted = [
        snmpsim.Agent(lab.host(1), lab.snmp_port, {"public": snmpsim.snmprec(CISCO)}),
        snmpsim.Agent(
            lab.host(2), lab.snmp_port, {"private": snmpsim.snmprec(JUNIPER)}
        ),
        snmpsim.Agent(
            lab.host(3), lab.snmp_port, {"inventory": snmpsim.snmprec(LINUX)}, V3
        ),
    ]
    async with snmpsim.agents(tmp_path, wanted) as running:
        yield running


async def _banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.2 test\r\n")
    await writer.drain()
    writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


@pytest.fixture
async def listeners(lab: Lab) -> AsyncIterator[None]:
    """An SSH-like banner server on .4 and a silent TCP server on .5."""
    servers = [
        await asyncio.start_server(_banner, lab.host(4), lab.tcp_port),
        await asyncio.start_server(_silent, lab.host(5), lab.tcp_port),
    ]
    yield
    for server in servers:
        server.close()
        await server.wait_closed()
