"""Websocket protocol handlers: refusals, caps, token expiry and revocation."""

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
from app.graphql.connections import TOO_MANY, UNAUTHENTICATED, recheck
from app.graphql.context import Context
from app.graphql.shared import encode_message

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


class _Guard:
    """What both protocols add: the per-user cap, token expiry, revocation and
    a session re-check before every new operation."""

    context: Context
    view: Any
    websocket: Any
    expiry: asyncio.Task[None] | None = None

    async def _acknowledged(self) -> None:
        if not self.view.connections.admit(self):
            await self.end(TOO_MANY, "Too many open connections")
            return
        left = _seconds_left(self.context)
        if left is not None:
            self.expiry = asyncio.create_task(self._expire(left))

    async def _expire(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.end(UNAUTHENTICATED, "Token expired")

    async def end(self, code: int, reason: str) -> None:
        """Stop every operation and close the socket with `code`."""
        await self._stop_operations()
        with suppress(RuntimeError, WebSocketDisconnected):
            await self.websocket.close(code, reason)

    async def _stop_operations(self) -> None:
        raise NotImplementedError

    async def _refuse_operation(self, operation_id: str, reason: str) -> None:
        raise NotImplementedError

    async def _allowed(self, operation_id: str) -> bool:
        """Re-check the session; refuse the operation and close if it ended."""
        refused = await recheck(self.context)
        if refused is None:
            return True
        await self._refuse_operation(operation_id, refused[1])
        await self.end(*refused)
        return False

    async def _forget(self) -> None:
        self.view.connections.release(self)
        if self.expiry is not None and not self.expiry.done():
            self.expiry.cancel()
            with suppress(asyncio.CancelledError):
                await self.expiry


class TransportWSHandler(_Guard, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with the guards above."""

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.expiry is None:
            await self._acknowledged()

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and not await self._allowed(message["id"]):
            return
        await super().handle_subscribe(message)

    async def _stop_operations(self) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)

    async def _refuse_operation(self, operation_id: str, reason: str) -> None:
        error = {"id": operation_id, "type": "error", "payload": [{"message": reason}]}
        await self.send_message(error)  # type: ignore[arg-type]

    async def shutdown(self) -> None:
        await self._forget()
        await super().shutdown()


class LegacyWSHandler(_Guard, BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (legacy) with the guards above, and the connection_init
    timeout the newer protocol has built in."""

    init_timer: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        self.init_timer = asyncio.create_task(self._init_timeout())
        try:
            await super().handle()
        finally:
            self.init_timer.cancel()
            await self._forget()

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        with suppress(RuntimeError, WebSocketDisconnected):
            await self.websocket.close(4408, "Connection initialisation timeout")

    async def handle_connection_init(self, message: Any) -> None:
        if self.init_timer is not None:
            self.init_timer.cancel()
        if self.connection_acknowledged:
            # A second init could swap the socket's user; graphql-transport-ws
            # refuses it the same way.
            await self.end(4429, "Too many initialisation requests")
            return
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.expiry is None:
            await self._acknowledged()

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged and not await self._allowed(message["id"]):
            return
        await super().handle_start(message)

    async def _stop_operations(self) -> None:
        await self.cleanup()

    async def _refuse_operation(self, operation_id: str, reason: str) -> None:
        error = {"type": "error", "id": operation_id, "payload": {"message": reason}}
        await self.send_message(error)  # type: ignore[arg-type]
