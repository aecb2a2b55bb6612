"""Websocket protocol handlers: 4401/4403 refusals and token expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import (
    BaseGraphQLWSHandler,
)

from app.db import utcnow
from app.graphql.context import Context
from app.graphql.shared import encode_message

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
# Strawberry's codes for a rejected connection_init, per protocol.
_REJECTION_CODES = (4403, 1011)


class WebSocketAdapter(ASGIWebSocketAdapter):
    """Sends data rendered once as is; closes refusals with the chosen code."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        text = encode_message(message)
        if text is None:
            await super().send_json(message)
            return
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        chosen = getattr(self.ws.state, "refusal", None)
        if chosen is not None and code in _REJECTION_CODES:
            code, reason = chosen
        await super().close(code, reason)


def refuse(context: Context, code: int, reason: str) -> None:
    """Remember how to close this connection once strawberry rejects it."""
    context.request.state.refusal = (code, reason)


def _seconds_left(context: Context) -> float | None:
    principal = context.principal
    if principal is None or principal.expires_at is None:
        return None
    return max((principal.expires_at - utcnow()).total_seconds(), 0.0)


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, ending every subscription when the token expires."""

    expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        left = _seconds_left(self.context)
        if self.connection_acknowledged and left is not None and self.expiry is None:
            self.expiry = asyncio.create_task(self._expire(left))

    async def _expire(self, delay: float) -> None:
        await asyncio.sleep(delay)
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(UNAUTHENTICATED, "Token expired")

    async def shutdown(self) -> None:
        if self.expiry is not None and not self.expiry.done():
            self.expiry.cancel()
            with suppress(asyncio.CancelledError):
                await self.expiry
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (legacy), ending every subscription when the token expires."""

    expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        left = _seconds_left(self.context)
        if self.connection_acknowledged and left is not None and self.expiry is None:
            self.expiry = asyncio.create_task(self._expire(left))

    async def _expire(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.cleanup()
        await self.websocket.close(UNAUTHENTICATED, "Token expired")

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self.expiry is not None and not self.expiry.done():
                self.expiry.cancel()
                with suppress(asyncio.CancelledError):
                    await self.expiry
