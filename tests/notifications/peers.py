"""Real peers on loopback for notification tests: an HTTP server and an SMTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from tests.conftest import free_port


@dataclass
class Received:
    """One request the HTTP peer got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpPeer:
    """A tiny HTTP/1.1 server answering with scripted statuses (then 200)."""

    statuses: list[int] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append(Received(method, path, headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        reply = b"peer-body-SECRET-4711"
        extra = "".join(f"{k}: {v}\r\n" for k, v in self.extra_headers.items())
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(reply)}\r\n{extra}"
            "Connection: close\r\n\r\n".encode()
            + reply
        )
        await writer.drain()
        writer.close()

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        for _ in range(int(seconds / 0.05)):
            if len(self.received) >= count:
                break
            await asyncio.sleep(0.05)
        return self.received


@asynccontextmanager
async def http_peer(*statuses: int) -> AsyncIterator[HttpPeer]:
    """An HttpPeer listening on 127.0.0.1."""
    peer = HttpPeer(list(statuses))
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    peer.port = server.sockets[0].getsockname()[1]
    async with server:
        yield peer


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, Message]] = []
        self.logins: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.messages.append((envelope, message_from_bytes(envelope.content)))
        return "250 OK"


def _authenticator(inbox: _Inbox, user: str, password: str) -> Any:
    def check(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> Any:
        good = isinstance(auth, LoginPassword) and (
            auth.login.decode(),
            auth.password.decode(),
        ) == (user, password)
        inbox.logins.append(good)
        return AuthResult(success=good)

    return check


@asynccontextmanager
async def smtp_peer(user: str, password: str) -> AsyncIterator[tuple[int, _Inbox]]:
    """An aiosmtpd server on 127.0.0.1 offering LOGIN/PLAIN auth (no TLS)."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator(inbox, user, password),
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
