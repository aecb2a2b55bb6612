"""A minimal GraphQL-over-websocket client for tests (both protocols)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class Subscriber:
    """One websocket connection, acknowledged, ready to subscribe."""

    def __init__(self, ws: websockets.ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self._next_id = 0

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> str:
        """Start an operation; returns its id."""
        self._next_id += 1
        op_id = str(self._next_id)
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.ws.send(
            json.dumps(
                {
                    "id": op_id,
                    "type": kind,
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return op_id

    async def receive(self) -> dict[str, Any]:
        """The next protocol message, pings answered and skipped."""
        while True:
            message: dict[str, Any] = json.loads(await self.ws.recv())
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] in ("ka", "pong"):
                continue
            return message

    async def next_data(self) -> dict[str, Any]:
        """The data of the next result; fails on an error message."""
        message = await self.receive()
        assert message["type"] in ("next", "data"), message
        assert not message["payload"].get("errors"), message
        data: dict[str, Any] = message["payload"]["data"]
        return data


@asynccontextmanager
async def connect(
    url: str, token: str | None, protocol: str = TRANSPORT_WS
) -> AsyncIterator[Subscriber]:
    """Open, send connection_init with the bearer token, await the ack."""
    async with websockets.connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        yield Subscriber(ws, protocol)
