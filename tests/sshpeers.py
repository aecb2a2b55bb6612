"""Loopback peers: a closed port, a silent port and an snmpsim agent."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def closed_port() -> int:
    """A loopback TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def silent_port() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never says a word."""
    accepted: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(
        lambda _r, w: accepted.append(w), "127.0.0.1", 0
    )
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


def free_udp_port() -> int:
    """A loopback UDP port nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def snmp_agent(workdir: Path, community: str = "public") -> AsyncIterator[int]:
    """An snmpsim agent on 127.0.0.1 answering `community` with a sysDescr."""
    data, cache = workdir / "data", workdir / "cache"
    data.mkdir(parents=True)
    cache.mkdir()
    (data / f"{community}.snmprec").write_text(
        "1.3.6.1.2.1.1.1.0|4|fleet test agent\n1.3.6.1.2.1.1.5.0|4|agent-1\n"
    )
    port = free_udp_port()
    proc = await asyncio.create_subprocess_exec(
        shutil.which("snmpsim-command-responder") or "snmpsim-command-responder",
        f"--data-dir={data}",
        f"--cache-dir={cache}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        "--logging-method=null",
        env={**os.environ, "SNMPSIM_ALLOW_ROOT": "true"},
    )
    try:
        await asyncio.sleep(2.5)  # snmpsim indexes its data before answering
        if proc.returncode is not None:
            raise RuntimeError(f"snmpsim exited with {proc.returncode}")
        yield port
    finally:
        proc.terminate()
        await proc.wait()
