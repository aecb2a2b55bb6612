"""Fixtures of the workflow tests: a broker, settings, and a loopback HTTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app import jobs
from app.settings import Settings
from tests.conftest import pg_settings


@pytest.fixture
def settings(pg_url: str) -> Settings:
    """PostgreSQL settings with loopback URLs allowed (the test peers live there)."""
    configured = pg_settings(pg_url, allow_loopback_urls=True)
    jobs.make_broker(configured)
    return configured


@dataclass
class HttpPeer:
    """A loopback HTTP server that records each request and answers JSON."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def _answer(
    peer: HttpPeer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    pairs = (line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {k.lower(): v for k, v in pairs}
    length = int(headers.get("content-length", "0"))
    body = (await reader.readexactly(length)).decode() if length else ""
    peer.requests.append(
        {"method": method, "target": target, "headers": headers, "body": body}
    )
    payload = json.dumps({"received": target}).encode()
    writer.write(
        f"HTTP/1.1 {peer.status} X\r\ncontent-type: application/json\r\n"
        f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    writer.close()


@pytest.fixture
async def http_peer() -> AsyncIterator[HttpPeer]:
    """An HTTP server on 127.0.0.1, any free port."""
    peer = HttpPeer(port=0)
    server = await asyncio.start_server(
        lambda r, w: _answer(peer, r, w), "127.0.0.1", 0
    )
    peer.port = server.sockets[0].getsockname()[1]
    try:
        yield peer
    finally:
        server.close()
        await server.wait_closed()
