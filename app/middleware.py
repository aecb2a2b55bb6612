"""Pure ASGI middleware."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.websocket_origin import is_same_origin, normalize_origin

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


class OriginMiddleware:
    """Browsers on other sites reach the API only from OPSGRAPH_CORS_ORIGINS.

    HTTP: a request from a listed origin goes through Starlette's CORS
    middleware (preflights answered, no credentials, Authorization and
    Content-Type allowed); any other request skips it, so an unlisted origin
    gets no CORS header at all. Websockets, which browsers open from any site
    with the user's network position: same-origin, listed and Origin-less
    (non-browser) clients are let through, others are refused with 403. The
    rules are Strawberry's own, which /graphql applies again after this.
    """

    def __init__(self, app: ASGIApp, origins: frozenset[str]) -> None:
        self.app = app
        self.origins = frozenset(n for o in origins if (n := normalize_origin(o)))
        self.cors = CORSMiddleware(
            app,
            allow_origins=sorted(self.origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            expose_headers=["X-Request-ID"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if scope["type"] == "http" and origin in self.origins:
            await self.cors(scope, receive, send)
        elif scope["type"] == "websocket" and not self._ws_allowed(scope, origin):
            await _refuse_origin(scope, send, origin or "")
        else:
            await self.app(scope, receive, send)

    def _ws_allowed(self, scope: Scope, origin: str | None) -> bool:
        if origin is None or _header(scope, b"sec-fetch-site") == "same-origin":
            return True
        if is_same_origin(origin, _header(scope, b"host")):
            return True
        return normalize_origin(origin) in self.origins


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse_origin(scope: Scope, send: Send, origin: str) -> None:
    """403 before the handshake, with a body when the server can send one."""
    message = f"origin {origin[:200]} not allowed; add it to OPSGRAPH_CORS_ORIGINS"
    log.warning(
        "WS %s -> 403 ORIGIN_NOT_ALLOWED %s (request %s)",
        scope["path"],
        origin[:200],
        scope.get("request_id"),
    )
    if "websocket.http.response" in scope.get("extensions", {}):
        await JSONResponse({"detail": message}, 403)(scope, _nothing, send)
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": message})


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
