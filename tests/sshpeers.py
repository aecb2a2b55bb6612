"""Loopback peers that fail in specific ways: a closed port and a silent one."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


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
