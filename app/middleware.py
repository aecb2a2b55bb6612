"""Pure ASGI middleware."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError, PayloadTooLargeError, RequestTimeoutError

log = logging.getLogger("app.http")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "opsgraph_request_id", default=None
)


class RequestIdMiddleware:
    """Give every request an id (or keep the caller's), log it and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        scope["request_id"] = rid
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class BodyLimitMiddleware:
    """Refuse a request body over `max_bytes` (413) as it streams, before it is
    read whole, and one that is not complete within `timeout` seconds (408).

    The errors surface through `receive`, so a REST route answers them in its
    surface's shape; anything else gets the generic shape below.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._limited(scope, receive), send_tracked)
        except (PayloadTooLargeError, RequestTimeoutError) as exc:
            if started:
                raise
            await _refuse(scope, send, exc)

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        received, done, deadline = 0, False, 0.0

        async def limited() -> Message:
            nonlocal received, done, deadline
            if done:
                return await receive()
            if too_large:
                raise PayloadTooLargeError(self._too_large)
            loop = asyncio.get_running_loop()
            deadline = deadline or loop.time() + self.timeout
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeoutError("Request body not received in time") from None
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise PayloadTooLargeError(self._too_large)
            done = not message.get("more_body", False)
            return message

        return limited

    @property
    def _too_large(self) -> str:
        return f"Request body larger than {self.max_bytes} bytes"


async def _refuse(scope: Scope, send: Send, exc: DomainError) -> None:
    status = 413 if isinstance(exc, PayloadTooLargeError) else 408
    body: dict[str, object] = {"detail": exc.message}
    if scope["path"] == "/graphql":
        body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
    log.warning(
        "%s %s -> %d %s (request %s)",
        scope["method"],
        scope["path"],
        status,
        exc.code,
        scope.get("request_id"),
    )
    await JSONResponse(body, status)(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
